"""The jobs, and the scheduler that runs them from the database.

`manage.py runapscheduler` builds it and runs it: one process, beside the web.
"""

import logging
from datetime import timedelta
from functools import cache
from random import randrange

from apscheduler.events import EVENT_JOB_SUBMITTED
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from django.conf import settings
from django.utils import timezone
from django_apscheduler.jobstores import DjangoJobStore
from django_apscheduler.models import DjangoJob, DjangoJobExecution
from django_apscheduler.util import close_old_connections

from eventapp.campaigns import close_finished_campaigns, report_open_campaigns
from eventapp.crontab import CrontabTrigger
from eventapp.models import JobRun, SaveEvent
from eventapp.updater.history import PingingExecutor, claim_period
from eventapp.updater.jobstore import EditKeepingJobStore
from eventapp.updater.patience import PatientJobStore, retry_database_errors

logger = logging.getLogger(__name__)

WEEK = 7 * 24 * 3600  # seconds


# --8<-- [start:jobs]
# The decorator closes connections that went stale since the last run, and the
# job's own when it is done (the scheduler's threads outlive any request).
@close_old_connections
@retry_database_errors(within=30)  # a last try may wait 20 s for SQLite: done before the next run
def create_save() -> None:
    """Write one SaveEvent row with a random value."""
    event = SaveEvent.objects.create(saved=randrange(100))
    logger.info("Created %s", event)


@close_old_connections
def delete_old_job_executions(max_age: int = WEEK) -> None:
    """Keep a week of run history: every run of every job adds a row to it."""
    DjangoJobExecution.objects.delete_old_job_executions(max_age)
    JobRun.objects.filter(run_time__lt=timezone.now() - timedelta(seconds=max_age)).delete()


def add_jobs(scheduler: BaseScheduler) -> None:
    """Every job of the project, each under a stable id."""
    add_job_keeping_next_run(
        scheduler,
        create_save,
        "interval",
        minutes=1,
        id="create_save",
        misfire_grace_time=30,  # up to 30 s late still runs; later, it is recorded as missed
    )
    add_job_keeping_next_run(
        scheduler,
        delete_old_job_executions,
        # Not CronTrigger(day_of_week="mon", hour=0): in a zone with daylight saving
        # time it misses the Monday midnight after the spring change (APScheduler #529).
        CrontabTrigger("0 0 * * mon", settings.TIME_ZONE),
        id="delete_old_job_executions",
        misfire_grace_time=None,  # however late, a clean-up is still worth doing
    )
    # Cron triggers count in the scheduler's time zone (settings.TIME_ZONE), so this
    # runs at 05:20 local time in winter and in summer.
    add_job_keeping_next_run(
        scheduler,
        close_finished_campaigns,
        "cron",
        hour=5,
        minute=20,
        id="close_finished_campaigns",
        misfire_grace_time=3600,  # an hour late is still this morning's run
    )
    add_job_keeping_next_run(
        scheduler,
        report_open_campaigns,
        "cron",
        minute="20,25",  # at :20 and :25 of every hour
        id="report_open_campaigns",
        misfire_grace_time=60,
    )


# --8<-- [end:jobs]


# --8<-- [start:add_job]
def add_job_keeping_next_run(
    scheduler: BaseScheduler, func, trigger, *, id: str, **options
) -> None:
    """scheduler.add_job(..., replace_existing=True), keeping the stored next run time.

    replace_existing=True stores this code's version of the job at every start, so a
    change takes effect; but it also counts the next run afresh from now, and runs
    missed while no scheduler ran would vanish without a trace. With the stored time
    (None: paused) the scheduler runs them once (coalesce) or records them as missed.
    """
    stored = DjangoJob.objects.filter(id=id).first()
    if stored is not None:
        options["next_run_time"] = stored.next_run_time
    scheduler.add_job(func, trigger, id=id, replace_existing=True, **options)


# --8<-- [end:add_job]


# --8<-- [start:build]
def build_scheduler(store: EditKeepingJobStore | None = None) -> BlockingScheduler:
    """The scheduler runapscheduler runs: jobs and run history in the database."""
    scheduler = BlockingScheduler(timezone=settings.TIME_ZONE)
    scheduler.add_executor(PingingExecutor(), "default")
    scheduler.add_jobstore(store or PatientJobStore(), "default")
    scheduler.add_listener(claim_period, EVENT_JOB_SUBMITTED)
    add_jobs(scheduler)
    return scheduler


# --8<-- [end:build]


# --8<-- [start:editor]
# What the jobs page may schedule, by name: nobody types an import path to run.
TASKS = {
    "create_save": create_save,
    "delete_old_job_executions": delete_old_job_executions,
    "close_finished_campaigns": close_finished_campaigns,
    "report_open_campaigns": report_open_campaigns,
}


@cache
def job_editor() -> BackgroundScheduler:
    """The web's scheduler: started paused, it runs no job, it only edits the store."""
    editor = BackgroundScheduler(timezone=settings.TIME_ZONE)
    editor.add_jobstore(DjangoJobStore(), "default")
    editor.start(paused=True)
    return editor


# --8<-- [end:editor]
