"""Your nightly job in production: a backup at 03:15 local time, added the way steps 6 and 7
adds its jobs, and the question a monitoring check asks of it every morning."""

from datetime import timedelta
from pathlib import Path

from apscheduler.schedulers.base import BaseScheduler
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from django_apscheduler.models import DjangoJobExecution
from django_apscheduler.util import close_old_connections

from eventapp.crontab import CrontabTrigger
from eventapp.updater.updater import add_job_keeping_next_run

BACKUPS = Path(settings.BASE_DIR) / "backups"


# --8<-- [start:job]
@close_old_connections
def back_up_the_data() -> None:
    """Write last night's data to backups/eventapp-YYYY-MM-DD.json (your work goes here)."""
    BACKUPS.mkdir(exist_ok=True)
    night = timezone.localdate()
    call_command("dumpdata", "eventapp", output=str(BACKUPS / f"eventapp-{night}.json"))


def add_nightly_backup(scheduler: BaseScheduler) -> None:
    add_job_keeping_next_run(
        scheduler,
        back_up_the_data,
        # 03:15 local time: after the 02:00-03:00 hour that daylight saving time skips
        # in spring and repeats in autumn, so it runs once every night of the year.
        CrontabTrigger("15 3 * * *", settings.TIME_ZONE),
        id="back_up_the_data",
        misfire_grace_time=2 * 3600,  # two hours late is still last night's backup
        coalesce=True,  # down for three nights: one backup on return, not three
    )


# --8<-- [end:job]


# --8<-- [start:alert]
def last_nights_backup_went_wrong() -> str | None:
    """What a morning check reports: None if last night's run succeeded."""
    since = timezone.now() - timedelta(hours=24)
    runs = DjangoJobExecution.objects.filter(job_id="back_up_the_data", run_time__gte=since)
    last = runs.order_by("-run_time").first()
    if last is None:
        return "no backup ran in the last 24 hours"
    if last.status != DjangoJobExecution.SUCCESS:
        return f"the backup of {last.run_time:%Y-%m-%d %H:%M %Z} ended as {last.status}"
    return None


# --8<-- [end:alert]
