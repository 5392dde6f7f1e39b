"""Run the scheduled jobs in a process of their own: `python manage.py runapscheduler`.

Run exactly one. The web processes run no scheduler: they only read what it stores.
"""

import logging
import os
import signal
import threading

from django.core.management.base import BaseCommand

from eventapp.updater.updater import build_scheduler

logger = logging.getLogger(__name__)


# --8<-- [start:command]
class Command(BaseCommand):
    help = "Run the project's scheduled jobs until SIGINT (Ctrl+C) or SIGTERM."

    def handle(self, *args, **options) -> None:
        scheduler = build_scheduler()
        # A signal handler runs in this thread, inside the scheduler's loop: shut down
        # from another thread, which waits for a running job while the loop ends.
        stopper = threading.Thread(target=scheduler.shutdown, name="scheduler-shutdown")

        def stop(signum, frame) -> None:
            if stopper.ident is None:  # not asked before
                logger.info("Stopping the scheduler...")
                stopper.start()

        signal.signal(signal.SIGINT, stop)  # Ctrl+C
        signal.signal(signal.SIGTERM, stop)  # how systemd, Docker and Kubernetes stop it
        logger.info("Scheduler started in process %d; Ctrl+C stops it", os.getpid())
        scheduler.start()  # runs the jobs in this thread until shut down
        stopper.join()
        logger.info("Scheduler stopped in process %d", os.getpid())


# --8<-- [end:command]
