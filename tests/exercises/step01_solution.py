"""Step 1, exercise: run create_save once as the scheduler starts, then every minute."""

from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from django.conf import settings

from eventapp.updater.updater import create_save


# --8<-- [start:solution]
def build_scheduler() -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=settings.TIME_ZONE)
    scheduler.add_job(
        create_save,
        "interval",
        minutes=1,
        id="create_save",
        replace_existing=True,
        next_run_time=datetime.now(scheduler.timezone),  # the first run: now
    )
    return scheduler


# --8<-- [end:solution]
