"""The run history: a week of it, and the truth in it. Runs cut short by a dead
scheduler process, and periods that two schedulers both ran, show where people look
(the admin, the home page)."""

import logging
import os
import socket
from datetime import timedelta

from apscheduler.events import JobSubmissionEvent
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_apscheduler.models import DjangoJobExecution
from django_apscheduler.util import close_old_connections

from eventapp.models import JobRun

logger = logging.getLogger(__name__)

EXECUTION_HISTORY = timedelta(days=7)
INTERRUPTED = (
    "Interrupted: the scheduler process stopped during this run. It is not run again: "
    "run the job from the admin if this period still needs it."
)


# --8<-- [start:clean_up]
@close_old_connections
def delete_old_job_executions(max_age: int = int(EXECUTION_HISTORY.total_seconds())) -> None:
    """Keep a week of run history: every run adds a row to it."""
    DjangoJobExecution.objects.delete_old_job_executions(max_age)
    JobRun.objects.filter(run_time__lt=timezone.now() - timedelta(seconds=max_age)).delete()


# --8<-- [end:clean_up]


# --8<-- [start:interrupted]
def mark_interrupted_runs() -> int:
    """Runs still 'Started execution' when a scheduler starts belong to one that died
    (SIGKILL, power loss): they will never finish, so record them as interrupted."""
    left_started = DjangoJobExecution.objects.filter(status=DjangoJobExecution.SENT)
    count = left_started.update(status=DjangoJobExecution.ERROR, exception=INTERRUPTED)
    if count:
        logger.warning("Recorded %d run(s) left unfinished by a stopped scheduler", count)
    return count


# --8<-- [end:interrupted]


# --8<-- [start:claim]
def claim_period(event: JobSubmissionEvent) -> None:
    """Listener: note which process started each period of each job. A period can be
    started once; a second start means a second scheduler is running, so say so."""
    me = f"process {os.getpid()} on {socket.gethostname()}"
    for run_time in event.scheduled_run_times:
        try:
            with transaction.atomic():
                JobRun.objects.create(job_id=event.job_id, run_time=run_time, started_by=me)
        except IntegrityError:
            JobRun.objects.filter(job_id=event.job_id, run_time=run_time).update(doubled_by=me)
            logger.error(
                "Job %r ran twice for %s: %s started it too. Two schedulers are running.",
                event.job_id,
                run_time,
                me,
            )


# --8<-- [end:claim]
