"""The tasks beat sends (the schedules: migration 0002, then the admin). Delivery is at
least once (settings: CELERY_TASK_ACKS_LATE), so a second delivery writes nothing twice."""

import logging
from datetime import datetime, timedelta
from random import randrange

from celery import Task, shared_task
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import ClockedSchedule, PeriodicTask

from eventapp.models import Campaign, SaveEvent

logger = logging.getLogger(__name__)

SAVES_KEPT = timedelta(days=7)


# --8<-- [start:create_save]
@shared_task(bind=True)
def create_save(self: Task) -> int:
    """Write one SaveEvent row with a random value: one per task, however often delivered."""
    # A message delivered again keeps its task id: the unique task_id finds the first row.
    event, created = SaveEvent.objects.get_or_create(
        task_id=self.request.id, defaults={"saved": randrange(100)}
    )
    if created:
        logger.info("create_save %s: saved #%d", self.request.id, event.pk)
    else:
        logger.info("create_save %s: #%d saved it already", self.request.id, event.pk)
    return event.pk


# --8<-- [end:create_save]


# --8<-- [start:campaigns]
@shared_task
def close_finished_campaigns() -> int:
    """Close every open campaign whose end time has passed: one UPDATE, idempotent as it
    is (a second delivery finds nothing left open that has ended)."""
    now = timezone.now()
    closed = Campaign.objects.filter(status=Campaign.Status.OPEN, ends_at__lte=now).update(
        status=Campaign.Status.CLOSED, closed_at=now
    )
    logger.info("close_finished_campaigns: closed %d", closed)
    return closed


# --8<-- [end:campaigns]


@shared_task
def delete_old_saves() -> int:
    """Keep a week of rows. Idempotent as it is: a second delivery finds none that old."""
    deleted, _ = SaveEvent.objects.filter(created_at__lt=timezone.now() - SAVES_KEPT).delete()
    logger.info("delete_old_saves: deleted %d", deleted)
    return deleted


# --8<-- [start:clocked]
def schedule_extra_save(run_at: datetime) -> PeriodicTask:
    """Application code: one extra save at RUN_AT, as a one-off clocked PeriodicTask: a row,
    in the caller's transaction, which beat sees once that commits (never if rolled back)."""
    with transaction.atomic():
        clock, _ = ClockedSchedule.objects.get_or_create(clocked_time=run_at)
        return PeriodicTask.objects.create(
            name=f"extra_save {run_at.isoformat()}",
            task="eventapp.tasks.create_save",
            clocked=clock,
            one_off=True,
        )


# --8<-- [end:clocked]
