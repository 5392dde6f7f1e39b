"""Run the scheduled jobs in a process of their own: the production set-up.

Run exactly one of these, and start the web processes with SCHEDULER_AUTOSTART=0
so that none of them starts a second scheduler.
"""

import logging
import os
import signal

from apscheduler.schedulers.blocking import BlockingScheduler
from django.core.management.base import BaseCommand

from eventapp.updater.updater import build_scheduler

logger = logging.getLogger(__name__)


def stop_like_ctrl_c(signum, frame) -> None:
    raise KeyboardInterrupt


# --8<-- [start:command]
class Command(BaseCommand):
    help = "Run the project's scheduled jobs in this process until SIGINT or SIGTERM."

    def handle(self, *args, **options) -> None:
        scheduler = build_scheduler(BlockingScheduler)
        # Service managers (systemd, Docker, Kubernetes) stop a process with SIGTERM.
        signal.signal(signal.SIGTERM, stop_like_ctrl_c)
        logger.info("Scheduler started in process %d", os.getpid())
        try:
            scheduler.start()  # runs the jobs until a signal arrives
        except KeyboardInterrupt:
            scheduler.shutdown()  # waits for a running job to finish
            logger.info("Scheduler stopped in process %d", os.getpid())


# --8<-- [end:command]
