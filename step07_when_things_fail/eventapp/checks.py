"""System checks (`manage.py check`, and as every command starts) for quiet failures."""

import pickle

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.db import DEFAULT_DB_ALIAS, DatabaseError
from django_apscheduler.models import DjangoJob


# --8<-- [start:checks]
@register("scheduler")
def check_sqlite_options(app_configs=None, **kwargs) -> list[Warning]:
    """SQLite, written by the scheduler beside the web: wait for the lock, take it up front."""
    return [
        Warning(
            f"DATABASES[{alias!r}] is SQLite without 'timeout' and 'transaction_mode': "
            "'IMMEDIATE': writes fail with 'database is locked' while another process writes.",
            hint="Give it OPTIONS {'timeout': 20, 'transaction_mode': 'IMMEDIATE'}.",
            id="eventapp.W001",
        )
        for alias, database in settings.DATABASES.items()
        if database["ENGINE"] == "django.db.backends.sqlite3"
        and not (
            "timeout" in database.get("OPTIONS", {})
            and database["OPTIONS"].get("transaction_mode") == "IMMEDIATE"
        )
    ]


@register("scheduler", Tags.database)
def check_stored_misfire_grace_times(app_configs=None, databases=None, **kwargs) -> list[Warning]:
    """APScheduler's default misfire_grace_time (1 s) skips a run that starts a little late."""
    if not databases or DEFAULT_DB_ALIAS not in databases:
        return []  # only with `check --database default`: the others touch no database
    try:
        stored = list(DjangoJob.objects.values_list("id", "job_state"))
    except DatabaseError:
        return []  # not migrated yet: `migrate` says so
    return [
        Warning(
            f"The stored job {job_id!r} has APScheduler's default misfire_grace_time of 1 s: "
            "a run that starts later than that is skipped and recorded as missed.",
            hint="Give add_job() a misfire_grace_time (seconds, or None for however late).",
            id="eventapp.W002",
        )
        for job_id, state in stored
        if misfire_grace_time(state) == 1  # APScheduler's default
    ]


# --8<-- [end:checks]
def misfire_grace_time(job_state: bytes) -> int | None:
    try:  # as DjangoJobStore stores a job: pickled, its function by name (nothing imported)
        return pickle.loads(job_state)["misfire_grace_time"]
    except Exception:
        return None
