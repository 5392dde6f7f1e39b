"""The JSON API behind the jobs page: list, add, change, pause, resume, run, remove.

Staff only. Every input is checked before anything changes; a bad request gets a
400 with {"error": "..."} naming the field. Jobs run code from a fixed list of
tasks (updater.TASKS), looked up by name.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from itertools import pairwise
from typing import Any

from apscheduler.job import Job
from apscheduler.jobstores.base import ConflictingIdError, JobLookupError
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import obj_to_ref
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.models import Count, OuterRef, Subquery
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.csrf import csrf_failure as html_csrf_failure
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_apscheduler.models import DjangoJob, DjangoJobExecution

from .crontab import CrontabError, CrontabTrigger, zone
from .updater.updater import TASKS, scheduler_for_edits
from .views import next_run_times

MAX_BODY_BYTES = 4096
MAX_PREVIEW = 50
JOB_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")  # matched whole: fullmatch()
INTERVAL_FIELDS = ("weeks", "days", "hours", "minutes", "seconds")
TRIGGER_FIELDS = {"trigger", "crontab", "run_date", "timezone", *INTERVAL_FIELDS}
# A run that starts up to this late still runs (the scheduler process may look at
# the store only every few seconds); later, it is recorded as missed.
MISFIRE_GRACE_SECONDS = 60


class BadRequest(Exception):
    """Answered with 400 and the message."""


def error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def csrf_failure(request: HttpRequest, reason: str = "") -> Any:
    """CSRF_FAILURE_VIEW: JSON for the API, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return error(
            f"CSRF check failed: {reason}. Send the csrftoken cookie's value in an "
            "X-CSRFToken header.",
            status=403,
        )
    return html_csrf_failure(request, reason)


# --8<-- [start:permissions]
# The admin's own permissions on django-apscheduler's jobs, by what a request does.
ACTION_OF_METHOD = {"GET": "view", "POST": "add", "PATCH": "change", "DELETE": "delete"}


def jobs_api(action: str | None = None) -> Callable:
    """403 unless a logged-in staff user holds the permission to ACTION jobs (default:
    by the request's method), as in the admin; 400 for a BadRequest; 404, unknown id."""

    def decorate(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> JsonResponse:
            if not (request.user.is_authenticated and request.user.is_staff):
                return error("staff only: log in at /admin/ with a staff account", status=403)
            needed = action or ACTION_OF_METHOD[request.method]
            if not request.user.has_perm(f"django_apscheduler.{needed}_djangojob"):
                return error(f"permission denied: you may not {needed} jobs", status=403)
            try:
                return view(request, *args, **kwargs)
            except BadRequest as bad:
                return error(str(bad))
            except JobLookupError:
                return error(f"no job with id {kwargs.get('job_id')!r}", status=404)

        return wrapper

    return decorate


# --8<-- [end:permissions]


# --8<-- [start:jobs]
@require_http_methods(["GET", "POST"])
@jobs_api()
def jobs(request: HttpRequest) -> JsonResponse:
    """GET: every job. POST: add one; 201 with the job."""
    if request.method == "GET":
        return JsonResponse({"jobs": jobs_json(scheduler_for_edits().get_jobs())})
    data = json_body(request, allowed={"task", "id", *TRIGGER_FIELDS})
    task = data.get("task")
    if not isinstance(task, str) or task not in TASKS:
        raise BadRequest(f"task: must be one of {', '.join(TASKS)}")
    job_id = data.get("id", f"{task}-{uuid.uuid4().hex[:8]}")
    if not isinstance(job_id, str) or not JOB_ID.fullmatch(job_id) or not job_id.strip("."):
        raise BadRequest("id: 1 to 64 letters, digits, '_', '-' or '.', not only dots")
    trigger = trigger_from(data)  # all checks done before anything is stored
    try:
        job = scheduler_for_edits().add_job(
            TASKS[task],
            trigger,
            id=job_id,
            name=task,
            misfire_grace_time=MISFIRE_GRACE_SECONDS,
        )
    except ConflictingIdError:
        raise BadRequest(f"id: a job with id {job_id!r} exists already") from None
    return JsonResponse(job_json(job), status=201)


# --8<-- [end:jobs]


@require_http_methods(["GET", "PATCH", "DELETE"])
@jobs_api()
def job(request: HttpRequest, job_id: str) -> JsonResponse:
    """GET: one job. PATCH: a new trigger (reschedule). DELETE: remove it."""
    edits = scheduler_for_edits()
    found = find_job(edits, job_id)
    if request.method == "GET":
        return JsonResponse(job_json(found))
    if request.method == "DELETE":
        # django-apscheduler deletes a job's run records with it; JobRun rows stay.
        records = DjangoJobExecution.objects.filter(job_id=job_id).count()
        edits.remove_job(job_id)
        return JsonResponse({"removed": job_id, "run_records_deleted": records})
    trigger = trigger_from(json_body(request, allowed=TRIGGER_FIELDS))
    if found.next_run_time is None:  # paused: stays paused with its new trigger
        edits.modify_job(job_id, trigger=trigger)
    else:
        edits.reschedule_job(job_id, trigger=trigger)
    return JsonResponse(job_json(find_job(edits, job_id)))


@require_POST
@jobs_api("change")
def pause(request: HttpRequest, job_id: str) -> JsonResponse:
    return JsonResponse(job_json(scheduler_for_edits().pause_job(job_id)))


@require_POST
@jobs_api("change")
def resume(request: HttpRequest, job_id: str) -> JsonResponse:
    return JsonResponse(job_json(scheduler_for_edits().resume_job(job_id)))


# --8<-- [start:run]
@require_POST
@jobs_api("change")
def run(request: HttpRequest, job_id: str) -> JsonResponse:
    """Run the job once, now, in the background: its next run time becomes now.

    The scheduler runs it in its own thread pool and records the run (status,
    duration, error) as for any run; then the trigger gives the next time as usual.
    """
    edits = scheduler_for_edits()
    if find_job(edits, job_id).next_run_time is None:
        raise BadRequest(f"job {job_id!r} is paused: resume it to run it")
    job = edits.modify_job(job_id, next_run_time=timezone.now())
    return JsonResponse(job_json(job), status=202)


# --8<-- [end:run]


@require_GET
@jobs_api("view")
def cron_preview(request: HttpRequest) -> JsonResponse:
    """The next COUNT fire times of a crontab string, for the page's live preview."""
    count_text = request.GET.get("count", "5")
    if (
        not (count_text.isascii() and count_text.isdigit())
        or not 1 <= int(count_text) <= MAX_PREVIEW
    ):
        raise BadRequest(f"count: a whole number from 1 to {MAX_PREVIEW}")
    trigger = cron_trigger(request.GET.get("crontab", ""), time_zone_of(request.GET))
    first = trigger.get_next_fire_time(None, timezone.now())
    times = next_run_times(trigger, first, int(count_text))
    return JsonResponse({"next": [time.isoformat() for time in times]})


# --8<-- [start:jobs_json]
def jobs_json(jobs: list[Job]) -> list[dict[str, Any]]:
    """The jobs with their last run and number of run records: two queries for any number."""
    latest = DjangoJobExecution.objects.filter(job_id=OuterRef("id")).order_by("-run_time")
    history = DjangoJob.objects.filter(id__in=[job.id for job in jobs]).annotate(
        last_pk=Subquery(latest.values("pk")[:1]), records=Count("djangojobexecution")
    )
    found = {row.id: row for row in history}
    last_runs = DjangoJobExecution.objects.in_bulk([row.last_pk for row in history])
    return [
        job_json(job, last_runs.get(found[job.id].last_pk), found[job.id].records)
        if job.id in found
        else job_json(job, None, 0)
        for job in jobs
    ]


# --8<-- [end:jobs_json]


def run_json(execution: DjangoJobExecution | None) -> dict[str, Any] | None:
    if execution is None:
        return None
    return {
        "status": execution.status,
        "run_time": timezone.localtime(execution.run_time).isoformat(),
        "duration": float(execution.duration) if execution.duration is not None else None,
        "error": execution.exception or None,
    }


def job_json(job: Job, last_run: DjangoJobExecution | None = None, records: int | None = None):
    """A job as the API shows it; without LAST_RUN and RECORDS, they are looked up."""
    if records is None:
        return jobs_json([job])[0]
    trigger_zone = getattr(job.trigger, "timezone", None)
    if isinstance(job.trigger, DateTrigger):
        trigger_zone = job.trigger.run_date.tzinfo
    next_run = job.next_run_time
    if next_run is not None and trigger_zone is not None:
        next_run = next_run.astimezone(trigger_zone)
    names = {obj_to_ref(func): name for name, func in TASKS.items()}
    return {
        "id": job.id,
        "task": names.get(job.func_ref, job.func_ref),
        "trigger": str(job.trigger),
        "timezone": str(trigger_zone) if trigger_zone is not None else None,
        "next_run_time": next_run.isoformat() if next_run else None,
        "paused": next_run is None,
        "last_run": run_json(last_run),
        "run_records": records,
    }


def find_job(edits: BaseScheduler, job_id: str) -> Job:
    found = edits.get_job(job_id)
    if found is None:
        raise JobLookupError(job_id)
    return found


def json_body(request: HttpRequest, allowed: set[str]) -> dict[str, Any]:
    try:
        body = request.body
    except RequestDataTooBig:  # above settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = None
    if body is None or len(body) > MAX_BODY_BYTES:
        raise BadRequest(f"body: larger than {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("body: not valid JSON") from None
    except RecursionError:  # [[[[... a thousand levels deep fit in 4 KB
        raise BadRequest("body: nested too deeply") from None
    if not isinstance(data, dict):
        raise BadRequest("body: must be a JSON object")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise BadRequest(f"{unknown[0]}: unknown field; known: {', '.join(sorted(allowed))}")
    return data


# --8<-- [start:trigger_from]
def trigger_from(data: dict[str, Any]) -> BaseTrigger:
    """A trigger from checked input: 'cron' (a crontab string), 'interval' or 'date'."""
    kind = data.get("trigger")
    tz = time_zone_of(data)
    fields_of_other_kinds = {
        "cron": {"run_date", *INTERVAL_FIELDS},
        "interval": {"crontab", "run_date"},
        "date": {"crontab", *INTERVAL_FIELDS},
    }
    if kind not in fields_of_other_kinds:
        raise BadRequest("trigger: must be 'cron', 'interval' or 'date'")
    misplaced = sorted(fields_of_other_kinds[kind] & set(data))
    if misplaced:
        raise BadRequest(f"{misplaced[0]}: does not go with trigger {kind!r}")
    if kind == "date":
        return DateTrigger(run_date=run_date_of(data.get("run_date")).astimezone(zone(tz)))
    if kind == "cron":
        trigger = cron_trigger(data.get("crontab"), tz)
    else:
        trigger = IntervalTrigger(timezone=tz, **interval_of(data))
    refuse_if_too_often(trigger)
    return trigger


# --8<-- [end:trigger_from]


def refuse_if_too_often(trigger: BaseTrigger) -> None:
    """A job every second is 86,400 runs and as many history rows a day: set a floor."""
    first = trigger.get_next_fire_time(None, timezone.now())
    gaps = [later - earlier for earlier, later in pairwise(next_run_times(trigger, first, 3))]
    least = timedelta(seconds=settings.SCHEDULER_MIN_INTERVAL_SECONDS)
    if gaps and min(gaps) < least:
        raise BadRequest(
            f"trigger: runs every {min(gaps).total_seconds():g} s; the least allowed is "
            f"{least.total_seconds():g} s (SCHEDULER_MIN_INTERVAL_SECONDS)"
        )


def time_zone_of(data) -> str:
    name = data.get("timezone", settings.TIME_ZONE)
    if not isinstance(name, str):
        raise BadRequest("timezone: must be a string such as 'Europe/Berlin'")
    try:
        zone(name)
    except CrontabError as bad:
        raise BadRequest(f"timezone: {bad}") from None
    return name


def cron_trigger(expression: Any, tz: str) -> BaseTrigger:
    if not isinstance(expression, str):
        raise BadRequest("crontab: must be a string such as '20 5 * * *'")
    try:
        return CrontabTrigger(expression, tz)
    except CrontabError as bad:
        raise BadRequest(f"crontab: {bad}") from None


def interval_of(data: dict[str, Any]) -> dict[str, int]:
    given = {name: data[name] for name in INTERVAL_FIELDS if name in data}
    for name, value in given.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**6:
            raise BadRequest(f"{name}: a whole number from 0 to 1000000")
    if not any(given.values()):
        raise BadRequest(f"interval: give one of {', '.join(INTERVAL_FIELDS)} above 0")
    if timedelta(**given) > timedelta(days=3660):
        raise BadRequest("interval: at most ten years")
    return given


def run_date_of(value: Any) -> datetime:
    if not isinstance(value, str):
        raise BadRequest(
            "run_date: an ISO 8601 date-time with offset, such as '2026-03-02T09:00:00+01:00'"
        )
    try:
        run_date = datetime.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"run_date: {value!r} is not an ISO 8601 date-time") from None
    if run_date.tzinfo is None:
        raise BadRequest("run_date: has no offset; write it as in '2026-03-02T09:00:00+01:00'")
    if run_date <= timezone.now():
        raise BadRequest("run_date: is in the past")
    if run_date > timezone.now() + timedelta(days=36600):
        raise BadRequest("run_date: is more than a hundred years ahead")
    return run_date
