"""Step 8 as real processes, as on several machines: a redis-server, two beats and
three workers, sharing one simulated clock that runs 60 times as fast (a minute a
second). Through a SIGKILL of the leading beat and of a worker in the middle of a task,
each task beat sent is saved exactly once, and no beat sends a run twice."""

from __future__ import annotations

import re
import signal
import time
from contextlib import ExitStack
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from support.celery_fleet import (
    LOCK_TIMEOUT,
    SAVED,
    START_UP,
    WORKER,
    celery,
    holders_as_placeholders,
    migrated_step,
    saved_tasks,
    sent_by,
    wait_until,
)
from support.transcripts import assert_transcript_current

MINUTE = timedelta(minutes=1)
HOLDING = re.compile(r"HOLDING (\S+) ")


@pytest.fixture(scope="module")
def fleet(redis, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The step copied out alone and migrated, and the environment of its processes."""
    return migrated_step(tmp_path_factory.mktemp("fleet"), redis.url)


def saved_by(worker) -> list[str]:
    return SAVED.findall(worker.text)


def takeover_lines(standby) -> str:
    """What the standby's console shows, from standing by to its second run (the docs
    include it), with the values that change from run to run as placeholders."""
    lines = [line for line in standby.text.splitlines() if " eventapp.beat: " in line]
    end = [n for n, line in enumerate(lines) if "Sent " in line][1]
    text = "\n".join(lines[: end + 1]) + "\n"
    text = re.sub(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", "<task id>", text)
    return holders_as_placeholders(text)


def test_two_beats_three_workers_each_task_saved_once_through_two_sigkills(fleet):
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
        leader.wait_for(" leads", timeout=START_UP)
        standby = start(celery(step, "beat", env=env))
        standby.wait_for(" stands by: ", timeout=START_UP)

        # Worker 1 takes one of the first tasks and holds it; the others go on.
        held = HOLDING.search(workers[0].wait_for("HOLDING")[0])[1]
        wait_until(lambda: len(saved_tasks(step)) >= 2, 30, "two rows")
        assert sent_by(standby) == []  # a standby sends nothing

        killed_at = time.monotonic()
        leader.send(signal.SIGKILL)
        workers[0].send(signal.SIGKILL)
        seen = {}  # what happened, and how long after the kills

        def took_over_and_redelivered() -> bool:
            for event, happened in [
                ("takeover", lambda: " leads" in standby.text),
                ("redelivery", lambda: held in saved_tasks(step)),
            ]:
                if event not in seen and happened():
                    seen[event] = time.monotonic() - killed_at
            return len(seen) == 2

        wait_until(took_over_and_redelivered, LOCK_TIMEOUT + 30, f"takeover, and {held} saved")
        # Five runs from the new leader, all saved.
        standby.wait_for("Sent create_save", count=5, timeout=30)
        sent = sent_by(leader, standby)
        wait_until(lambda: {t for _, t in sent} <= set(saved_tasks(step)), 30, "all saved")

    rows = saved_tasks(step)  # and perhaps a few the new leader sent since
    written = [task_id for worker in workers for task_id in saved_by(worker)]
    gaps = [later - earlier for (earlier, _), (later, _) in pairwise(sent)]
    print(  # the figures for the docs (pytest -s)
        f"\nFIGURES sent={len(sent)} rows={len(rows)} doubled={len(written) - len(set(written))}"
        f" takeover={seen['takeover']:.1f}s redelivery={seen['redelivery']:.1f}s"
        f" shortest_gap={min(gaps).total_seconds():.0f}s"
        f" takeover_gap={max(gaps).total_seconds() / 60:.1f}min"
    )
    assert {task_id for _, task_id in sent} <= set(rows)  # each task sent, saved
    assert len(written) == len(set(written))
    # The killed worker never ran the held task's body: another worker did, after Redis
    # gave the unacknowledged task back (visibility_timeout).
    assert held in [task_id for worker in workers[1:] for task_id in saved_by(worker)]
    assert seen["takeover"] < LOCK_TIMEOUT + 3
    assert_transcript_current("step08-takeover", takeover_lines(standby))
    # No run sent twice: about a minute between two runs; the minutes without a leader
    # are not made up (DatabaseScheduler's rule: one run at once, then one a minute).
    assert min(gaps) > 50 * timedelta(seconds=1)
    assert max(gaps) > LOCK_TIMEOUT * MINUTE
