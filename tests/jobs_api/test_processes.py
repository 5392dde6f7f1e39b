"""The jobs API against real processes: runapscheduler, and a web process that runs no
jobs. A change made through the web reaches the scheduler within seconds, and only the
scheduler process ever runs a job. Real time here: these measure how soon it is seen
(both clocks start at the pages' day, at the real pace, for the run's lines in the docs)."""

import json
import signal
import time
import urllib.error
import urllib.parse
import urllib.request

from support.processes import command, on_the_pages_day, runserver, schedulers_started
from support.transcripts import assert_transcript_current
from support.web import StaffSession

SEEN_WITHIN = 5  # seconds: runapscheduler looks at its store every 2 s


def post(staff: StaffSession, path: str, fields: dict | None = None) -> tuple[int, dict]:
    """POST the fields as the page's form does, with the session and its CSRF token."""
    request = urllib.request.Request(
        f"{staff.base_url}{path}",
        data=urllib.parse.urlencode(fields or {}).encode(),
        headers={"X-CSRFToken": staff.csrf_token()},
    )
    try:
        with staff.opener.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def seconds_until(process, text: str) -> float:
    began = time.monotonic()
    process.wait_for(text, timeout=SEEN_WITHIN * 3)
    return time.monotonic() - began


def test_a_change_on_the_web_reaches_runapscheduler_within_seconds(staff_step_copy):
    with (  # the web's clock starts after the scheduler's: a job it adds "now" is due at once
        command(staff_step_copy, "runapscheduler", env=on_the_pages_day()) as scheduler,
        runserver(staff_step_copy, "--noreload", env=on_the_pages_day()) as web,
    ):
        scheduler.wait_for("Scheduler started in process")
        web.wait_for("Quit the server with")
        staff = StaffSession(web.url).login()

        status, once = post(staff, "/api/jobs/create_save/run")
        assert (status, once["id"]) == (202, "create_save@now")
        ran_after = seconds_until(scheduler, 'Running job "create_save (trigger: date')
        scheduler.wait_for("executed successfully")
        scheduler.wait_for("Removed job create_save@now")  # the loop's line may come last
        start = len(scheduler.output)

        status, paused = post(staff, "/api/jobs/create_save/pause")
        assert (status, paused["next_runs"]) == (200, [])
        fields = {"task": "report_open_campaigns", "crontab": "* * * * *", "timezone": "UTC"}
        assert post(staff, "/api/jobs/", {**fields, "id": "every-minute"})[0] == 201
        status, _ = post(staff, "/api/jobs/every-minute/run")
        added_after = seconds_until(scheduler, 'Running job "report_open_campaigns (trigger: date')

        web.interrupt()
        scheduler.send(signal.SIGTERM)

    assert schedulers_started(web.text) == []
    assert "Running job" not in web.text
    assert schedulers_started(scheduler.text) == [scheduler.process.pid]
    assert ran_after < SEEN_WITHIN and added_after < SEEN_WITHIN
    # The run's log lines, in this order (the threads print them in either).
    said = ["Running job", "Removed job create_save@now", "executed"]
    run_now = [next(line for line in scheduler.output[:start] if text in line) for text in said]
    assert_transcript_current("step05-run-now", "".join(run_now))
