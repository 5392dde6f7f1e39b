"""Step 6 when its surroundings fail: PostgreSQL out of reach, a database that cannot be
read, a lock released, a leader that cannot start, a job that will not stop."""

import logging

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from support.steps import scheduler_module

from eventapp import checks, leader
from eventapp.management.commands import runapscheduler


def test_postgresql_out_of_reach_is_no_lock_and_says_so(caplog):
    unreachable = leader.PostgresSchedulerLock(
        {"host": "127.0.0.1", "port": 1, "dbname": "none", "user": "postgres", "connect_timeout": 2}
    )

    assert unreachable.acquire(timeout=0) is False
    assert "Cannot reach PostgreSQL for the scheduler lock" in caplog.text


def test_a_released_postgresql_lock_is_a_lost_one():
    lock = leader.PostgresSchedulerLock({})

    with pytest.raises(leader.LockLost, match="it was released"):
        lock.verify()


def test_an_in_memory_database_has_no_lock(monkeypatch):
    """Each connection to ':memory:' is a database of its own: nothing to lock beside it."""
    monkeypatch.setattr(connections[DEFAULT_DB_ALIAS], "is_in_memory_db", lambda: True)

    with pytest.raises(ImproperlyConfigured, match="No scheduler lock for the sqlite database"):
        leader.scheduler_lock()


def test_the_lock_check_has_nothing_to_say_on_postgresql(monkeypatch):
    monkeypatch.setattr(connections[DEFAULT_DB_ALIAS], "vendor", "postgresql")

    assert checks.check_scheduler_lock() == []


def test_the_stored_jobs_check_waits_for_migrate(db, monkeypatch):
    def unmigrated(*fields):
        raise OperationalError("no such table: django_apscheduler_djangojob")

    monkeypatch.setattr(checks.DjangoJob.objects, "values_list", unmigrated)

    assert checks.check_stored_misfire_grace_times(databases=[DEFAULT_DB_ALIAS]) == []


def test_who_leads_when_the_heartbeat_cannot_be_read(monkeypatch):
    def unreadable() -> str:
        raise OperationalError("database is locked")

    monkeypatch.setattr(leader, "current_leader", unreadable)

    assert leader.leader_for_the_log() == (
        "another process (the heartbeat cannot be read: database is locked)"
    )


def test_a_leader_that_cannot_record_its_stop_still_frees_the_lock(transactional_db, caplog):
    leadership = leader.Leadership()
    assert leadership.try_acquire()

    def unwritable() -> None:
        raise OperationalError("disk I/O error")

    leadership.heartbeat.stop = unwritable
    leadership.end()

    assert "Could not record the scheduler's stop: disk I/O error" in caplog.text
    assert leader.Leadership().try_acquire()  # free for the next one


def test_a_scheduler_that_cannot_start_gives_the_lock_back(transactional_db, monkeypatch):
    updater = scheduler_module()

    def broken(scheduler_class):
        raise RuntimeError("a job that cannot be stored")

    monkeypatch.setattr(updater, "build_scheduler", broken)

    with pytest.raises(RuntimeError, match="cannot be stored"):
        updater.start_scheduler()
    assert updater.running_scheduler() is None
    assert leader.Leadership().try_acquire()


def test_a_job_that_outlives_the_shutdown_wait_is_abandoned(monkeypatch, caplog):
    exits = []
    monkeypatch.setattr(runapscheduler.logging, "shutdown", lambda: None)
    monkeypatch.setattr(runapscheduler.os, "_exit", exits.append)

    with caplog.at_level(logging.ERROR):
        runapscheduler.abandon_running_jobs()

    assert exits == [1]
    assert "did not finish within SCHEDULER_SHUTDOWN_WAIT" in caplog.text


def test_on_postgresql_the_lock_is_an_advisory_lock_on_a_connection_of_its_own(monkeypatch):
    database = connections[DEFAULT_DB_ALIAS]
    monkeypatch.setattr(database, "vendor", "postgresql")
    monkeypatch.setattr(database, "get_connection_params", lambda: {"dbname": "events"})

    lock = leader.scheduler_lock()

    assert isinstance(lock, leader.PostgresSchedulerLock)
    assert lock._connection is None  # opened when it is first taken, never Django's
