"""Each run, told truly: runs cut short, periods run twice, and pings to an outside watcher."""

import logging
import os
import socket
import traceback
import urllib.request
from functools import partial

from apscheduler.events import JobSubmissionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from django.conf import settings
from django.db import IntegrityError, transaction
from django_apscheduler.models import DjangoJobExecution

from eventapp.models import JobRun

logger = logging.getLogger(__name__)
INTERRUPTED = "Interrupted: the scheduler process stopped during this run; not run again."


# --8<-- [start:interrupted]
def mark_interrupted_runs() -> int:
    """Record as interrupted the runs a killed leader left 'Started execution'."""
    left_started = DjangoJobExecution.objects.filter(status=DjangoJobExecution.SENT)
    count = left_started.update(status=DjangoJobExecution.ERROR, exception=INTERRUPTED)
    if count:
        logger.warning("Recorded %d run(s) left unfinished by a stopped scheduler", count)
    return count


# --8<-- [end:interrupted]
# --8<-- [start:claim]
def claim_period(event: JobSubmissionEvent) -> None:
    """Listener: note who started each period of each job; a second start, loudly."""
    job_id, me = event.job_id, f"process {os.getpid()} on {socket.gethostname()}"
    for run_time in event.scheduled_run_times:
        try:
            with transaction.atomic():
                JobRun.objects.create(job_id=job_id, run_time=run_time, started_by=me)
        except IntegrityError:
            JobRun.objects.filter(job_id=job_id, run_time=run_time).update(doubled_by=me)
            logger.error(
                "Job %r ran twice for %s: %s too. Two schedulers are running.", job_id, run_time, me
            )


# --8<-- [end:claim]
# --8<-- [start:pings]
class PingingExecutor(ThreadPoolExecutor):  # each run pings HEALTHCHECKS_PING_URL/<job id>
    def submit_job(self, job, run_times) -> None:
        if settings.HEALTHCHECKS_PING_URL:  # a copy read for this run: the stored job is as was
            job.func = partial(run_pinged, job.id, job.func)
        super().submit_job(job, run_times)


def run_pinged(job_id: str, func, *args, **kwargs):
    if not ping(job_id, "/start"):
        return func(*args, **kwargs)  # no answer: the run goes on, unreported
    try:
        result = func(*args, **kwargs)
    except Exception:
        ping(job_id, "/fail", traceback.format_exc().encode()[-10_000:])  # the end names it
        raise
    ping(job_id)
    return result


def ping(job_id: str, signal: str = "", body: bytes | None = None) -> bool:
    try:  # at most 5 s: whatever goes wrong, the job goes on
        url = f"{settings.HEALTHCHECKS_PING_URL}/{job_id}{signal}"
        urllib.request.urlopen(url, body, timeout=5).close()
        return True
    except Exception as error:
        logger.warning("Ping %s%s failed: %s", job_id, signal, error)
        return False
    # --8<-- [end:pings]
