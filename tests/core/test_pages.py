"""The home page shows the jobs, their next run and the rows; the admin is for staff."""

from datetime import datetime, timezone

from django.conf import settings

from eventapp.models import SaveEvent


def test_home_page_shows_the_rows_and_the_next_run_time(clock, client):
    clock.advance(minutes=3)
    next_run = clock.next_fire_time()

    page = client.get("/").content.decode()

    assert "create_save" in page
    assert next_run.strftime("%Y-%m-%d %H:%M:%S") in page
    for row in SaveEvent.objects.all():
        assert f"<td>{row.pk}</td><td>{row.saved}</td>" in page
    assert "(3 in all)" in page


def test_home_page_says_when_there_are_no_rows_yet(client, db):
    assert "No rows yet" in client.get("/").content.decode()


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


def test_the_row_reads_well_in_the_steps_time_zone():
    """The job's log line shows the row in the zone the log's own timestamps use."""
    row = SaveEvent(pk=7, saved=42)
    row.created_at = datetime(2026, 3, 2, 9, 1, 30, tzinfo=timezone.utc)
    local = {"UTC": "09:01:30 UTC", "Europe/Berlin": "10:01:30 CET"}[settings.TIME_ZONE]
    assert str(row) == f"Save #7: 42 at 2026-03-02 {local}"
