"""Run a step's Procfile with honcho: `make run STEP=N` calls this from the step folder.

When a process in the Procfile runs Celery, Redis must answer at CELERY_BROKER_URL
(default redis://127.0.0.1:6379/0) first. If none does there, a local redis-server is
started for the run and stopped after it, if one is installed; if none is, the run
stops with a message that says how to install it.

    python tools/run_procfile.py [PROCFILE]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import redis

DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
REDIS_START_TIMEOUT = 10  # seconds
HOW_TO_INSTALL_REDIS = (
    "Redis is not running at {url}, and redis-server is not installed to start one.\n"
    "Install it: sudo apt-get install redis-server (Debian, Ubuntu), "
    "sudo dnf install redis (Fedora), brew install redis (macOS).\n"
    "Or point CELERY_BROKER_URL at a Redis that runs elsewhere."
)


def redis_answers(url: str) -> bool:
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError:
        return False


def start_redis(url: str) -> subprocess.Popen:
    """A redis-server for this run, on the URL's port; exit with a hint without one."""
    parts = urlsplit(url)
    executable = shutil.which("redis-server")
    if parts.hostname not in LOCAL_HOSTS or executable is None:
        sys.exit(HOW_TO_INSTALL_REDIS.format(url=url))
    port = str(parts.port or 6379)
    print(f"Starting redis-server on port {port} for this run (stopped with it).", flush=True)
    # A scratch server: nothing written to disk, so nothing left in the step folder.
    argv = [executable, "--port", port, "--bind", parts.hostname]
    server = subprocess.Popen([*argv, "--save", "", "--appendonly", "no", "--loglevel", "warning"])
    deadline = time.monotonic() + REDIS_START_TIMEOUT
    while not redis_answers(url):
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            sys.exit(f"redis-server did not start on port {port}: see its output above.")
        time.sleep(0.1)
    return server


def runs_celery(procfile: Path) -> bool:
    """Whether a process of PROCFILE ("name: command ...") is a celery command."""
    commands = [line.partition(":")[2].split() for line in procfile.read_text().splitlines()]
    return any(command[:1] == ["celery"] for command in commands)


def main() -> int:
    procfile = Path(sys.argv[1] if len(sys.argv) > 1 else "Procfile")
    url = os.environ.get("CELERY_BROKER_URL", DEFAULT_BROKER_URL)
    needs_redis = runs_celery(procfile)
    server = start_redis(url) if needs_redis and not redis_answers(url) else None
    # The Procfile's commands (python, celery) are the ones next to this Python.
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")])}
    honcho = Path(sys.executable).with_name("honcho")
    try:
        return subprocess.run([str(honcho), "-f", str(procfile), "start"], env=env).returncode
    except KeyboardInterrupt:
        return 130
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
