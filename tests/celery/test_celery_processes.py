"""Step 7 as real processes, as on several machines: a redis-server, two beats and
three workers, sharing one simulated clock that runs 60 times as fast (a minute a
second). One row per period, none doubled, through a SIGKILL of the leading beat and
of a worker in the middle of a task."""

from __future__ import annotations

import re
import signal
import time
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from support.celery_fleet import celery, fleet_env, saved_periods, wait_until
from support.processes import clean_env, copy_step, manage

START = datetime(2026, 3, 2, 9, 0, 30, tzinfo=timezone.utc)
SPEED = 60  # simulated seconds per real second
MINUTE = timedelta(minutes=1)
LOCK_TIMEOUT = 5  # settings.BEAT_LOCK_TIMEOUT, in real seconds: Redis counts them
START_UP = 60  # real seconds for a celery process to start on a busy machine
SENDING = re.compile(r"Sending create_save for (\S+)")
HOLDING = re.compile(r"HOLDING \S+ (\S+) pid")
SAVED = re.compile(r"create_save for (\S+): saved #")
WORKER = ["worker", "--loglevel=info", "--concurrency=1"]
# Gossip, mingle and heartbeats compare wall-clock times between workers; a clock that
# runs 60 times as fast makes every worker look late to the others.
WORKER += ["--without-gossip", "--without-mingle", "--without-heartbeat"]


@pytest.fixture(scope="module")
def fleet(redis, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The step copied out alone and migrated, and the environment of its processes."""
    step = copy_step(tmp_path_factory.mktemp("fleet"))
    env = fleet_env(clean_env(CELERY_BROKER_URL=redis.url), START, SPEED)
    migrated = manage(step, "migrate", "--noinput", env=env)  # on the shared clock too
    assert migrated.returncode == 0, migrated.stderr
    return step, env


def periods_sent(*beats) -> list[datetime]:
    return [datetime.fromisoformat(p) for b in beats for p in SENDING.findall(b.text)]


def saved_by(worker) -> list[datetime]:
    return [datetime.fromisoformat(p) for p in SAVED.findall(worker.text)]


def test_two_beats_three_workers_one_row_per_period_through_two_sigkills(fleet):
    step, env = fleet
    with ExitStack() as stack:
        start = stack.enter_context
        holding = {**env, "HOLD_TASK": "eventapp.tasks.create_save"}
        workers = [
            start(celery(step, *WORKER, "-n", f"w{n}@%h", env=holding if n == 1 else env))
            for n in (1, 2, 3)
        ]
        for worker in workers:
            worker.wait_for(" ready.", timeout=START_UP)
        leader = start(celery(step, "beat", env=env))
        leader.wait_for(" leads ", timeout=START_UP)
        standby = start(celery(step, "beat", env=env))
        standby.wait_for(" stands by: ", timeout=START_UP)

        # Worker 1 takes one of the first tasks and holds it; the others go on.
        held = datetime.fromisoformat(HOLDING.search(workers[0].wait_for("HOLDING")[0])[1])
        wait_until(lambda: len(saved_periods(step)) >= 2, 30, "two rows")
        assert periods_sent(standby) == []  # a standby sends nothing

        killed_at = time.monotonic()
        leader.send(signal.SIGKILL)
        workers[0].send(signal.SIGKILL)
        seen = {}  # what happened, and how long after the kills

        def took_over_and_redelivered() -> bool:
            for event, happened in [
                ("takeover", lambda: " leads " in standby.text),
                ("redelivery", lambda: held in saved_periods(step)),
            ]:
                if event not in seen and happened():
                    seen[event] = time.monotonic() - killed_at
            return len(seen) == 2

        wait_until(took_over_and_redelivered, LOCK_TIMEOUT + 30, f"takeover, and {held} saved")

        # The new leader's first period, and five more after it, all saved.
        first_after = datetime.fromisoformat(SENDING.search(standby.wait_for("Sending")[0])[1])
        last = first_after + 5 * MINUTE
        saved = wait_until(lambda: last in (rows := saved_periods(step)) and rows, 30, "5 more")

    rows = [period for period in saved if period <= last]
    periods = [saved[0] + n * MINUTE for n in range((last - saved[0]) // MINUTE + 1)]
    sent = periods_sent(leader, standby)
    written = [p for worker in workers for p in saved_by(worker)]  # the runs that wrote
    print(  # the figures for the docs (pytest -s)
        f"\nFIGURES periods={len(periods)} rows={len(rows)}"
        f" missing={len(set(periods) - set(rows))} doubled={len(written) - len(set(written))}"
        f" takeover={seen['takeover']:.1f}s redelivery={seen['redelivery']:.1f}s"
        f" sent_twice={len(sent) - len(set(sent))}"
        f" delivered_twice={sum(w.text.count('saved it already') for w in workers)}"
    )
    assert rows == periods  # each period once: none missing, none doubled
    assert len(written) == len(set(written))
    # The killed worker never ran the held task's body: another worker did, after Redis
    # gave the unacknowledged task back (visibility_timeout).
    assert held in rows
    assert held in [p for worker in workers[1:] for p in saved_by(worker)]
    assert seen["takeover"] < LOCK_TIMEOUT + 3
