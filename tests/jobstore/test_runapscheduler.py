"""The production set-up, as real processes: `manage.py runapscheduler` runs the jobs,
the web process runs none, and the schedule survives a killed scheduler process."""

import signal
import sqlite3
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest
from harness import DEFAULT_START
from support.processes import (
    STEP_DIR,
    command,
    lines_through,
    runserver,
    schedulers_started,
)
from support.transcripts import assert_transcript_current

START = datetime(2026, 3, 2, 9, 0, 30, tzinfo=timezone.utc)
GRACE = timedelta(seconds=30)  # create_save's misfire_grace_time
EXECUTED = "executed successfully"
ROW_CREATED = "Created Save #"  # logged by create_save once its row is committed
APSCHEDULER_STARTED = "apscheduler.scheduler: Scheduler started"  # the end of the start-up


@pytest.fixture
def step_copy(set_up_copy, tmp_path):
    """A copy with a database of its own, so each test starts with no jobs stored."""
    return set_up_copy(tmp_path)


def query(step, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(step / "db.sqlite3") as db:
        return db.execute(sql, params).fetchall()


def utc(stored: str) -> datetime:
    """Django keeps date-times in SQLite as UTC text without an offset."""
    return datetime.fromisoformat(stored).replace(tzinfo=timezone.utc)


def stored_jobs(step) -> dict[str, datetime]:
    """Each stored job id and its next run time."""
    rows = query(step, "SELECT id, next_run_time FROM django_apscheduler_djangojob")
    return {job_id: utc(at) for job_id, at in rows}


def executions(step) -> list[tuple[datetime, str]]:
    rows = query(
        step,
        "SELECT run_time, status FROM django_apscheduler_djangojobexecution"
        " WHERE job_id = 'create_save' ORDER BY run_time",
    )
    return [
        (datetime.fromisoformat(at).replace(tzinfo=timezone.utc), status) for at, status in rows
    ]


def test_runapscheduler_runs_the_jobs_and_stops_cleanly_on_sigterm(step_copy):
    # From the pages' day (DEFAULT_START): the docs show its start-up, whole.
    with command(step_copy, "runapscheduler", accelerate=True, start=DEFAULT_START) as scheduler:
        [started] = scheduler.wait_for("Scheduler started in process")
        scheduler.wait_for(ROW_CREATED, count=3)

        assert scheduler.send(signal.SIGTERM) == 0

    assert schedulers_started(started) == [scheduler.process.pid]
    assert f"Scheduler stopped in process {scheduler.process.pid}" in scheduler.text
    start_up = lines_through(scheduler.text, APSCHEDULER_STARTED)  # its jobs stored
    assert_transcript_current(f"{STEP_DIR.name[:6]}-runapscheduler", start_up)
    assert query(step_copy, "SELECT COUNT(*) FROM eventapp_saveevent")[0][0] >= 3
    assert [status for _, status in executions(step_copy)][:3] == ["Executed"] * 3


def test_the_web_process_runs_no_scheduler_beside_runapscheduler(step_copy):
    with (
        command(step_copy, "runapscheduler", accelerate=True) as scheduler,
        runserver(step_copy) as web,  # the autoreloader on, as a reader runs it
    ):
        scheduler.wait_for(EXECUTED, count=2)
        web.wait_for("Quit the server with")
        page = urllib.request.urlopen(web.url, timeout=10).read().decode()
        web.interrupt()
        assert scheduler.interrupt() == 0  # Ctrl+C

    assert "create_save" in page  # as the scheduler process stored it
    assert schedulers_started(web.text) == []
    assert schedulers_started(scheduler.text) == [scheduler.process.pid]
    assert f"Scheduler stopped in process {scheduler.process.pid}" in scheduler.text


def run_until_killed(step, start: datetime, runs: int) -> str:
    """Run runapscheduler from START (simulated) until RUNS runs, then SIGKILL it."""
    with command(step, "runapscheduler", accelerate=True, start=start) as scheduler:
        scheduler.wait_for(EXECUTED, count=runs)
        scheduler.send(signal.SIGKILL)
    return scheduler.text


def test_a_killed_scheduler_process_picks_up_where_it_left(step_copy):
    run_until_killed(step_copy, START, runs=2)
    jobs = stored_jobs(step_copy)
    due = jobs["create_save"]

    # Down for a moment: the run it missed runs as it comes back, once.
    output = run_until_killed(step_copy, due + GRACE / 2, runs=2)
    assert f"(scheduled at {due})" in output
    after_short = stored_jobs(step_copy)

    # Down for hours: the latest missed run is recorded as missed, and skipped.
    latest = after_short["create_save"] + timedelta(hours=3)
    output = run_until_killed(step_copy, latest + GRACE * 1.5, runs=1)
    assert "was missed by" in output

    assert set(after_short) == set(jobs)  # each job once, under its id
    assert after_short["delete_old_job_executions"] == jobs["delete_old_job_executions"]
    history = executions(step_copy)
    assert (due, "Executed") in history
    assert (latest, "Missed!") in history
    times = [at for at, _ in history]
    assert len(times) == len(set(times))
    assert all((at - times[0]) % timedelta(minutes=1) == timedelta(0) for at in times)
