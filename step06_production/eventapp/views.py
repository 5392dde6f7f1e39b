from datetime import datetime, tzinfo
from functools import wraps

from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django_apscheduler.jobstores import DjangoJobStore
from django_apscheduler.models import DjangoJob

from .forms import JobForm, ScheduleForm
from .models import SaveEvent
from .updater.updater import job_editor

LATEST_ROWS = 20
UPCOMING_RUNS = 3


def index(request: HttpRequest) -> HttpResponse:
    """The jobs as the scheduler process stored them, and the rows they wrote."""
    context = {
        "jobs": [schedule_of(job) for job in DjangoJobStore().get_all_jobs()],
        "rows": SaveEvent.objects.all()[:LATEST_ROWS],
        "row_count": SaveEvent.objects.count(),
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


# The jobs page and its JSON API: the same views answer both, in JSON under /api/.
# --8<-- [start:views]
def jobs_view(**action_of_method: str):
    """METHOD=ACTION: allowed to staff who may ACTION (view, add, change, delete) jobs."""

    def decorate(view):
        @wraps(view)
        def checked(request: HttpRequest, **kwargs) -> HttpResponse:
            user, action = request.user, action_of_method.get(request.method)
            if action is None:
                return refuse(405, f"{request.method} is not allowed here")
            if not (user.is_staff and user.has_perm(f"django_apscheduler.{action}_djangojob")):
                return refuse(403, f"staff who may {action} jobs only; log in at /admin/")
            try:
                if "job_id" not in kwargs:
                    return view(request, **kwargs)
                with transaction.atomic():  # the job's row is locked: a second edit waits
                    DjangoJob.objects.select_for_update().filter(id=kwargs["job_id"]).first()
                    return view(request, **kwargs)
            except JobLookupError as error:
                return refuse(404, error.args[0])

        return checked

    return decorate


@jobs_view(GET="view", POST="add")
def jobs(request: HttpRequest) -> HttpResponse:
    form = JobForm(request.POST if request.method == "POST" else None)
    if form.is_valid() and (job := form.save()):
        return done(request, job_row(job), f"Added {job.id}: {job.trigger}.", status=201)
    rows = [job_row(job) for job in job_editor().get_jobs()]
    if is_api(request):  # a bound form here did not validate
        answer = {"errors": form.errors.get_json_data()} if form.is_bound else {"jobs": rows}
        return JsonResponse(answer, status=400 if form.is_bound else 200)
    context = {
        **admin.site.each_context(request),  # the admin's header and look
        "title": "Jobs",
        "jobs": rows,
        "form": form,
        "change_form": ScheduleForm(auto_id=False),
    }
    return render(request, "eventapp/jobs.html", context)


@jobs_view(POST="change")
def change(request: HttpRequest, job_id: str) -> HttpResponse:
    """A new trigger; a paused job stays paused."""
    paused, form = find_job(job_id).next_run_time is None, ScheduleForm(request.POST)
    if not form.is_valid():
        errors = form.errors.get_json_data()
        return done(request, {"errors": errors}, f"{job_id}: {form.errors.as_text()}", 400)
    trigger = form.trigger()
    next_run = None if paused else trigger.get_next_fire_time(None, timezone.now())
    job = job_editor().modify_job(job_id, trigger=trigger, next_run_time=next_run)
    return done(request, job_row(job), f"Changed {job_id}: {trigger}.")


@jobs_view(POST="change")
def pause(request: HttpRequest, job_id: str) -> HttpResponse:
    return done(request, job_row(job_editor().pause_job(job_id)), f"Paused {job_id}.")


@jobs_view(POST="change")
def resume(request: HttpRequest, job_id: str) -> HttpResponse:
    return done(request, job_row(job_editor().resume_job(job_id)), f"Resumed {job_id}.")


@jobs_view(POST="change")
def run(request: HttpRequest, job_id: str) -> HttpResponse:
    """Once more, now, as a one-off `date` job: the job's own schedule stays as it was."""
    job = find_job(job_id)
    once = job_editor().add_job(
        job.func,
        "date",  # with no run_date: now
        job.args,
        job.kwargs,
        id=f"{job_id}@now",  # no id typed on the page has an '@'
        misfire_grace_time=60,  # the scheduler process looks every few seconds
        replace_existing=True,  # pressed twice before it ran: it runs once
    )
    return done(request, job_row(once), f"{job_id} runs now, as {once.id}.", status=202)


@jobs_view(POST="delete")
def remove(request: HttpRequest, job_id: str) -> HttpResponse:
    job_editor().remove_job(job_id)  # and django-apscheduler deletes its run records
    return done(request, {"removed": job_id}, f"Removed {job_id} and its run records.")


# --8<-- [end:views]


def done(request: HttpRequest, answer: dict, message: str, status: int = 200) -> HttpResponse:
    if is_api(request):
        return JsonResponse(answer, status=status)
    messages.add_message(request, messages.ERROR if status >= 400 else messages.SUCCESS, message)
    return redirect("jobs")


def refuse(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def api_not_found(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"error": f"no API at {request.path}"}, status=404)


def find_job(job_id: str) -> Job:
    if (job := job_editor().get_job(job_id)) is None:
        raise JobLookupError(job_id)
    return job


def job_row(job: Job) -> dict:
    """A job as the page and the API show it: schedule_of(), and its task, as text."""
    row = schedule_of(job)
    return {**row, "task": job.name, "trigger": str(job.trigger), "timezone": str(row["timezone"])}
