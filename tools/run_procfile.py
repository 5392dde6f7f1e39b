"""Run a step's Procfile with honcho: `make run STEP=N` calls this from the step folder.

When a process in the Procfile runs Celery, Redis must answer at CELERY_BROKER_URL
(default redis://127.0.0.1:6379/0) first. If none does there, a local redis-server is
started for the run and stopped after it, if one is installed; if none is, the run
stops with a message that says how to install it. The redis-server runs with the
folder's redis.conf when it has one (step 8: a Redis that keeps its queue on disk, in
the folder the file names); without one, as a scratch server that writes nothing. A
Redis that already answers is used as it is, with a warning if it keeps nothing.

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


def conf_dir(conf: Path) -> Path:
    """The folder CONF's `dir` setting names (relative to CONF's folder), else that folder."""
    settings = [line.split(None, 1) for line in conf.read_text().splitlines()]
    named = [words[1].strip().strip('"') for words in settings if words[:1] == ["dir"]]
    return conf.parent / (named[-1] if named else ".")


def start_redis(url: str, conf: Path) -> subprocess.Popen:
    """A redis-server for this run, on the URL's port; exit with a hint without one."""
    parts = urlsplit(url)
    executable = shutil.which("redis-server")
    if parts.hostname not in LOCAL_HOSTS or executable is None:
        sys.exit(HOW_TO_INSTALL_REDIS.format(url=url))
    port = str(parts.port or 6379)
    argv = [executable, "--port", port, "--bind", parts.hostname, "--loglevel", "warning"]
    if conf.is_file():
        data = conf_dir(conf)
        data.mkdir(parents=True, exist_ok=True)  # Redis refuses a dir that is missing
        print(
            f"Starting redis-server {conf.name} on port {port} for this run (stopped with it;"
            f" its data kept in {data}).",
            flush=True,
        )
        argv.insert(1, str(conf))
    else:  # a scratch server: nothing written to disk, so nothing left in the folder
        print(f"Starting redis-server on port {port} for this run (stopped with it).", flush=True)
        argv += ["--save", "", "--appendonly", "no"]
    server = subprocess.Popen(argv, cwd=conf.parent)
    deadline = time.monotonic() + REDIS_START_TIMEOUT
    while not redis_answers(url):
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            sys.exit(f"redis-server did not start on port {port}: see its output above.")
        time.sleep(0.1)
    return server


def warn_if_it_keeps_nothing(url: str) -> None:
    """Say so when the Redis at URL would lose its queue in a restart (step 8's page)."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        keeps = client.config_get("appendonly").get("appendonly") == "yes"
    except redis.RedisError:  # CONFIG may be disabled (a managed Redis): say nothing
        return
    if not keeps:
        print(f"Warning: {url} runs without appendonly: a restart loses queued tasks.", flush=True)


def runs_celery(procfile: Path) -> bool:
    """Whether a process of PROCFILE ("name: command ...") is a celery command."""
    commands = [line.partition(":")[2].split() for line in procfile.read_text().splitlines()]
    return any(command[:1] == ["celery"] for command in commands)


def main() -> int:
    procfile = Path(sys.argv[1] if len(sys.argv) > 1 else "Procfile")
    url = os.environ.get("CELERY_BROKER_URL", DEFAULT_BROKER_URL)
    needs_redis = runs_celery(procfile)
    server = None
    if needs_redis and not redis_answers(url):
        server = start_redis(url, procfile.parent.resolve() / "redis.conf")
    elif needs_redis:
        warn_if_it_keeps_nothing(url)
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
