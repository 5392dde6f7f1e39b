"""Step 8's Celery processes side by side, as machines: one shared fast clock (fleet/)."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from support.processes import Server, spawn

FLEET_DIR = Path(__file__).parent / "fleet"
CELERY = Path(sys.executable).with_name("celery")  # the command a reader runs
T = TypeVar("T")


def fleet_env(env: dict[str, str], start: datetime, speed: float) -> dict[str, str]:
    """ENV for processes whose clocks all read START now and run SPEED times as fast,
    with the step's settings but for a dead worker's task coming back within seconds."""
    env = dict(env)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(FLEET_DIR), env.get("PYTHONPATH")]))
    env["DJANGO_SETTINGS_MODULE"] = "fleet_settings"
    env["ACCELERATE_START"] = start.isoformat()
    env["ACCELERATE_REAL_START"] = repr(time.time())
    env["ACCELERATE_SPEED"] = str(speed)
    return env


@contextmanager
def celery(step: Path, *args: str, env: dict[str, str]) -> Iterator[Server]:
    """``celery -A eventproject ARGS`` run from the step folder, as the README says."""
    with spawn([str(CELERY), "-A", "eventproject", *args], cwd=step, env=env) as process:
        yield process


def wait_until(found: Callable[[], T], timeout: float, what: str) -> T:
    """Ask FOUND every 50 ms until it returns something true; fail after TIMEOUT s."""
    deadline = time.monotonic() + timeout
    pace = threading.Event()
    while not (result := found()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        pace.wait(0.05)
    return result
