"""Run the scheduled jobs in a process of their own: `python manage.py runapscheduler`.

Start two: one runs the jobs, one stands by (eventapp/leader.py). The web runs none.
"""

import logging
import os
import signal
import threading

from apscheduler.events import EVENT_SCHEDULER_START
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from eventapp.leader import FencedJobStore, Lease
from eventapp.updater.history import mark_interrupted_runs
from eventapp.updater.updater import build_scheduler

logger = logging.getLogger(__name__)
NOT_MIGRATED = "The database is not migrated: run `python manage.py migrate` first."


# --8<-- [start:command]
class Command(BaseCommand):
    help = "Run the project's scheduled jobs until SIGINT (Ctrl+C) or SIGTERM."

    def handle(self, *args, **options) -> None:
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):  # one clear line
            raise CommandError(NOT_MIGRATED)
        stopping = threading.Event()  # set by a signal, or by a lease that cannot be kept
        signal.signal(signal.SIGINT, lambda signum, frame: stopping.set())  # Ctrl+C
        signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())  # how systemd stops it
        lease = Lease()
        if not lease.wait(stopping):
            logger.info("Stopped while standing by, in process %d", os.getpid())
            return
        mark_interrupted_runs()  # the leader before this one may have been killed mid-run
        scheduler = build_scheduler(FencedJobStore(lease))
        # A signal handler runs in this thread, inside the scheduler's loop: shut down
        # from another thread, which waits for a running job while the loop ends.
        stopper = threading.Thread(target=stop_on, args=(stopping, scheduler), daemon=True)
        scheduler.add_listener(lambda event: stopper.start(), EVENT_SCHEDULER_START)
        renewer = threading.Thread(target=lease.keep, args=(stopping,), daemon=True)
        renewer.start()
        threading.Thread(target=look_for_changes, args=(stopping, scheduler), daemon=True).start()
        logger.info("Scheduler started in process %d; Ctrl+C stops it", os.getpid())
        scheduler.start()  # runs the jobs in this thread until shut down
        stopper.join()
        renewer.join()
        lease.release()
        logger.info("Scheduler stopped in process %d", os.getpid())
        if lease.lost:  # systemd starts it again, as a standby
            raise CommandError("Lost the scheduler lease while running the jobs.", returncode=1)


def look_for_changes(stopping: threading.Event, scheduler) -> None:
    """Changes made on the jobs page take effect within 2 s, not at the next run."""
    while not stopping.wait(2):
        scheduler.wakeup()


def stop_on(stopping: threading.Event, scheduler) -> None:
    stopping.wait()
    logger.info("Stopping the scheduler...")
    scheduler.shutdown()


# --8<-- [end:command]
