"""The home page shows the scheduler, its jobs and the rows; the admin is for staff."""

import pytest

from eventapp.models import SaveEvent


def test_home_page_shows_the_rows_and_the_next_run_time(clock, client):
    clock.advance(minutes=3)
    next_run = clock.next_fire_time()

    page = client.get("/").content.decode()

    assert "The scheduler is running in this process" in page
    assert "create_save" in page
    assert next_run.strftime("%Y-%m-%d %H:%M:%S") in page
    for row in SaveEvent.objects.all():
        assert f"<td>{row.pk}</td><td>{row.saved}</td>" in page
    assert "(3 in all)" in page


def test_home_page_says_when_no_scheduler_runs_here(client, db):
    page = client.get("/").content.decode()

    assert "No scheduler runs in this process" in page
    assert "No rows yet" in page


def test_home_page_refreshes_itself(client, db):
    assert '<meta http-equiv="refresh"' in client.get("/").content.decode()


def test_admin_lists_rows_for_staff(clock, admin_client):
    clock.advance(minutes=2)

    page = admin_client.get("/admin/eventapp/saveevent/").content.decode()

    assert "2 save events" in page
    for row in SaveEvent.objects.all():
        assert f"/admin/eventapp/saveevent/{row.pk}/change/" in page


def test_admin_sends_anonymous_users_to_the_login_page(client, db):
    response = client.get("/admin/eventapp/saveevent/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_row_reads_well():
    row = SaveEvent(pk=7, saved=42)
    from datetime import datetime, timezone

    row.created_at = datetime(2026, 3, 2, 9, 1, 30, tzinfo=timezone.utc)
    assert str(row) == "Save #7: 42 at 2026-03-02 09:01:30 UTC"


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_scheduler_thread_that_died_shows_as_dead(clock, client, monkeypatch):
    def broken_loop():
        raise RuntimeError("a bug in the scheduler's loop")

    monkeypatch.setattr(clock.scheduler, "_process_jobs", broken_loop)
    clock.scheduler.wakeup()
    clock.scheduler._thread.join(timeout=10)

    page = client.get("/").content.decode()

    assert "has died" in page
    assert "The scheduler is running" not in page


def test_a_forked_child_knows_it_runs_no_scheduler(clock, eventapp_config):
    """gunicorn --preload forks its workers from a master that started the scheduler:
    each worker has a copy of the object, but the thread stayed in the master."""
    import os

    assert eventapp_config.scheduler is clock.scheduler
    child = os.fork()
    if child == 0:  # pragma: no cover (the child process)
        os._exit(0 if eventapp_config.scheduler is None else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
