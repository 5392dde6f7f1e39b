"""A failing run is logged with its traceback, and the schedule carries on."""

import logging
import sqlite3

from django.db import IntegrityError
from support.faults import fail_once

from eventapp.models import SaveEvent


def test_a_failed_run_does_not_stop_later_runs(clock, monkeypatch, caplog):
    fail_once(monkeypatch)

    runs = clock.advance(minutes=3)

    assert [run.ok for run in runs] == [False, True, True]
    assert isinstance(runs[0].exception, IntegrityError)
    assert SaveEvent.objects.count() == 2


def test_a_failed_run_is_logged_with_its_traceback(clock, monkeypatch, caplog):
    fail_once(monkeypatch)

    with caplog.at_level(logging.ERROR):
        clock.advance(minutes=1)

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "create_save" in errors[0].getMessage()
    assert errors[0].exc_info and errors[0].exc_info[0] is IntegrityError
    assert "NOT NULL constraint failed" in caplog.text


def is_closed(sqlite_connection: sqlite3.Connection) -> bool:
    try:
        sqlite_connection.execute("SELECT 1")
    except sqlite3.ProgrammingError:  # "Cannot operate on a closed database."
        return True
    return False


def test_the_job_closes_its_database_connection_after_each_run(clock, monkeypatch):
    from django.db import connections

    used = []
    real_create = SaveEvent.objects.create

    def create(**kwargs):
        row = real_create(**kwargs)
        used.append(connections["default"].connection)  # this thread's own connection
        return row

    monkeypatch.setattr(SaveEvent.objects, "create", create)
    clock.advance(minutes=2)

    assert len(used) == 2
    assert all(is_closed(connection) for connection in used)
