"""Run the scheduled jobs in a process of their own: the production set-up.

Start it once per machine you want a scheduler on, under a service manager (systemd:
deploy/eventproject-scheduler@.service). One process runs the jobs; any other waits
as a standby until that one stops (eventapp/leader.py). Start the web processes with
SCHEDULER_AUTOSTART=0, so that none of them even stands by.
"""

import logging
import os
import signal
import threading

from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.schedulers.blocking import BlockingScheduler
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from eventapp.apps import NOT_MIGRATED, unapplied_migrations
from eventapp.leader import Leadership
from eventapp.updater.updater import build_scheduler, look_for_changes_regularly

logger = logging.getLogger(__name__)


# --8<-- [start:command]
class Command(BaseCommand):
    help = (
        "Run the project's scheduled jobs in this process until SIGINT or SIGTERM. While "
        "another process runs them, wait as its standby."
    )
    requires_system_checks = []  # handle() runs them all, the database ones too

    def handle(self, *args, **options) -> None:
        if unapplied_migrations():
            raise CommandError(NOT_MIGRATED)
        self.check(databases=[DEFAULT_DB_ALIAS])
        if apps.get_app_config("eventapp").scheduler is not None:
            raise CommandError(
                "SCHEDULER_AUTOSTART is on, so this process already runs a scheduler. "
                "Unset it (or set it to 0) for runapscheduler."
            )
        # Ctrl+C, or how systemd, Docker and Kubernetes stop a service. The handler only
        # sets an event: it runs in this thread, which is busy standing by or scheduling.
        stop = threading.Event()
        signal.signal(signal.SIGINT, lambda signum, frame: stop.set())
        signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())

        leadership = Leadership()
        if not leadership.wait(stop):
            logger.info("Stopped while standing by, in process %d", os.getpid())
            return
        lost = threading.Event()
        try:
            run_jobs_until(stop, leadership, lost)
        finally:
            leadership.end()
        if lost.is_set():
            # Another process may be running the jobs already: stop, and let systemd
            # (Restart=always) start this one again, as a standby.
            raise CommandError("Lost the scheduler lock while running the jobs.", returncode=1)


def run_jobs_until(stop: threading.Event, leadership: Leadership, lost: threading.Event) -> None:
    """Run the jobs until STOP is set (by a signal, or by the heartbeat on a lost lock)."""
    scheduler = build_scheduler(BlockingScheduler)

    def on_lost() -> None:
        lost.set()
        stop.set()

    leadership.begin(on_lost=on_lost)
    # A signal handler runs in this thread, busy in the scheduler's loop. So shut down
    # from another thread: it waits for a running job while the loop ends.
    stopper = threading.Thread(target=shut_down_on, args=(stop, scheduler), name="scheduler-stop")

    def started(event) -> None:
        stopper.start()
        look_for_changes_regularly(scheduler)

    scheduler.add_listener(started, EVENT_SCHEDULER_STARTED)
    logger.info("Scheduler started in process %d", os.getpid())
    scheduler.start()  # runs the jobs; returns as soon as a shutdown begins
    stopper.join()  # the shutdown waits for running jobs
    logger.info("Scheduler stopped in process %d", os.getpid())


# --8<-- [end:command]


# --8<-- [start:shutdown]
def shut_down_on(stop: threading.Event, scheduler: BlockingScheduler) -> None:
    """Once STOP is set, shut the scheduler down: no new runs, and a running job may
    finish, for up to SCHEDULER_SHUTDOWN_WAIT seconds."""
    stop.wait()
    logger.info(
        "Stopping: waiting for running jobs (at most %g s)", settings.SCHEDULER_SHUTDOWN_WAIT
    )
    give_up = threading.Timer(settings.SCHEDULER_SHUTDOWN_WAIT, abandon_running_jobs)
    give_up.daemon = True
    give_up.start()
    scheduler.shutdown(wait=True)
    give_up.cancel()


def abandon_running_jobs() -> None:
    """Exit now, without the jobs still running. The lock goes with the process; the
    next leader marks their runs as interrupted, and does not run them again."""
    logger.error(
        "A running job did not finish within SCHEDULER_SHUTDOWN_WAIT=%g s: exiting without it",
        settings.SCHEDULER_SHUTDOWN_WAIT,
    )
    logging.shutdown()  # flush the log first
    os._exit(1)


# --8<-- [end:shutdown]
