"""System checks: the scheduler's usual misconfigurations, reported by `manage.py check`
and as every management command starts (runserver, migrate, runapscheduler).

`manage.py check --database default` (and `migrate`, and `runapscheduler`) also look
at the jobs stored in the database.
"""

from __future__ import annotations

import pickle

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django_apscheduler.models import DjangoJob

APSCHEDULER_DEFAULT_MISFIRE_GRACE_TIME = 1  # seconds


# --8<-- [start:checks]
@register("scheduler")
def check_time_zone(app_configs=None, **kwargs) -> list[Warning]:
    """The scheduler counts cron times in TIME_ZONE: it should be a choice, not a default."""
    if settings.is_overridden("TIME_ZONE"):
        return []
    return [
        Warning(
            f"TIME_ZONE is not set, so the scheduler runs cron jobs at the local times of "
            f"Django's default, {settings.TIME_ZONE!r}.",
            hint='Set TIME_ZONE in settings.py to the zone the jobs are meant for, e.g. "UTC" '
            'or "Europe/Berlin".',
            id="eventapp.W001",
        )
    ]


@register("scheduler")
def check_sqlite_options(app_configs=None, **kwargs) -> list[Warning]:
    """SQLite with a scheduler writing beside the web: wait for the lock, take it up front."""
    return sqlite_option_warnings(settings.DATABASES)


def sqlite_option_warnings(databases: dict[str, dict]) -> list[Warning]:
    warnings = []
    for alias, database in databases.items():
        if database["ENGINE"] != "django.db.backends.sqlite3":
            continue
        options = database.get("OPTIONS", {})
        if "timeout" not in options:
            warnings.append(
                Warning(
                    f"DATABASES[{alias!r}] is SQLite without a 'timeout' option: a write that "
                    "finds the database locked by another process fails after 5 s.",
                    hint="Add 'timeout': 20 to its OPTIONS.",
                    id="eventapp.W002",
                )
            )
        if options.get("transaction_mode") != "IMMEDIATE":
            warnings.append(
                Warning(
                    f"DATABASES[{alias!r}] is SQLite without 'transaction_mode': 'IMMEDIATE': "
                    "a transaction that reads, then writes, can fail with 'database is locked' "
                    "half-way, whatever the timeout.",
                    hint="Add 'transaction_mode': 'IMMEDIATE' to its OPTIONS (Django 5.1+).",
                    id="eventapp.W003",
                )
            )
    return warnings


@register("scheduler", Tags.database)
def check_stored_misfire_grace_times(app_configs=None, databases=None, **kwargs) -> list[Warning]:
    """A stored job with APScheduler's default misfire_grace_time (1 s) skips any run that
    starts a little late: after a restart, under load, or while another job runs."""
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
            id="eventapp.W004",
        )
        for job_id, state in stored
        if misfire_grace_time(state) == APSCHEDULER_DEFAULT_MISFIRE_GRACE_TIME
    ]


@register("scheduler")
def check_scheduler_lock(app_configs=None, **kwargs) -> list[Error]:
    """The guard against a second scheduler needs a lock the database can hold."""
    database = connections[DEFAULT_DB_ALIAS]
    if database.vendor == "postgresql":
        return []
    if database.vendor == "sqlite" and not database.is_in_memory_db():
        return []
    return [
        Error(
            f"The scheduler lock needs PostgreSQL or an SQLite file, not {database.vendor} "
            f"{database.settings_dict['NAME']!r}.",
            hint="Set DATABASE_URL to a PostgreSQL database or an SQLite file "
            "(eventapp/leader.py explains the lock).",
            id="eventapp.E005",
        )
    ]


# --8<-- [end:checks]


def misfire_grace_time(job_state: bytes) -> int | None:
    # As DjangoJobStore stores a job: pickled, its function by name (nothing is imported).
    try:
        return pickle.loads(job_state)["misfire_grace_time"]
    except Exception:
        return None
