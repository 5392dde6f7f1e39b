"""The system checks: each misconfiguration they know is reported with its id and a hint,
and the step's own configuration passes them all, `check --deploy` included."""

import pickle

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from django.core.checks import Error, Warning
from django.db import connection
from django_apscheduler.jobstores import DjangoJobStore
from django_apscheduler.models import DjangoJob
from support.processes import clean_env, copy_step, manage

from eventapp.checks import (
    check_scheduler_lock,
    check_sqlite_options,
    check_stored_misfire_grace_times,
    check_time_zone,
    sqlite_option_warnings,
)
from eventapp.updater.updater import create_save


def ids(messages) -> list[str]:
    return [message.id for message in messages]


def assert_helpful(messages) -> None:
    assert all(message.hint for message in messages)


def test_the_step_passes_its_own_checks(db):
    assert check_time_zone() == []
    assert check_sqlite_options() == []
    assert check_scheduler_lock() == []
    assert check_stored_misfire_grace_times(databases=["default"]) == []


def test_a_time_zone_left_at_the_default(monkeypatch):
    from django.conf import settings

    monkeypatch.setattr(settings, "is_overridden", lambda name: name != "TIME_ZONE")

    [warning] = check_time_zone()

    assert isinstance(warning, Warning) and warning.id == "eventapp.W001"
    assert "TIME_ZONE is not set" in warning.msg
    assert_helpful([warning])


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"transaction_mode": "IMMEDIATE"}, ["eventapp.W002"]),
        ({"timeout": 20}, ["eventapp.W003"]),
        ({"timeout": 20, "transaction_mode": "DEFERRED"}, ["eventapp.W003"]),
        ({}, ["eventapp.W002", "eventapp.W003"]),
    ],
)
def test_sqlite_without_a_timeout_or_immediate_transactions(options, expected):
    databases = {"default": {"ENGINE": "django.db.backends.sqlite3", "OPTIONS": options}}

    messages = sqlite_option_warnings(databases)

    assert ids(messages) == expected
    assert_helpful(messages)


def test_postgresql_needs_no_sqlite_options():
    assert sqlite_option_warnings({"default": {"ENGINE": "django.db.backends.postgresql"}}) == []


def test_a_stored_job_with_the_default_misfire_grace_time(transactional_db):
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_jobstore(DjangoJobStore(), "default")
    scheduler.start(paused=True)
    try:
        scheduler.add_job(create_save, "interval", minutes=5, id="five_minutes")
        scheduler.add_job(create_save, "interval", minutes=5, id="tolerant", misfire_grace_time=60)
    finally:
        scheduler.shutdown()

    [warning] = check_stored_misfire_grace_times(databases=["default"])

    assert warning.id == "eventapp.W004"
    assert "'five_minutes'" in warning.msg and "1 s" in warning.msg
    assert_helpful([warning])
    assert check_stored_misfire_grace_times(databases=None) == []  # plain `check`


def test_an_unreadable_stored_job_is_not_a_crash(db):
    DjangoJob.objects.create(id="garbled", job_state=pickle.dumps("not a job"))

    assert check_stored_misfire_grace_times(databases=["default"]) == []


@pytest.mark.parametrize(("vendor", "name"), [("sqlite", ":memory:"), ("mysql", "events")])
def test_a_database_the_scheduler_lock_cannot_use(monkeypatch, vendor, name):
    monkeypatch.setattr(connection, "vendor", vendor)
    monkeypatch.setitem(connection.settings_dict, "NAME", name)

    [error] = check_scheduler_lock()

    assert isinstance(error, Error) and error.id == "eventapp.E005"
    assert_helpful([error])


def test_manage_py_check_reports_them(tmp_path):
    step = copy_step(tmp_path)

    result = manage(step, "check", env=clean_env(DATABASE_URL="sqlite://:memory:"))

    assert result.returncode != 0
    assert "(eventapp.E005) The scheduler lock needs PostgreSQL or an SQLite file" in result.stderr
    assert "HINT: Set DATABASE_URL" in result.stderr
