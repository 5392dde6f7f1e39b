"""Step 1, exercise: eventapp/updater/executeupdate.py, changed to run create_save once
as the scheduler starts, then every minute."""

import atexit
import logging
import os
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from django.conf import settings

from eventapp.updater.updater import create_save

logger = logging.getLogger(__name__)

scheduler: BackgroundScheduler | None = None  # this process's, once started


def start_scheduler() -> None:
    """Add the job and start the scheduler, unless this process runs one already."""
    global scheduler
    if scheduler is not None:
        return
    scheduler = BackgroundScheduler(timezone=settings.TIME_ZONE)
    scheduler.add_job(
        create_save,
        "interval",
        minutes=1,
        id="create_save",  # a stable id: adding it again replaces it
        replace_existing=True,
        next_run_time=datetime.now(scheduler.timezone),  # the first run: now
    )
    scheduler.start()
    atexit.register(stop_scheduler)  # at exit, a running job finishes first
    logger.info("Scheduler started in process %d", os.getpid())


def stop_scheduler() -> None:
    global scheduler
    if scheduler is not None:
        scheduler.shutdown(wait=True)
        scheduler = None
