"""Fast simulated time inside a real process (runserver, runapscheduler), for the tests only.

Python imports this file at start-up when its folder is on PYTHONPATH and
ACCELERATE_SCHEDULER=1. It starts a ticking time-machine clock, at
ACCELERATE_START (an ISO date-time) if set, else now; every 20 ms it moves the
clock to the next run time of each scheduler the process has started and wakes
that scheduler up. So a once-a-minute job runs about every 20 ms, exactly on
time: nothing is missed. The step's code does not know about it.
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
    traveller = time_machine.travel(at, tick=True).start()
    schedulers = _record_started_schedulers()
    pace = threading.Event()

    def tick() -> None:
        while not pace.wait(TICK_INTERVAL):
            for scheduler in [s for s in schedulers if s.running]:
                upcoming = [job.next_run_time for job in scheduler.get_jobs() if job.next_run_time]
                if upcoming and min(upcoming) > datetime.now(timezone.utc):
                    traveller.move_to(min(upcoming))
                scheduler.wakeup()

    threading.Thread(target=tick, name="accelerator", daemon=True).start()


# --8<-- [end:accelerate]


def _record_started_schedulers() -> list:
    """Every APScheduler scheduler this process starts, whatever starts it."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests/, for support.*
    from support.startup import on_every_start

    started = []
    on_every_start(started.append).start()
    return started


if os.environ.get("ACCELERATE_SCHEDULER") == "1":
    _accelerate()
