"""The scheduler rides out a busy database, and the run history tells the truth about
runs cut short by a dead process and periods that two schedulers both ran."""

import logging
import os
import signal
import sqlite3
import threading
from datetime import timedelta

import pytest
from apscheduler.events import (
    EVENT_JOB_EXECUTED,
    EVENT_JOB_SUBMITTED,
    JobExecutionEvent,
    JobSubmissionEvent,
)
from django.core.management import call_command
from django.db import connection, connections
from django_apscheduler.models import DjangoJobExecution
from support.startup import on_every_start

from eventapp.models import JobRun, SaveEvent
from eventapp.updater.patience import PatientJobStore

# Whoever meets the lock first says so: the job or the store retrying
# (eventapp.updater.patience), or the lease renewal (eventapp.leader).
STEP_LOGGER = "eventapp"


class ReleaseOnRetry(logging.Handler):
    """Let go of LOCK once the step says it will try again: the fault lasted past
    SQLite's timeout, and what matters is what happens next."""

    def __init__(self, lock: sqlite3.Connection) -> None:
        super().__init__(logging.WARNING)
        self.writer = lock
        self.retried = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if not self.retried.is_set():
            self.retried.set()
            self.writer.rollback()


def test_the_scheduler_and_the_job_wait_out_a_long_write_lock(clock, monkeypatch):
    monkeypatch.setitem(connections.settings["default"]["OPTIONS"], "timeout", 0.05)
    other_writer = sqlite3.connect(connection.settings_dict["NAME"], check_same_thread=False)
    other_writer.execute("BEGIN IMMEDIATE")  # what a long transaction elsewhere holds
    release = ReleaseOnRetry(other_writer)
    logging.getLogger(STEP_LOGGER).addHandler(release)
    try:
        runs = clock.advance(minutes=2)
    finally:
        logging.getLogger(STEP_LOGGER).removeHandler(release)
        other_writer.close()

    assert release.retried.is_set(), "the lock never got in the way: the test tested nothing"
    assert [run.ok for run in runs if run.job_id == "create_save"] == [True, True]
    assert clock.scheduler.running
    assert SaveEvent.objects.count() == 2
    statuses = DjangoJobExecution.objects.filter(job_id="create_save").values_list("status")
    assert list(statuses) == [(DjangoJobExecution.SUCCESS,)] * 2


def left_started_by_a_killed_leader(start_clock) -> DjangoJobExecution:
    """What a SIGKILL in the middle of a run leaves: the run's row, never finished."""
    clock = start_clock()
    clock.advance(minutes=1)
    clock.stop()
    left = DjangoJobExecution.objects.get(job_id="create_save")
    DjangoJobExecution.objects.filter(pk=left.pk).update(status=DjangoJobExecution.SENT)
    return left


def test_the_next_leader_records_a_run_left_started_as_interrupted(start_clock, signal_handlers):
    from eventapp.updater.history import INTERRUPTED

    left = left_started_by_a_killed_leader(start_clock)
    sigterm = lambda scheduler: os.kill(os.getpid(), signal.SIGTERM)  # noqa: E731

    with on_every_start(sigterm):
        call_command("runapscheduler")

    left.refresh_from_db()
    assert (left.status, left.exception) == (DjangoJobExecution.ERROR, INTERRUPTED)


def test_a_run_that_finishes_after_all_is_not_left_marked_interrupted(start_clock):
    """A leader that was only frozen may finish the run after its successor marked it:
    its own record of the run comes last, and it says what happened."""
    from eventapp.updater.history import mark_interrupted_runs

    left = left_started_by_a_killed_leader(start_clock)
    assert mark_interrupted_runs() == 1

    finished = JobExecutionEvent(EVENT_JOB_EXECUTED, "create_save", "default", left.run_time)
    PatientJobStore.handle_execution_event(finished)  # the frozen leader, woken up

    left.refresh_from_db()
    assert left.status == DjangoJobExecution.SUCCESS  # the note stays: it was cut off mid-run
    assert mark_interrupted_runs() == 0


def test_a_period_two_schedulers_ran_shows_in_the_log_and_on_the_home_page(
    clock, client, caplog, monkeypatch
):
    from eventapp.updater.history import claim_period

    [run] = [run for run in clock.advance(minutes=1) if run.job_id == "create_save"]
    [started] = JobRun.objects.filter(job_id="create_save")
    assert started.doubled_by == ""
    # The mistake: a second scheduler process (pid 4242) submits the same period.
    second_start = JobSubmissionEvent(
        EVENT_JOB_SUBMITTED, "create_save", "default", [run.scheduled_at]
    )
    with monkeypatch.context() as second_process:  # only while it claims: then ours again
        second_process.setattr("os.getpid", lambda: 4242)
        claim_period(second_start)

    started.refresh_from_db()
    assert started.doubled_by.startswith("process 4242 on ")
    assert "Two schedulers are running" in caplog.text
    page = client.get("/").content.decode()
    assert "Two schedulers are running:" in page
    assert "doubled by process 4242" in page


def test_job_runs_are_kept_a_week_like_the_history(clock):
    from eventapp.updater.updater import delete_old_job_executions

    JobRun.objects.create(job_id="x", run_time=clock.now() - timedelta(days=8), started_by="p")
    JobRun.objects.create(job_id="x", run_time=clock.now() - timedelta(days=6), started_by="p")

    delete_old_job_executions()

    assert JobRun.objects.count() == 1


def test_a_fault_that_outlasts_the_patience_gets_through(monkeypatch):
    from django.db import OperationalError

    from eventapp.updater.patience import retry_database_errors

    calls = []

    @retry_database_errors(within=0)
    def always_locked() -> None:
        calls.append(1)
        raise OperationalError("database is locked")

    with pytest.raises(OperationalError):
        always_locked()
    assert calls == [1]


def test_a_passing_fault_is_retried_after_a_pause(monkeypatch, caplog):
    from django.db import OperationalError

    from eventapp.updater import patience

    monkeypatch.setattr(patience, "FIRST_WAIT", 0.001)
    calls = []

    @patience.retry_database_errors(within=10)
    def locked_once() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return "written"

    assert locked_once() == "written"
    assert len(calls) == 2
    assert "locked_once: database is locked; trying again in 0.001 s" in caplog.text
