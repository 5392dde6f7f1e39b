"""The jobs page as a person uses it, in a real browser against a real runserver:
log in, add a cron job while watching the preview, pause, resume, run now, remove.

With --screenshots=DIR it also saves the jobs page there (`make screenshots` writes
docs/assets/screenshots/)."""

import re

import pytest
from support.browser import chromium, log_in
from support.processes import runserver

WAIT_MS = 10_000
FIVE_SUNDAY_NOONS = r"""() => {
    const items = [...document.querySelectorAll("#preview li")];
    return items.length === 5 && items.every(li => / 12:00:00 \+0[12]:00$/.test(li.textContent));
}"""
LAST_RUN_EXECUTED = """id => {
    const row = document.querySelector(`#job-table tr[data-id="${id}"]`);
    return row && row.textContent.includes("Executed");
}"""


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


def test_staff_add_preview_pause_resume_run_and_remove_a_job(browser, server, request):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(WAIT_MS)
    log_in(page, server.url, "/jobs/")
    page.wait_for_selector('#job-table tr[data-id="create_save"]')

    page.fill("#crontab", "0 12 * * 0")  # 0 is Sunday
    page.wait_for_function(FIVE_SUNDAY_NOONS)
    page.fill("#crontab", "0 12 * * 8")
    page.wait_for_selector("#preview.error")
    assert "day-of-week: not a value cron knows" in page.inner_text("#preview")

    page.fill("#crontab", "30 6 * * mon-fri")
    page.fill("#job-id", "weekday-mornings")
    page.click("#submit")
    added = row(page, "weekday-mornings")
    added.wait_for()
    assert "cron[30 6 * * mon-fri] (Europe/Berlin)" in added.inner_text()
    assert " 06:30:00 +0" in added.inner_text()  # in the job's zone, no microseconds

    added.locator("button[data-action=pause]").click()
    row(page, "weekday-mornings").locator("td.paused").wait_for()
    row(page, "weekday-mornings").locator("button[data-action=resume]").click()
    row(page, "weekday-mornings").locator("button[data-action=pause]").wait_for()
    assert "paused" not in row(page, "weekday-mornings").inner_text()

    row(page, "create_save").locator("button[data-action=run]").click()
    page.wait_for_function(LAST_RUN_EXECUTED, arg="create_save")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # nothing overflows
    assert not re.search(r"\d:\d\d\.\d", page.inner_text("#job-table"))  # no microseconds

    screenshots = request.config.getoption("--screenshots")
    if screenshots:
        save_screenshots(page, server.url, screenshots)

    warnings = []
    page.once("dialog", lambda dialog: (warnings.append(dialog.message), dialog.accept()))
    row(page, "weekday-mornings").locator("button[data-action=remove]").click()
    row(page, "weekday-mornings").wait_for(state="detached")
    assert "0 run record(s) in the admin go with it" in warnings[0]
    assert "remove: weekday-mornings" in page.inner_text("#message")


def save_screenshots(page, url: str, folder: str) -> None:
    from pathlib import Path

    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=target / "step05-jobs.png", full_page=True)
