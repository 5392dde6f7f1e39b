"""The scheduler's job store: DjangoJobStore, minus a race with the jobs page."""

import logging
from datetime import datetime

from apscheduler.job import Job
from django.db import transaction
from django_apscheduler.jobstores import DjangoJobStore
from django_apscheduler.models import DjangoJob

logger = logging.getLogger(__name__)


# --8<-- [start:store]
class EditKeepingJobStore(DjangoJobStore):
    """A DjangoJobStore that never undoes an edit made on the jobs page as a run starts.
    APScheduler writes a started job back whole, so a pause stored meanwhile would be lost:
    a job is written back only if its row still holds the run time read. Edits change it."""

    def __init__(self) -> None:
        super().__init__()
        self.read_as_due: dict[str, datetime] = {}  # job id: its next run time, as read

    def get_due_jobs(self, now: datetime) -> list[Job]:
        jobs = super().get_due_jobs(now)
        self.read_as_due = {job.id: job.next_run_time for job in jobs}
        return jobs

    def update_job(self, job: Job) -> None:
        read = self.read_as_due.get(job.id)  # None: not a write-back after a start
        with transaction.atomic():  # the row stays locked until the write is done
            unchanged = DjangoJob.objects.select_for_update().filter(id=job.id, next_run_time=read)
            if read is None or unchanged.first():  # compared in UTC, by the database
                super().update_job(job)
            else:
                logger.info("Keeping the change made to %s while it started", job.id)
        self.read_as_due.pop(job.id, None)  # only once done: a retry compares again


# --8<-- [end:store]
