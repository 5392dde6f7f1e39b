"""Step 8's Celery processes side by side, as machines: one shared fast clock (fleet/)."""

from __future__ import annotations

import os
import re
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from harness import DEFAULT_START

from support.processes import Server, clean_env, copy_step, manage, spawn

FLEET_DIR = Path(__file__).parent / "fleet"
CELERY = Path(sys.executable).with_name("celery")  # the command a reader runs
SPEED = 60  # simulated seconds per real second: a once-a-minute task runs every second
# LeaderScheduler.holder, the lock's value: host:pid:token. A page shows placeholders.
HOLDER = re.compile(r"[\w.-]+:\d+:[0-9a-f]{8}\b")
START_UP = 60  # real seconds for a celery process to start on a busy machine
LOCK_TIMEOUT = 5  # 5 x CELERY_BEAT_MAX_LOOP_INTERVAL, in real seconds: Redis counts them
SENT = re.compile(r"^(\S+ \S+) INFO eventapp\.beat: Sent create_save as task (\S+)", re.M)
SAVED = re.compile(r"create_save (\S+): saved #")  # a row written, by its task id
STEP_ZONE = ZoneInfo("Europe/Berlin")  # the step's TIME_ZONE, in which its log shows times
WORKER = ["worker", "--loglevel=info", "--concurrency=1"]
# Gossip, mingle and heartbeats compare wall-clock times between workers; a clock that
# runs 60 times as fast makes every worker look late to the others.
WORKER += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
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


def migrated_step(destination: Path, broker_url: str) -> tuple[Path, dict[str, str]]:
    """The step copied out alone into DESTINATION and migrated, and the environment of
    its processes: the fleet's clock from the tests' simulated start, and BROKER_URL."""
    step = copy_step(destination)
    env = fleet_env(clean_env(CELERY_BROKER_URL=broker_url), DEFAULT_START, SPEED)
    migrated = manage(step, "migrate", "--noinput", env=env)  # on the shared clock too
    assert migrated.returncode == 0, migrated.stderr
    return step, env


def sent_by(*beats: Server) -> list[tuple[datetime, str]]:
    """(simulated time, task id) of each create_save the BEATS sent, in order."""
    return sorted(
        (datetime.strptime(at, "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=STEP_ZONE), task_id)
        for beat in beats
        for at, task_id in SENT.findall(beat.text)
    )


def holders_as_placeholders(text: str) -> str:
    return HOLDER.sub("<host>:<pid>:<token>", text)


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


def saved_tasks(step: Path) -> list[str]:
    """SaveEvent.task_id of every row in the step's SQLite database."""
    with sqlite3.connect(f"file:{step / 'db.sqlite3'}?mode=ro", uri=True, timeout=20) as db:
        return [task_id for (task_id,) in db.execute("SELECT task_id FROM eventapp_saveevent")]
