"""A redis-server of a test's own: a free port, nothing written to disk, stopped after."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from support.processes import Server, free_port, spawn

HOW_TO_GET_REDIS = "redis-server is not installed: apt-get install redis-server"
START_TIMEOUT = 10.0


@dataclass
class RedisServer:
    port: int
    process: Server

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    """Run redis-server until the block ends; skip (a failure under CI=true) without it."""
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.skip(HOW_TO_GET_REDIS)
    port = free_port()
    argv = [executable, "--port", str(port), "--bind", "127.0.0.1"]
    argv += ["--save", "", "--appendonly", "no"]  # a scratch server: no files
    with spawn(argv) as process:
        process.wait_for("Ready to accept connections", timeout=START_TIMEOUT)
        yield RedisServer(port, process)
