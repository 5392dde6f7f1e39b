"""The scheduler rides out a busy database, and the run history tells the truth about
runs cut short by a dead process and periods that two schedulers both ran."""

import logging
import sqlite3
import threading
from datetime import timedelta

import pytest
from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from django.db import connection, connections
from django_apscheduler.models import DjangoJobExecution

from eventapp.models import JobRun, SaveEvent

# Whoever meets the lock first says so: the job retrying (eventapp.updater.patience) or,
# from step 6, the heartbeat (eventapp.leader).
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
    assert clock.scheduler._thread.is_alive()
    assert SaveEvent.objects.count() == 2
    statuses = DjangoJobExecution.objects.filter(job_id="create_save").values_list("status")
    assert list(statuses) == [(DjangoJobExecution.SUCCESS,)] * 2


def test_runs_left_started_by_a_dead_scheduler_are_recorded_as_interrupted(start_clock):
    from eventapp.updater.history import INTERRUPTED

    clock = start_clock()
    clock.advance(minutes=1)
    clock.stop()
    # What a SIGKILL in the middle of a run leaves: the run's row, never finished.
    left = DjangoJobExecution.objects.get(job_id="create_save")
    DjangoJobExecution.objects.filter(pk=left.pk).update(status=DjangoJobExecution.SENT)

    start_clock(at=clock.now())

    left.refresh_from_db()
    assert (left.status, left.exception) == (DjangoJobExecution.ERROR, INTERRUPTED)


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
    from eventapp.updater.history import delete_old_job_executions

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
