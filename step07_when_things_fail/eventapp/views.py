from datetime import datetime, tzinfo

from apscheduler.job import Job
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_apscheduler.jobstores import DjangoJobStore

from .models import JobRun, SaveEvent
from .status import scheduler_status

LATEST_ROWS = 20
UPCOMING_RUNS = 3


def index(request: HttpRequest) -> HttpResponse:
    """The jobs as the scheduler process stored them, and the rows they wrote."""
    context = {
        "jobs": [schedule_of(job) for job in DjangoJobStore().get_all_jobs()],
        "rows": SaveEvent.objects.all()[:LATEST_ROWS],
        "row_count": SaveEvent.objects.count(),
        "status": scheduler_status(),
        "doubled": JobRun.objects.exclude(doubled_by="")[:LATEST_ROWS],
    }
    return render(request, "eventapp/index.html", context)


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
