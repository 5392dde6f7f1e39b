"""A Redis restart, with real processes: while Redis is down beat stands by and writes
no run down, so a run that came due meanwhile is sent once Redis is back, once."""

from __future__ import annotations

import re
import shutil
import signal
import sqlite3
import time
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from support.celery_fleet import celery, fleet_env, wait_until
from support.processes import clean_env, copy_step, free_port, manage, spawn

START = datetime(2026, 3, 2, 9, 0, 30, tzinfo=timezone.utc)
SPEED = 60  # simulated seconds per real second: the fleet's clock (test_celery_processes.py)
START_UP = 60  # real seconds
BERLIN = ZoneInfo("Europe/Berlin")
UTC = timezone.utc
SWEEP = "close_finished_campaigns"
SENT = re.compile(rf"^(\S+ \S+) INFO eventapp\.beat: Sent {SWEEP} ", re.M)
WORKER = ["worker", "--loglevel=info", "--concurrency=1"]
WORKER += ["--without-gossip", "--without-mingle", "--without-heartbeat"]


def redis_server(port: int):
    """A redis-server without persistence, as `make run` starts one: a restart empties it."""
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.skip("redis-server is not installed: apt-get install redis-server")
    argv = [executable, "--port", str(port), "--bind", "127.0.0.1"]
    return spawn([*argv, "--save", "", "--appendonly", "no"])


def every_ten_minutes(step, name: str) -> None:
    """Staff's change in the admin: the sweep at :00, :10, :20 ... (so a test sees two)."""
    with sqlite3.connect(step / "db.sqlite3") as db:
        db.execute(
            "UPDATE django_celery_beat_crontabschedule SET minute = '*/10', hour = '*' WHERE id ="
            " (SELECT crontab_id FROM django_celery_beat_periodictask WHERE name = ?)",
            (name,),
        )


def simulated_now(env: dict[str, str]) -> datetime:
    """The fleet's shared clock (support/fleet/sitecustomize.py), read from outside."""
    real_start = float(env["ACCELERATE_REAL_START"])
    return START + timedelta(seconds=(time.time() - real_start) * SPEED)


def sent_at(beat) -> list[datetime]:
    """When BEAT sent the sweep: its log's times are Berlin time (settings.TIME_ZONE)."""
    return [
        datetime.strptime(at, "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=BERLIN)
        for at in SENT.findall(beat.text)
    ]


def test_a_run_due_while_redis_is_down_is_sent_once_it_is_back(tmp_path):
    port = free_port()
    step = copy_step(tmp_path)
    env = fleet_env(clean_env(CELERY_BROKER_URL=f"redis://127.0.0.1:{port}/0"), START, SPEED)
    with ExitStack() as stack:
        redis = stack.enter_context(redis_server(port))
        redis.wait_for("Ready to accept connections")
        assert manage(step, "migrate", "--noinput", env=env).returncode == 0
        every_ten_minutes(step, SWEEP)
        worker = stack.enter_context(celery(step, *WORKER, env=env))
        worker.wait_for(" ready.", timeout=START_UP)
        beat = stack.enter_context(celery(step, "beat", env=env))

        # The 09:10 sweep runs; then Redis stops, and stays down past 09:20.
        worker.wait_for(f"{SWEEP}: closed", timeout=START_UP)
        assert redis.send(signal.SIGTERM) == 0
        stopped = simulated_now(env)
        beat.wait_for(" stands by: Redis", timeout=10)
        past_0920 = datetime(2026, 3, 2, 9, 21, tzinfo=UTC)
        wait_until(lambda: simulated_now(env) > past_0920, 60, "09:21")
        assert len(sent_at(beat)) == 1  # nothing sent, nothing written down as sent
        restarted = simulated_now(env)
        redis = stack.enter_context(redis_server(port))  # on the same port, empty

        worker.wait_for(f"{SWEEP}: closed", count=2, timeout=60)
        worker_output = worker.text
        beat_output = beat.text

    first, late, *later = sent_at(beat)
    print(  # the figures for the docs (pytest -s)
        f"\nFIGURES down={stopped:%H:%M:%S}-{restarted:%H:%M:%S} UTC"
        f" sent={first.astimezone(UTC):%H:%M:%S},{late.astimezone(UTC):%H:%M:%S}"
        f" after_restart={(late - restarted).total_seconds() / SPEED:.1f}s"
    )
    assert first < stopped < datetime(2026, 3, 2, 9, 20, tzinfo=UTC)
    # The 09:20 run: sent once Redis was back, late; not lost until 09:30, and not twice.
    assert restarted <= late < datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert all(run >= datetime(2026, 3, 2, 9, 30, tzinfo=UTC) for run in later)
    assert worker_output.count(f"{SWEEP}: closed") >= 2
    assert " leads" in beat_output.split(" stands by: Redis")[-1]  # it led again
