"""Any command as a real process in its own process group, read line by line.

support.processes.command() does this for ``manage.py``; celery and redis-server are
commands of their own.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from support.processes import Server


@contextmanager
def spawn(
    argv: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """Start ARGV; on the way out, kill its whole process group (children included)."""
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    server = Server(process)
    server._reader = threading.Thread(target=server._pump, daemon=True)
    server._reader.start()
    try:
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):  # a child may outlive its parent
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        server._reader.join(timeout=10)
