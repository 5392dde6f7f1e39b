"""Run the scheduled jobs in a process of their own: `python manage.py runapscheduler`.

Run exactly one. The web processes run no scheduler: they only read what it stores.
"""

import logging
import os
import signal
import threading

from apscheduler.events import EVENT_SCHEDULER_START
from django.core.management.base import BaseCommand

from eventapp.updater.updater import build_scheduler

logger = logging.getLogger(__name__)


# --8<-- [start:command]
class Command(BaseCommand):
    help = "Run the project's scheduled jobs until SIGINT (Ctrl+C) or SIGTERM."

    def handle(self, *args, **options) -> None:
        stopping = threading.Event()  # set by a signal
        signal.signal(signal.SIGINT, lambda signum, frame: stopping.set())  # Ctrl+C
        signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())  # how systemd stops it
        scheduler = build_scheduler()
        # A signal handler runs in this thread, inside the scheduler's loop: shut down
        # from another thread, which waits for a running job while the loop ends.
        stopper = threading.Thread(target=stop_on, args=(stopping, scheduler), daemon=True)
        scheduler.add_listener(lambda event: stopper.start(), EVENT_SCHEDULER_START)
        logger.info("Scheduler started in process %d; Ctrl+C stops it", os.getpid())
        scheduler.start()  # runs the jobs in this thread until shut down
        stopper.join()
        logger.info("Scheduler stopped in process %d", os.getpid())


def stop_on(stopping: threading.Event, scheduler) -> None:
    stopping.wait()
    logger.info("Stopping the scheduler...")
    scheduler.shutdown()


# --8<-- [end:command]
