"""This process's scheduler and its job, declared with a decorator.

Importing this module builds the scheduler and registers the job; it starts
nothing. AppConfig.ready() calls start_scheduler() where runserver serves requests.
"""

import atexit
import logging
import os
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
    # The scheduler's thread lives longer than any request, and Django closes
    # connections only at the end of a request: close stale ones before, ours after.
    close_old_connections()
    try:
        event = SaveEvent.objects.create(saved=randrange(100))
        logger.info("Created %s", event)
    finally:
        close_old_connections()


# --8<-- [end:scheduler]


# --8<-- [start:start]
def start_scheduler() -> None:
    """Start the scheduler, unless it runs already."""
    if not scheduler.running:
        scheduler.start()
        atexit.register(stop_scheduler)  # at exit, a running job finishes first
        logger.info("Scheduler started in process %d", os.getpid())


# --8<-- [end:start]


def stop_scheduler() -> None:
    # Once shut down it cannot be started again: shutdown() empties its job store.
    if scheduler.running:
        scheduler.shutdown(wait=True)
