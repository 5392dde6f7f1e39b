"""The jobs page as a person uses it, in a real browser against a real runserver: log
in, add a job (after a crontab cron would refuse), pause, resume, run now, change its
trigger and remove it. Each is a form posted to the server, answered with a message.

With --screenshots=DIR it also saves the jobs page there (`make screenshots` writes
docs/assets/screenshots/)."""

import re

import pytest
from support.browser import chromium, log_in
from support.processes import runserver

WAIT_MS = 10_000


@pytest.fixture
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def server(staff_step_copy):
    with runserver(staff_step_copy, "--noreload") as server:
        server.wait_for("Quit the server with")
        yield server
        server.interrupt()


def row(page, job_id: str):
    return page.locator(f'#job-table tr[data-id="{job_id}"]')


def press(page, job_id: str, button: str) -> str:
    """Press BUTTON in JOB_ID's row; the message the page comes back with."""
    row(page, job_id).get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()
    return page.inner_text("ul.messagelist")


def test_staff_add_pause_resume_run_change_and_remove_a_job(browser, server, request):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(WAIT_MS)
    log_in(page, server.url, "/jobs/")

    page.fill("#id_id", "weekday-mornings")
    page.fill("#id_crontab", "30 6 * * 8")
    page.click("#job-form button")
    assert "day-of-week: not a value cron knows" in page.inner_text("#job-form")
    page.fill("#id_crontab", "30 6 * * mon-fri")  # the form kept the rest
    page.click("#job-form button")
    assert "Added weekday-mornings" in page.inner_text("ul.messagelist")
    added = row(page, "weekday-mornings").inner_text()
    assert "cron[30 6 * * mon-fri] (Europe/Berlin)" in added
    assert re.search(r" 06:30:00 CES?T", added)  # in the job's zone, no microseconds

    assert "Paused weekday-mornings" in press(page, "weekday-mornings", "Pause")
    assert "paused" in row(page, "weekday-mornings").inner_text()
    assert "Resumed weekday-mornings" in press(page, "weekday-mornings", "Resume")
    assert "paused" not in row(page, "weekday-mornings").inner_text()
    assert "runs now, as weekday-mornings@now" in press(page, "weekday-mornings", "Run now")
    assert "date[" in row(page, "weekday-mornings@now").inner_text()  # until a scheduler runs it

    change = row(page, "weekday-mornings").locator("details")
    change.locator("summary").click()
    change.locator("input[name=crontab]").fill("0 7 * * sat")
    assert "Changed weekday-mornings: cron[0 7 * * sat]" in press(
        page, "weekday-mornings", "Change"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # nothing overflows

    screenshots = request.config.getoption("--screenshots")
    if screenshots:
        save_screenshots(page, server.url, screenshots)

    warnings = []
    page.once("dialog", lambda dialog: (warnings.append(dialog.message), dialog.accept()))
    assert "Removed weekday-mornings" in press(page, "weekday-mornings", "Remove")
    assert "run records go with it" in warnings[0]
    assert row(page, "weekday-mornings").count() == 0


def save_screenshots(page, url: str, folder: str) -> None:
    from pathlib import Path

    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=target / "step05-jobs.png", full_page=True)
