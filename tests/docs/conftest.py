"""The docs checks share one real build of the site, and one browser to look at it."""

import os
import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pages import ROOT
from support import lifetime
from support.browser import chromium, chromium_path


def pytest_configure(config) -> None:
    lifetime.tie_children_to_this_run()  # what the run starts ends with it, however it ends


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The site, built the way `make docs-build` builds it, into a scratch folder."""
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("REPO_URL", None)  # the build a reader makes from a clone
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return out


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:
        pass


@pytest.fixture(scope="session")
def site_url(site):
    """The built site, served on localhost."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if chromium_path() is None and os.environ.get("CI") == "true":
        pytest.fail("CI needs chromium for the docs browser tests: apt-get install chromium")
    with chromium() as browser:
        yield browser
