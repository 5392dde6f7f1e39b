"""Run the step under gunicorn with several worker processes, as production does."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from support.processes import Server, accelerated, clean_env, free_port, spawn

# Makes each worker say when it has loaded the application and can serve.
CONFIG = Path(__file__).with_name("gunicorn_conf.py")
READY = "Worker ready: "  # printed by gunicorn_conf.py


@contextmanager
def gunicorn(
    step: Path,
    *,
    workers: int = 4,
    accelerate: bool = False,
    start: datetime | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """Serve the step's eventproject.wsgi with gunicorn in its own process group, read
    line by line. With ACCELERATE, simulated time runs fast in the master and in every
    worker. The group is killed on the way out if still running."""
    env = env or clean_env()
    if accelerate:
        env = accelerated(env, start)
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        f"--workers={workers}",
        f"--bind=127.0.0.1:{port}",
        f"--config={CONFIG}",
        "--no-control-socket",  # several at once would share ~/.gunicorn/gunicorn.ctl
        "eventproject.wsgi",
    ]
    with spawn(argv, cwd=step, env=env, port=port) as server:
        yield server


def worker_pids(server: Server) -> list[int]:
    return [int(line.split(READY, 1)[1].split()[0]) for line in server.output if READY in line]
