"""The home page (and from step 3 the run history in the admin) in a real browser, as
`make run STEP=N` leaves them. With --screenshots=DIR the docs' pictures are saved there."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from support.browser import chromium, log_in
from support.processes import STEP_DIR, accelerated, clean_env, runserver

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
    # Twenty minutes of runs in a moment, then the real pace: a server started 20 min ago.
    now = datetime.now(timezone.utc)
    # (Step 6 beats every half second here, so the page shows a fresh heartbeat.)
    env = accelerated(
        clean_env(SCHEDULER_HEARTBEAT_SECONDS="0.5"), start=now - timedelta(minutes=20), until=now
    )
    with (
        runserver(staff_step_copy, "--noreload", env=env) as server,
        chromium() as browser,
    ):
        server.wait_for("Created Save #", count=15, timeout=60)  # a busy machine is slower
        page = browser.new_page(viewport={"width": SHOWN_WIDTH, "height": 700})
        page.goto(server.url)
        for _ in range(100):  # step 6: until the heartbeat written at the real pace shows
            if "stale" not in page.inner_text("body"):
                break
            page.reload()

        assert "running in this process" in page.inner_text("#scheduler-status")
        assert "stale" not in page.inner_text("body")
        assert page.locator("#jobs tr").count() >= 2  # the header and create_save
        assert page.locator("#rows tr").count() >= 5
        screenshot(page, "home")

        if (STEP_DIR / "eventapp" / "updater" / "history.py").exists():  # step 3 on
            page.set_viewport_size({"width": 1000, "height": 640})
            log_in(page, server.url, RUNS)
            assert "Executed" in page.inner_text("#result_list")
            screenshot(page, "admin-runs", full_page=False)  # the newest runs
        server.interrupt()
