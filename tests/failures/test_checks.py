"""The system checks: each misconfiguration they know is reported with its id and a hint,
and the step's own configuration passes them all."""

import pickle
from types import SimpleNamespace

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from django_apscheduler.jobstores import DjangoJobStore
from django_apscheduler.models import DjangoJob
from support.processes import clean_env, copy_step, manage

from eventapp import checks
from eventapp.checks import check_sqlite_options, check_stored_misfire_grace_times
from eventapp.updater.updater import create_save


def ids(messages) -> list[str]:
    return [message.id for message in messages]


def assert_helpful(messages) -> None:
    assert all(message.hint for message in messages)


def test_the_step_passes_its_own_checks(db):
    assert check_sqlite_options() == []
    assert check_stored_misfire_grace_times(databases=["default"]) == []


def with_databases(monkeypatch, **databases: dict) -> None:
    """The checks read settings.DATABASES: these, without touching Django's connections."""
    monkeypatch.setattr(checks, "settings", SimpleNamespace(DATABASES=databases))


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"transaction_mode": "IMMEDIATE"}, ["eventapp.W001"]),
        ({"timeout": 20}, ["eventapp.W001"]),
        ({"timeout": 20, "transaction_mode": "DEFERRED"}, ["eventapp.W001"]),
        ({}, ["eventapp.W001"]),
        ({"timeout": 20, "transaction_mode": "IMMEDIATE"}, []),
    ],
)
def test_sqlite_without_a_timeout_or_immediate_transactions(monkeypatch, options, expected):
    with_databases(
        monkeypatch, default={"ENGINE": "django.db.backends.sqlite3", "OPTIONS": options}
    )

    messages = check_sqlite_options()

    assert ids(messages) == expected
    assert_helpful(messages)


def test_postgresql_needs_no_sqlite_options(monkeypatch):
    with_databases(monkeypatch, default={"ENGINE": "django.db.backends.postgresql"})

    assert check_sqlite_options() == []


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

    assert warning.id == "eventapp.W002"
    assert "'five_minutes'" in warning.msg and "1 s" in warning.msg
    assert_helpful([warning])
    assert check_stored_misfire_grace_times(databases=None) == []  # plain `check`


def test_an_unreadable_stored_job_is_not_a_crash(db):
    DjangoJob.objects.create(id="garbled", job_state=pickle.dumps("not a job"))

    assert check_stored_misfire_grace_times(databases=["default"]) == []


def test_manage_py_check_reports_an_sqlite_database_url(tmp_path):
    """A DATABASE_URL of sqlite://... comes without the options the step sets."""
    step = copy_step(tmp_path)

    result = manage(step, "check", env=clean_env(DATABASE_URL=f"sqlite:///{step}/other.sqlite3"))

    assert result.returncode == 0  # a warning: it still runs
    assert "(eventapp.W001) DATABASES['default'] is SQLite without 'timeout'" in result.stderr
    assert "HINT: Give it OPTIONS" in result.stderr
