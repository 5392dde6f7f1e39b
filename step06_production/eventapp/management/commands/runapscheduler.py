"""Run the scheduled jobs in a process of their own: the production set-up.

Run exactly one of these, and start the web processes with SCHEDULER_AUTOSTART=0
so that none of them starts a second scheduler.
"""

import logging
import os
import signal
import threading

from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.schedulers.blocking import BlockingScheduler
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from eventapp.apps import NOT_MIGRATED, unapplied_migrations
from eventapp.updater.updater import build_scheduler, look_for_changes_regularly

logger = logging.getLogger(__name__)


# --8<-- [start:command]
class Command(BaseCommand):
    help = "Run the project's scheduled jobs in this process until SIGINT or SIGTERM."

    def handle(self, *args, **options) -> None:
        if apps.get_app_config("eventapp").scheduler is not None:
            raise CommandError(
                "SCHEDULER_AUTOSTART is on, so this process already runs a scheduler. "
                "Unset it (or set it to 0) for runapscheduler."
            )
        if unapplied_migrations():
            raise CommandError(NOT_MIGRATED)
        scheduler = build_scheduler(BlockingScheduler)
        # A signal handler interrupts the scheduler's own loop, in this thread. So shut
        # down from another thread: it waits for a running job while the loop ends.
        stopper = threading.Thread(target=scheduler.shutdown, name="scheduler-shutdown")

        def stop(signum, frame) -> None:
            if stopper.ident is None:  # not asked to stop before
                stopper.start()

        signal.signal(signal.SIGINT, stop)  # Ctrl+C
        signal.signal(signal.SIGTERM, stop)  # how systemd, Docker, Kubernetes stop a service
        started = EVENT_SCHEDULER_STARTED
        scheduler.add_listener(lambda event: look_for_changes_regularly(scheduler), started)
        logger.info("Scheduler started in process %d", os.getpid())
        scheduler.start()  # runs the jobs; returns once shut down
        stopper.join()
        logger.info("Scheduler stopped in process %d", os.getpid())


# --8<-- [end:command]
