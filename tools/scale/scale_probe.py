"""The bench's own job, for tools/bench_scale.py: it only writes down when it started.

On the PYTHONPATH of the step's processes (runapscheduler, celery worker, the peer), so
the step's own jobs stay as they are. Each run appends "N TIME" to the file SCALE_STARTS
names: one short O_APPEND write, whole even from several processes at once.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from datetime import datetime, timezone

from celery import shared_task

STARTS = os.environ.get("SCALE_STARTS", os.devnull)


# --8<-- [start:record]
def record_start(n: int) -> None:
    started = time.time()  # first: the moment the job's code began
    with open(STARTS, "a") as starts:
        starts.write(f"{n} {started:.6f}\n")


# --8<-- [end:record]


def started(n: int) -> None:
    """The APScheduler job."""
    record_start(n)


@shared_task(name="scale_probe.started")
def started_task(n: int) -> None:
    """The Celery task: the worker imports this module (`--include scale_probe`)."""
    record_start(n)


# --8<-- [start:add_jobs]
def add_jobs(count: int, due: str) -> None:
    """COUNT daily cron jobs at DUE's hour and minute (UTC), through step 6's job editor:
    the web's paused scheduler over DjangoJobStore (eventapp/updater/updater.py)."""
    from django.db import transaction

    from eventapp.updater.updater import job_editor

    at = datetime.fromisoformat(due)
    editor = job_editor()
    with transaction.atomic():  # one commit, not COUNT: the setup is not what is measured
        for n in range(count):
            editor.add_job(
                started,
                "cron",
                hour=at.hour,
                minute=at.minute,
                timezone=timezone.utc,
                args=[n],
                id=f"scale_{n}",
                misfire_grace_time=None,  # however late, it runs: lateness is measured
            )


# --8<-- [end:add_jobs]


# --8<-- [start:add_periodic_tasks]
def add_periodic_tasks(count: int, due: str) -> None:
    """COUNT PeriodicTask rows on one daily CrontabSchedule at DUE's hour and minute (UTC),
    as step 8's admin would store them."""
    from django.db import transaction
    from django_celery_beat.models import CrontabSchedule, PeriodicTask, PeriodicTasks

    at = datetime.fromisoformat(due)
    with transaction.atomic():
        crontab = CrontabSchedule.objects.create(
            minute=str(at.minute), hour=str(at.hour), timezone="UTC"
        )
        PeriodicTask.objects.bulk_create(
            PeriodicTask(
                name=f"scale_{n}", task="scale_probe.started", crontab=crontab, args=json.dumps([n])
            )
            for n in range(count)
        )
        PeriodicTasks.update_changed()  # bulk_create sends no signal: say it changed


# --8<-- [end:add_periodic_tasks]


def run_peer() -> None:
    """The peer: a bare BackgroundScheduler over a plain DjangoJobStore (no lease, no
    fence, no edit check, APScheduler's defaults), until SIGINT or SIGTERM."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from django.conf import settings
    from django_apscheduler.jobstores import DjangoJobStore

    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda signum, frame: stopping.set())
    scheduler = BackgroundScheduler(timezone=settings.TIME_ZONE)
    scheduler.add_jobstore(DjangoJobStore(), "default")
    scheduler.start()
    print(f"Peer scheduler started in process {os.getpid()}", flush=True)
    stopping.wait()
    scheduler.shutdown()
