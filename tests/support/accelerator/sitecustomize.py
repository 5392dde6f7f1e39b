"""Fast simulated time inside a real runserver, for the tests only.

Python imports this file at start-up when its folder is on PYTHONPATH and
ACCELERATE_SCHEDULER=1. It starts a ticking time-machine clock; every 20 ms it
moves the clock to the next run time of the step's scheduler (once the process
has one) and wakes the scheduler up. So a once-a-minute job runs about every
20 ms, exactly on time: nothing is missed. The step's code does not know about it.
"""

import os
import threading

TICK_INTERVAL = 0.02


def _accelerate() -> None:
    from datetime import datetime, timezone

    import time_machine

    traveller = time_machine.travel(datetime.now(timezone.utc), tick=True).start()
    pace = threading.Event()

    def tick() -> None:
        while not pace.wait(TICK_INTERVAL):
            scheduler = _running_scheduler()
            if scheduler is None:
                continue
            upcoming = [job.next_run_time for job in scheduler.get_jobs() if job.next_run_time]
            if upcoming and min(upcoming) > datetime.now(timezone.utc):
                traveller.move_to(min(upcoming))
            scheduler.wakeup()

    threading.Thread(target=tick, name="accelerator", daemon=True).start()


def _running_scheduler():
    try:
        from django.apps import apps

        if not apps.ready:
            return None
        return apps.get_app_config("eventapp").scheduler
    except Exception:
        return None


if os.environ.get("ACCELERATE_SCHEDULER") == "1":
    _accelerate()
