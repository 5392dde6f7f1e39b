"""Fast simulated time inside a real process (runserver, runapscheduler), for the tests only.

Python imports this file at start-up when its folder is on PYTHONPATH and
ACCELERATE_SCHEDULER=1. It starts a ticking time-machine clock, at ACCELERATE_START
(an ISO date-time) if set, else now. Every 20 ms it moves the clock to the next run
time of each scheduler the process has started and wakes that scheduler up, up to
ACCELERATE_UNTIL if set (from then on, time runs at its real pace). So a
once-a-minute job runs about every 20 ms, exactly on time: nothing is missed. The
step's code does not know about it. Worker processes
that a server forks (gunicorn) tick too.
"""

import os
import sys
import threading
from pathlib import Path

TICK_INTERVAL = 0.02


# --8<-- [start:accelerate]
def _accelerate() -> None:
    from datetime import datetime, timezone

    import time_machine

    start = os.environ.get("ACCELERATE_START")
    at = datetime.fromisoformat(start) if start else datetime.now(timezone.utc)
    until = os.environ.get("ACCELERATE_UNTIL")  # from then on, the real pace
    stop_at = datetime.fromisoformat(until) if until else None
    traveller = time_machine.travel(at, tick=True).start()
    schedulers = _record_started_schedulers()
    pace = threading.Event()

    def tick() -> None:
        while not pace.wait(TICK_INTERVAL):
            for scheduler in [s for s in schedulers if s.running]:
                if schedulers[scheduler]:  # a run is still going: its period is not over
                    continue
                try:  # the jobs are in the database, which may be restarting
                    jobs = scheduler.get_jobs()
                except Exception as error:
                    print(f"accelerator: no jobs to look at ({error}), next tick", flush=True)
                    continue
                upcoming = [job.next_run_time for job in jobs if job.next_run_time]
                if not upcoming or (stop_at and min(upcoming) > stop_at):
                    continue
                if min(upcoming) > datetime.now(timezone.utc):
                    traveller.move_to(min(upcoming))
                scheduler.wakeup()

    def start_ticking() -> None:
        threading.Thread(target=tick, name="accelerator", daemon=True).start()

    start_ticking()
    # A forking server (gunicorn) starts its workers without the thread: start it again.
    os.register_at_fork(after_in_child=start_ticking)


# --8<-- [end:accelerate]


def _record_started_schedulers() -> dict:
    """Every APScheduler scheduler this process starts, whatever starts it, with what it
    is busy with: runs still going, or its loop looking at due jobs. The clock waits for
    them, as real time would."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests/, for support.*
    from apscheduler.events import (
        EVENT_JOB_ERROR,
        EVENT_JOB_EXECUTED,
        EVENT_JOB_MISSED,
        EVENT_JOB_SUBMITTED,
    )
    from support.startup import on_every_start

    started = {}
    lock = threading.Lock()

    def track(scheduler) -> None:
        started[scheduler] = 0
        process_jobs = scheduler._process_jobs

        def processing() -> float | None:
            # While the scheduler looks at its due jobs (from step 6 it stores each next
            # run time before the run starts), the clock must not move on either.
            with lock:
                started[scheduler] += 1
            try:
                return process_jobs()
            finally:
                with lock:
                    started[scheduler] -= 1

        scheduler._process_jobs = processing

        def count(event) -> None:
            # Each run time submitted ends once: executed, failed, or missed (too late).
            with lock:
                if event.code == EVENT_JOB_SUBMITTED:
                    started[scheduler] += len(event.scheduled_run_times)
                else:
                    started[scheduler] -= 1

        ended = EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED
        scheduler.add_listener(count, EVENT_JOB_SUBMITTED | ended)

    on_every_start(track).start()
    return started


if os.environ.get("ACCELERATE_SCHEDULER") == "1":
    _accelerate()
