"""The job itself: plain code that the scheduler calls once a minute."""

import logging
from random import randrange

from django.db import close_old_connections

from eventapp.models import SaveEvent

logger = logging.getLogger(__name__)


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
