"""Redis restarts, with real processes, on the fleet's fast clock.

While Redis is down beat stands by and writes no run down, so a run that came due
meanwhile is sent once Redis is back, once. And what a restart does to the tasks already
queued depends on how Redis keeps them: the step's redis.conf writes each one to disk
before Redis answers, so none is lost; Redis's default snapshots lose to a crash what
came after the last one; a Redis that keeps nothing loses them all. Beat wrote each of
those down as sent when Redis took it, so none is sent again."""

from __future__ import annotations

import re
import shutil
import signal
import sqlite3
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import redis as redis_client
from support.celery_fleet import (
    SAVED,
    SPEED,
    START_UP,
    STEP_ZONE,
    WORKER,
    celery,
    fleet_env,
    saved_tasks,
    wait_until,
)
from support.processes import clean_env, copy_step, free_port, manage, spawn

START = datetime(2026, 3, 2, 9, 0, 30, tzinfo=timezone.utc)
UTC = timezone.utc
SWEEP = "close_finished_campaigns"
SENT = re.compile(rf"^(\S+ \S+) INFO eventapp\.beat: Sent {SWEEP} ", re.M)
SENT_SAVE = re.compile(r"INFO eventapp\.beat: Sent create_save as task (\S+)")
HOLDING = re.compile(r"HOLDING (\S+) ")
AGAIN = re.compile(r"create_save (\S+): #\d+ saved it already")
QUEUE, UNACKED = "celery", "unacked"  # kombu's keys: the queue, the tasks taken but not done

PERIODS = 20  # create_save runs a minute apart: one a real second
BACKLOG = 4  # tasks queued behind the busy worker before each restart
RESTARTS = [signal.SIGTERM, signal.SIGKILL, signal.SIGTERM]  # a restart, a crash, a restart


def redis_server(step: Path, port: int, keeps: str = "everything"):
    """The step's Redis, `redis-server redis.conf` (its data in .redis/ of the copy); or,
    as KEEPS says, one with Redis's defaults ("snapshots": a dump.rdb at a clean stop and
    every few minutes, as Debian's package), or one that keeps "nothing", as `make run`
    started it before."""
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.skip("redis-server is not installed: apt-get install redis-server")
    argv = [executable, "--port", str(port), "--bind", "127.0.0.1"]
    if keeps == "everything":
        (step / ".redis").mkdir(exist_ok=True)  # as the README says: mkdir -p .redis
        argv.insert(1, "redis.conf")
    elif keeps == "nothing":
        argv += ["--save", "", "--appendonly", "no"]
    return spawn(argv, cwd=step)


def started(stack: ExitStack, step: Path, port: int, keeps: str = "everything"):
    server = stack.enter_context(redis_server(step, port, keeps))
    server.wait_for("Ready to accept connections")
    return server


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
        datetime.strptime(at, "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=STEP_ZONE)
        for at in SENT.findall(beat.text)
    ]


def test_a_run_due_while_redis_is_down_is_sent_once_it_is_back(tmp_path):
    port = free_port()
    step = copy_step(tmp_path)
    env = fleet_env(clean_env(CELERY_BROKER_URL=f"redis://127.0.0.1:{port}/0"), START, SPEED)
    with ExitStack() as stack:
        redis = started(stack, step, port)
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
        redis = started(stack, step, port)  # on the same port, with its data

        # The 09:20 run, sent and run. (The 09:10 one may run a second time too: Redis
        # stopped as it ran, so its acknowledgement was lost, and Redis kept it as taken.)
        late_id = beat.wait_for(f"Sent {SWEEP} ", count=2, timeout=60)[1].split()[-1]
        worker.wait_for(f"{SWEEP}[{late_id}] succeeded", timeout=60)
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


@dataclass
class Backlog:
    """What became of the create_save tasks beat sent through the restarts."""

    sent: list[str]  # task ids, as beat logged them
    by_restart: list[list[str]]  # of those, the ones sent before each restart
    held: str  # the task the busy worker held until it was killed
    saved: list[str]  # one entry per row written (the second of a redelivery writes none)
    again: list[str]  # the tasks delivered again, whose row was there already
    seconds: float  # real seconds from beat's start to the last row

    @property
    def lost(self) -> list[str]:
        return [task_id for task_id in self.sent if task_id not in self.saved]


def in_redis(broker: redis_client.Redis) -> str:
    """What Redis still holds of the tasks, and kombu's restore mutex (fleet_settings)."""
    mutex = broker.pttl("unacked_mutex")
    return (
        f"{broker.llen(QUEUE)} queued, {broker.hlen(UNACKED)} taken,"
        f" restore mutex {f'held for {mutex} ms more' if mutex > 0 else 'free'}"
    )


def through_restarts(tmp_path: Path, keeps: str) -> Backlog:
    """Beat sends create_save once a (simulated) minute to a worker that is busy: it holds
    the first task and takes no other, so the rest queue up. Redis restarts three times
    (SIGTERM, SIGKILL, SIGTERM), each with BACKLOG more tasks queued; then the busy worker
    is killed and a new one takes over. Once beat has sent PERIODS tasks it stops, and the
    test waits until Redis holds no task, queued or taken: what has no row then is gone."""
    port = free_port()
    step = copy_step(tmp_path)
    url = f"redis://127.0.0.1:{port}/0"
    env = fleet_env(clean_env(CELERY_BROKER_URL=url), START, SPEED)
    broker = redis_client.Redis.from_url(url, socket_timeout=5)
    with ExitStack() as stack:
        redis = started(stack, step, port, keeps)
        assert manage(step, "migrate", "--noinput", env=env).returncode == 0
        holding = {**env, "HOLD_TASK": "eventapp.tasks.create_save"}
        busy = stack.enter_context(celery(step, *WORKER, "-n", "busy@%h", env=holding))
        busy.wait_for(" ready.", timeout=START_UP)
        beat = stack.enter_context(celery(step, "beat", env=env))
        began = time.monotonic()
        held = HOLDING.search(busy.wait_for("HOLDING", timeout=START_UP)[0])[1]

        by_restart = []
        for signum in RESTARTS:
            queued = len(SENT_SAVE.findall(beat.text))
            beat.wait_for("Sent create_save", count=queued + BACKLOG, timeout=30)
            redis.send(signum)
            by_restart.append(SENT_SAVE.findall(beat.text))
            redis = started(stack, step, port, keeps)  # on the same port

        busy.send(signal.SIGKILL)  # in the middle of its task
        worker = stack.enter_context(celery(step, *WORKER, "-n", "other@%h", env=env))
        beat.wait_for("Sent create_save", count=PERIODS, timeout=60)
        beat.send(signal.SIGTERM)
        # Taken tasks come back after visibility_timeout (7 s here, support/fleet/).
        try:
            wait_until(lambda: broker.llen(QUEUE) + broker.hlen(UNACKED) == 0, 60, "drained")
        except AssertionError as late:
            raise AssertionError(f"{late}: {in_redis(broker)}") from None
        seconds = time.monotonic() - began
        worker.send(signal.SIGTERM)  # a warm shutdown: the task it runs, if any, finishes

    saved, again = SAVED.findall(busy.text + worker.text), AGAIN.findall(worker.text)
    backlog = Backlog(SENT_SAVE.findall(beat.text), by_restart, held, saved, again, seconds)
    assert sorted(backlog.saved) == sorted(saved_tasks(step))  # the log says what was written
    print(  # the figures for the docs (pytest -s)
        f"\nFIGURES keeps={keeps} periods={len(backlog.sent)} restarts={len(RESTARTS)}"
        f" lost={len(backlog.lost)} rows={len(saved)} again={len(again)} time={seconds:.0f}s"
    )
    return backlog


def test_with_the_steps_redis_conf_restarts_during_a_backlog_lose_no_task(tmp_path):
    backlog = through_restarts(tmp_path, "everything")

    assert len(backlog.sent) >= PERIODS
    assert backlog.lost == []  # every task beat sent ran: queued, taken, or held
    assert len(backlog.saved) == len(set(backlog.saved))  # once each
    assert backlog.held in backlog.saved  # the killed worker's task, after visibility_timeout


def sent_between(backlog: Backlog, first: int, last: int) -> set[str]:
    """The tasks sent after restart FIRST (0: from the start) up to restart LAST."""
    before = set(backlog.by_restart[first - 1]) if first else set()
    return set(backlog.by_restart[last - 1]) - before


def test_a_redis_with_snapshots_only_loses_what_came_after_its_last_snapshot_to_a_crash(
    tmp_path,
):
    backlog = through_restarts(tmp_path, "snapshots")

    # The first restart (SIGTERM) wrote a snapshot, and the SIGKILL came before the next:
    # the tasks sent in between are gone. Beat had written each one down as sent, so none
    # is sent again. (Perhaps one more: sent as Redis stopped, logged after the test looked.)
    crashed = sent_between(backlog, 1, 2)
    assert crashed <= set(backlog.lost)
    assert len(backlog.lost) <= len(crashed) + 1
    assert backlog.held in backlog.saved  # taken before the snapshot: back after the crash
    assert len(backlog.saved) == len(set(backlog.saved))


def test_a_redis_that_keeps_nothing_loses_the_tasks_queued_when_it_restarts(tmp_path):
    backlog = through_restarts(tmp_path, "nothing")

    # Every task sent before the last restart was queued (or held) then, and is gone.
    before_last_restart = sent_between(backlog, 0, len(RESTARTS))
    assert before_last_restart <= set(backlog.lost)
    assert len(backlog.lost) <= len(before_last_restart) + 1
    assert len(backlog.lost) >= BACKLOG * len(RESTARTS)
    assert backlog.held in backlog.lost
    assert len(backlog.saved) == len(set(backlog.saved))
