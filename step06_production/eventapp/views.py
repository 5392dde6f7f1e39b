import os
from datetime import datetime, tzinfo

from apscheduler.job import Job
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from .crontab import known_time_zones
from .heartbeat import scheduler_status
from .models import JobRun, SaveEvent
from .updater.updater import TASKS

LATEST_ROWS = 20
DOUBLED_SHOWN = 5
UPCOMING_RUNS = 3


def index(request: HttpRequest) -> HttpResponse:
    """What the scheduler in this process is doing, and the rows it wrote."""
    scheduler = apps.get_app_config("eventapp").scheduler
    context = {
        "pid": os.getpid(),
        "scheduler_state": scheduler_state(scheduler),
        "jobs": [schedule_of(job) for job in scheduler.get_jobs()] if scheduler else [],
        "heartbeat": scheduler_status(),
        "rows": SaveEvent.objects.all()[:LATEST_ROWS],
        "row_count": SaveEvent.objects.count(),
        "doubled_runs": JobRun.objects.exclude(doubled_by="")[:DOUBLED_SHOWN],
    }
    return render(request, "eventapp/index.html", context)


def scheduler_state(scheduler) -> str:
    """'running', 'none' in this process, or 'died': an error the scheduler did not
    expect ended the thread that runs it (the log has the traceback)."""
    if scheduler is None:
        return "none"
    return "running" if scheduler._thread.is_alive() else "died"


# --8<-- [start:schedule_of]
def schedule_of(job: Job) -> dict:
    """A job as the page shows it: its trigger, the zone it counts in, its next runs."""
    return {
        "id": job.id,
        "trigger": job.trigger,
        "timezone": trigger_zone(job),
        "next_runs": next_run_times(job.trigger, job.next_run_time, UPCOMING_RUNS),
    }


def next_run_times(trigger: BaseTrigger, first: datetime | None, count: int) -> list[datetime]:
    """COUNT run times from FIRST on (None: paused), asked of the trigger as the scheduler asks."""
    times: list[datetime] = []
    upcoming = first
    while upcoming is not None and len(times) < count:
        times.append(upcoming)
        upcoming = trigger.get_next_fire_time(upcoming, upcoming)
    return times


# --8<-- [end:schedule_of]


def trigger_zone(job: Job) -> tzinfo:
    """Cron and interval triggers keep a time zone; a date trigger, its run date's."""
    if isinstance(job.trigger, DateTrigger):
        return job.trigger.run_date.tzinfo
    return job.trigger.timezone


@staff_member_required
@permission_required("django_apscheduler.view_djangojob", raise_exception=True)
@ensure_csrf_cookie
def jobs_page(request: HttpRequest) -> HttpResponse:
    """Staff manage the jobs here; the page's script talks to the JSON API (api.py)."""
    context = {
        **admin.site.each_context(request),  # the admin's header, for the admin's look
        "title": "Jobs",
        "tasks": list(TASKS),
        "time_zones": sorted(known_time_zones()),
        "default_time_zone": settings.TIME_ZONE,
    }
    return render(request, "eventapp/jobs.html", context)
