"""Build this process's scheduler, add the job and start it: once."""

import atexit
import logging
import os
import threading

from apscheduler.schedulers.background import BackgroundScheduler
from django.conf import settings

from .updater import create_save

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_scheduler: BackgroundScheduler | None = None
_started_in: int | None = None  # the process id


# --8<-- [start:build]
def build_scheduler() -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=settings.TIME_ZONE)
    scheduler.add_job(
        create_save,
        "interval",
        minutes=1,
        id="create_save",  # a stable id: adding it again replaces it
        replace_existing=True,
    )
    return scheduler


# --8<-- [end:build]


# --8<-- [start:start]
def start_scheduler() -> None:
    """Start the scheduler if this process has none yet."""
    global _scheduler, _started_in
    with _lock:
        if _scheduler is None:
            _scheduler = build_scheduler()
            _scheduler.start()
            _started_in = os.getpid()
            atexit.register(stop_scheduler)
            logger.info("Scheduler started in process %d", os.getpid())


# --8<-- [end:start]


def stop_scheduler() -> None:
    """Shut the scheduler down, waiting for a running job to finish."""
    global _scheduler, _started_in
    with _lock:
        if _scheduler is None:
            return
        _scheduler.shutdown(wait=True)
        _scheduler = None
        logger.info("Scheduler stopped in process %d", os.getpid())


def running_scheduler() -> BackgroundScheduler | None:
    """This process's scheduler, or None. A process forked after the start (the workers
    of gunicorn --preload) holds a copy of it, but not the thread that runs it."""
    return _scheduler if _started_in == os.getpid() else None
