"""eventapp/counting.py (step 2, exercise): a second job, declared with the decorator."""

import logging

from django.db import close_old_connections

from eventapp.models import SaveEvent
from eventapp.updater.updater import scheduler

logger = logging.getLogger(__name__)


# --8<-- [start:solution]
@scheduler.scheduled_job("interval", minutes=5, id="count_rows")
def count_rows() -> None:
    """Log how many rows there are, every five minutes."""
    close_old_connections()  # as create_save does: this thread outlives any request
    try:
        logger.info("%d rows so far", SaveEvent.objects.count())
    finally:
        close_old_connections()


# --8<-- [end:solution]
