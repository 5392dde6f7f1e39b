"""This process's scheduler and its job, declared with a decorator.

Importing this module builds the scheduler and registers the job; it starts
nothing. AppConfig.ready() calls start_scheduler() in the one process that
should run it (see eventapp/apps.py).
"""

import atexit
import logging
import os
import threading
from random import randrange

from apscheduler.schedulers.background import BackgroundScheduler
from django.conf import settings
from django.db import close_old_connections

from eventapp.models import SaveEvent

logger = logging.getLogger(__name__)

# --8<-- [start:scheduler]
scheduler = BackgroundScheduler(timezone=settings.TIME_ZONE)


# scheduled_job() is add_job() as a decorator, always with replace_existing=True.
@scheduler.scheduled_job("interval", minutes=1, id="create_save")
def create_save() -> None:
    """Write one SaveEvent row with a random value."""
    # The scheduler's threads live longer than any request, so close connections
    # that went stale since the last run, and our own when done.
    close_old_connections()
    try:
        event = SaveEvent.objects.create(saved=randrange(100))
        logger.info("Created %s", event)
    finally:
        close_old_connections()


# --8<-- [end:scheduler]

_lock = threading.Lock()
_started_in: int | None = None  # the process id


# --8<-- [start:start]
def start_scheduler() -> None:
    """Start the scheduler if it is not running yet."""
    global _started_in
    with _lock:
        if not scheduler.running:
            scheduler.start()
            _started_in = os.getpid()
            atexit.register(stop_scheduler)
            logger.info("Scheduler started in process %d", os.getpid())


# --8<-- [end:start]


def stop_scheduler() -> None:
    """Shut the scheduler down, waiting for a running job to finish.

    Do not start it again afterwards: start() would succeed, but shutdown() emptied
    its in-memory job store, so it would run nothing, silently.
    """
    with _lock:
        if running_scheduler() is None:
            return
        scheduler.shutdown(wait=True)
        logger.info("Scheduler stopped in process %d", os.getpid())


def running_scheduler() -> BackgroundScheduler | None:
    """This process's scheduler, or None. A process forked after the start (the workers
    of gunicorn --preload) holds a copy of it, but not the thread that runs it."""
    return scheduler if scheduler.running and _started_in == os.getpid() else None
