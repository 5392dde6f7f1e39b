"""Step 8 in a real browser, as `make run STEP=8` leaves it after `migrate`: the periodic
tasks are rows, and staff edit them in the admin. With --screenshots=DIR the docs'
picture is saved there."""

from pathlib import Path

from support.browser import chromium, log_in
from support.processes import runserver

TASKS = "/admin/django_celery_beat/periodictask/"


def test_staff_see_the_schedules_in_the_admin(staff_step_copy, request):
    with runserver(staff_step_copy, "--noreload") as server, chromium() as browser:
        server.wait_for("Quit the server with")
        page = browser.new_page(viewport={"width": 1000, "height": 560})
        log_in(page, server.url, TASKS)

        listed = page.inner_text("#result_list")
        for name in ("create_save", "close_finished_campaigns", "delete_old_saves"):
            assert name in listed
        assert "every minute" in listed and "Europe/Berlin" in listed
        folder = request.config.getoption("--screenshots")
        if folder:
            page.screenshot(path=Path(folder) / "step08-admin-tasks.png")
        server.interrupt()
