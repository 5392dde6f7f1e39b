"""The docs checks share one real build of the site."""

import os
import subprocess
import sys

import pytest
from pages import ROOT


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
