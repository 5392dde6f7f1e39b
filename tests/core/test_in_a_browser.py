"""The home page (and from step 3 the run history in the admin) in a real browser, as
`make run STEP=N` leaves them. With --screenshots=DIR the docs' pictures are saved there."""

from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from support.browser import chromium, log_in
from support.processes import STEP_DIR, accelerated, clean_env, command, runserver
from support.steps import runs_in_the_web_process

SHOWN_WIDTH = 900  # about the width of the docs' text column: the picture is not scaled down
RUNS = "/admin/django_apscheduler/djangojobexecution/"


@pytest.fixture
def screenshot(request):
    folder = request.config.getoption("--screenshots")

    def save(page, name: str, full_page: bool = True) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            path = Path(folder) / f"{STEP_DIR.name[:6]}-{name}.png"
            page.screenshot(path=path, full_page=full_page)

    return save


def test_the_home_page_and_the_run_history(staff_step_copy, screenshot):
    # Twenty minutes of runs in a moment, then the real pace: a scheduler started 20 min ago.
    now = datetime.now(timezone.utc)
    fast = accelerated(clean_env(), start=now - timedelta(minutes=20), until=now)
    with ExitStack() as stack:
        if runs_in_the_web_process():  # steps 1 and 2
            server = runserver(staff_step_copy, "--noreload", env=fast)
            web = scheduler = stack.enter_context(server)
        else:
            scheduler = stack.enter_context(command(staff_step_copy, "runapscheduler", env=fast))
            web = stack.enter_context(runserver(staff_step_copy, "--noreload"))
        browser = stack.enter_context(chromium())
        scheduler.wait_for("Created Save #", count=15, timeout=60)  # a busy machine is slower
        web.wait_for("Quit the server with")
        page = browser.new_page(viewport={"width": SHOWN_WIDTH, "height": 700})
        page.goto(web.url)

        assert "create_save" in page.inner_text("#jobs")
        assert page.locator("#rows tr").count() >= 5
        screenshot(page, "home")

        if not runs_in_the_web_process():  # step 3 on: the run history
            page.set_viewport_size({"width": 1000, "height": 640})
            log_in(page, web.url, RUNS)
            assert "Executed" in page.inner_text("#result_list")
            screenshot(page, "admin-runs", full_page=False)  # the newest runs
