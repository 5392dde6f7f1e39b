"""The run history tells the truth: about runs cut short, and periods run twice."""

import logging
import os
import socket

from apscheduler.events import JobSubmissionEvent
from django.db import IntegrityError, transaction
from django_apscheduler.models import DjangoJobExecution

from eventapp.models import JobRun

logger = logging.getLogger(__name__)

INTERRUPTED = (
    "Interrupted: the scheduler process stopped during this run, which may have finished "
    "its writes. It is not run again: check them, and use Run now on the jobs page if needed."
)


# --8<-- [start:interrupted]
def mark_interrupted_runs() -> int:
    """Runs still 'Started execution' as a leader starts were left by one that was killed:
    record them as interrupted. Should that one finish a run after all (it was frozen),
    its 'Executed' replaces the mark: only a run that did not finish keeps it."""
    left_started = DjangoJobExecution.objects.filter(status=DjangoJobExecution.SENT)
    count = left_started.update(status=DjangoJobExecution.ERROR, exception=INTERRUPTED)
    if count:
        logger.warning("Recorded %d run(s) left unfinished by a stopped scheduler", count)
    return count


# --8<-- [end:interrupted]


# --8<-- [start:claim]
def claim_period(event: JobSubmissionEvent) -> None:
    """Listener: note which process started each period of each job. A second start of
    a period means a second scheduler: say so, loudly."""
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
