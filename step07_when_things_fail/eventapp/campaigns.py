"""The campaign jobs, beside the campaigns they look after."""

import logging

from django.utils import timezone
from django_apscheduler.util import close_old_connections

from eventapp.models import Campaign

logger = logging.getLogger(__name__)


# --8<-- [start:campaigns]
@close_old_connections
def close_finished_campaigns() -> int:
    """Close every open campaign whose end time has passed: one UPDATE, not a loop."""
    now = timezone.now()
    closed = Campaign.objects.filter(status=Campaign.Status.OPEN, ends_at__lte=now).update(
        status=Campaign.Status.CLOSED, closed_at=now
    )
    logger.info("Closed %d finished campaign(s)", closed)
    return closed


@close_old_connections
def report_open_campaigns() -> None:
    """Log how many campaigns are open and when the next one ends."""
    open_campaigns = Campaign.objects.filter(status=Campaign.Status.OPEN)
    next_end = open_campaigns.order_by("ends_at").values_list("ends_at", flat=True).first()
    logger.info("%d open campaign(s); the next ends at %s", open_campaigns.count(), next_end)


# --8<-- [end:campaigns]
