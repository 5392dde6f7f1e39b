"""When one scheduler process takes over from another: no period runs twice, and no
run is left looking as if it were still going.

APScheduler starts a due job first and stores its next run time after. A leader killed
in between leaves the old time in the database, and its successor runs that period
again. Here it is the other way round: in one transaction the run is recorded
("Started execution") and its job moved on to its next time, and only then does the
run start. A leader killed during a run leaves that record behind; the next leader
marks it as interrupted as it starts (history.py), and does not run it again: a run
happens at most once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from django.db import transaction
from django_apscheduler.jobstores import DjangoJobStore
from django_apscheduler.models import DjangoJobExecution

from .patience import PatientJobStore, patient

logger = logging.getLogger(__name__)


# --8<-- [start:store]
class HandoverJobStore(PatientJobStore):
    """Step 3's patient job store, which also claims each run before it starts
    (RecordFirstExecutor)."""

    def __init__(self) -> None:
        super().__init__()
        self._claimed: dict[str, datetime | None] = {}
        self._shut_down = False

    @patient  # as a whole: a transaction that failed half-way is tried again from the start
    def claim(self, job: Job, run_times: list[datetime]) -> None:
        """Record the runs as started, and store the job's next run time: all or nothing."""
        now = datetime.now(run_times[-1].tzinfo)
        # (None, for a `date` job's only run: paused until it has run, then removed.)
        next_run_time = job.trigger.get_next_fire_time(run_times[-1], now)
        # The lock first, then the database, in the order APScheduler's listeners take them.
        with self.lock, transaction.atomic():
            for run_time in run_times:
                DjangoJobExecution.atomic_update_or_create(
                    self.lock, job.id, run_time, DjangoJobExecution.SENT
                )
            job._modify(next_run_time=next_run_time)  # what APScheduler does after the start
            DjangoJobStore.update_job(self, job)  # the plain write: claim() retries as a whole
        if next_run_time is not None:
            self._claimed[job.id] = next_run_time

    def update_job(self, job: Job) -> None:
        # Once the run has started, APScheduler stores the same next run time again. By
        # then a web process may have paused the job: leave the database as it is.
        claimed = self._claimed.pop(job.id, None)
        if claimed is not None and claimed == job.next_run_time:
            return
        super().update_job(job)

    def shutdown(self) -> None:
        self._shut_down = True
        super().shutdown()

    def get_due_jobs(self, now: datetime) -> list[Job]:
        # APScheduler looks for due jobs once more after its thread pool has stopped:
        # a job due just then could not start, yet it would be moved on, never to run.
        return [] if self._shut_down else super().get_due_jobs(now)


# --8<-- [end:store]


# --8<-- [start:record_first]
class RecordFirstExecutor(ThreadPoolExecutor):
    """A thread pool that has each run claimed in the database before it starts it."""

    def __init__(self, store: HandoverJobStore, **options) -> None:
        super().__init__(**options)
        self.store = store

    def submit_job(self, job: Job, run_times: list[datetime]) -> None:
        self.store.claim(job, run_times)
        super().submit_job(job, run_times)


# --8<-- [end:record_first]
