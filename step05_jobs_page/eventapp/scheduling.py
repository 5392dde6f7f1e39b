"""Application code that schedules work as a side effect of what it decides."""

from datetime import datetime

from apscheduler.schedulers.base import BaseScheduler
from django.db import transaction

from eventapp.updater.updater import create_save


# --8<-- [start:on_commit]
def schedule_extra_save(scheduler: BaseScheduler, run_date: datetime) -> str:
    """Application code: one extra save at RUN_DATE, as a one-off `date` job.

    Call it inside the transaction that decides on it. add_job() would write the
    job's row inside that transaction and wake the scheduler at once; the scheduler
    reads on a connection of its own, finds no row before the commit, and sleeps
    until its next due job. Added on commit, the row is there when it wakes, and a
    decision rolled back schedules nothing.
    """
    job_id = f"extra_save_{run_date:%Y%m%dT%H%M%S}"
    transaction.on_commit(
        lambda: scheduler.add_job(
            create_save, "date", run_date=run_date, id=job_id, replace_existing=True
        )
    )
    return job_id


# --8<-- [end:on_commit]
