"""The jobs API with real processes, in both set-ups: the scheduler inside the web
process, and `runapscheduler` beside a web process started with SCHEDULER_AUTOSTART=0.
A change made through the web process reaches the scheduler within seconds, and only
one process ever runs jobs. Real time here: these measure how soon a change is seen."""

import signal
import time
from datetime import datetime, timedelta, timezone

from support.processes import clean_env, command, runserver, schedulers_started
from support.web import StaffSession

RUNNING = 'Running job "{}'
SEEN_WITHIN = 5  # seconds: runapscheduler looks at its store every 2 s


def soon(seconds: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).isoformat()


def seconds_until(process, text: str) -> float:
    began = time.monotonic()
    process.wait_for(text, timeout=SEEN_WITHIN * 3)
    return time.monotonic() - began


def add_then_run_now(staff: StaffSession, scheduler) -> tuple[float, float]:
    """Through the web: add a one-off job due in a second, then "run now" create_save.
    How long each took to start in the process that runs the jobs (SCHEDULER)."""
    status, job = staff.api(
        "POST",
        "/api/jobs/",
        {"task": "report_open_campaigns", "trigger": "date", "run_date": soon(1)},
    )
    assert status == 201, job
    added_after = seconds_until(scheduler, RUNNING.format("report_open_campaigns"))
    status, _ = staff.api("POST", "/api/jobs/create_save/run")
    assert status == 202
    ran_after = seconds_until(scheduler, RUNNING.format("create_save"))
    return added_after, ran_after


def wait_until_moved_on(staff: StaffSession, job_id: str) -> None:
    """Until the process that runs the jobs has stored JOB_ID's next run, in the future,
    after the run "run now" asked for. It stores the whole job then, so a pause sent in
    between would be undone by it."""
    deadline = time.monotonic() + SEEN_WITHIN
    while time.monotonic() < deadline:
        _, listed = staff.api("GET", "/api/jobs/")
        [job] = [job for job in listed["jobs"] if job["id"] == job_id]
        if datetime.fromisoformat(job["next_run_time"]) > datetime.now(timezone.utc):
            return
    raise AssertionError(f"{job_id}'s next run was not stored within {SEEN_WITHIN} s")


def test_with_the_scheduler_in_the_web_process(staff_step_copy):
    with runserver(staff_step_copy, "--noreload") as web:
        [started] = web.wait_for("Scheduler started in process")
        web.wait_for("Quit the server with")
        staff = StaffSession(web.url).login()

        added_after, ran_after = add_then_run_now(staff, web)

        assert web.interrupt() == 0

    assert schedulers_started(web.text) == schedulers_started(started)
    assert added_after < SEEN_WITHIN
    assert ran_after < SEEN_WITHIN


def test_with_runapscheduler_and_a_web_process_that_runs_no_jobs(staff_step_copy):
    web_env = clean_env(SCHEDULER_AUTOSTART="0")
    with (
        command(staff_step_copy, "runapscheduler") as scheduler,
        runserver(staff_step_copy, "--noreload", env=web_env) as web,
    ):
        scheduler.wait_for("Scheduler started in process")
        web.wait_for("Quit the server with")
        staff = StaffSession(web.url).login()

        added_after, ran_after = add_then_run_now(staff, scheduler)
        wait_until_moved_on(staff, "create_save")

        status, paused = staff.api("POST", "/api/jobs/create_save/pause")
        assert (status, paused["paused"]) == (200, True)
        status, listed = staff.api("GET", "/api/jobs/")
        assert {job["id"]: job["paused"] for job in listed["jobs"]}["create_save"] is True

        web.interrupt()
        scheduler.send(signal.SIGTERM)

    assert schedulers_started(web.text) == []
    assert "Running job" not in web.text
    assert schedulers_started(scheduler.text) == [scheduler.process.pid]
    assert added_after < SEEN_WITHIN
    assert ran_after < SEEN_WITHIN
