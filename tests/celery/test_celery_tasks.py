"""Step 8's tasks called directly, its schedules as rows, and its Celery settings."""

import importlib
import logging
import threading
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from celery.utils.imports import symbol_by_name
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone as django_timezone
from django_celery_beat.models import PeriodicTask
from support.pings import ping_server
from support.transcripts import assert_transcript_current

from eventapp import tasks
from eventapp.beat import LeaderScheduler
from eventapp.models import Campaign, SaveEvent
from eventproject.celery import app

TASK_ID = "9f0c4b5e-3d1a-4c2b-8e7f-6a5b4c3d2e1f"  # a message's id, as beat gives it


def deliver(task, task_id: str | None = None):
    """Run TASK as a worker runs a message: with its id (a new one if TASK_ID is None)."""
    return task.apply(task_id=task_id).get()


def test_a_task_saves_one_row(db):
    row_id = deliver(tasks.create_save, TASK_ID)

    row = SaveEvent.objects.get()
    assert (row.pk, row.task_id) == (row_id, TASK_ID)
    assert 0 <= row.saved < 100


def test_a_task_run_from_code_pings_its_own_name_with_the_time_it_ran(db, settings):
    ran_at = datetime(2026, 3, 2, 9, 1, tzinfo=timezone.utc)
    with ping_server() as pings, time_machine.travel(ran_at, tick=False):
        settings.HEALTHCHECKS_PING_URL = pings.url
        deliver(tasks.create_save, TASK_ID)  # no periodic task: no period from beat
    requests = pings.requests

    assert [(method, path) for method, path, _ in requests] == [
        ("POST", f"/create_save/start?rid={TASK_ID}"),
        ("POST", f"/create_save?rid={TASK_ID}"),
    ]
    assert {body for *_, body in requests} == {"period 2026-03-02T10:01:00+01:00\n"}  # Berlin


def test_a_second_delivery_of_a_task_writes_nothing(db, caplog):
    with caplog.at_level(logging.INFO, logger="eventapp.tasks"):
        first = deliver(tasks.create_save, TASK_ID)
        second = deliver(tasks.create_save, TASK_ID)

    assert second == first
    assert SaveEvent.objects.count() == 1
    assert f"create_save {TASK_ID}: #{first} saved it already" in caplog.text
    # What a worker's console shows for the two deliveries (the docs include it).
    plain = settings.LOGGING["formatters"]["plain"]
    formatter = logging.Formatter(plain["format"], style=plain["style"])
    lines = [formatter.format(record) for record in caplog.records]
    assert_transcript_current("step08-redelivery", "\n".join(lines) + "\n")


def test_two_deliveries_of_a_task_at_once_write_one_row(transactional_db):
    both_ready = threading.Barrier(2)
    results = []

    def deliver_in_a_thread() -> None:
        both_ready.wait(timeout=10)
        try:
            results.append(deliver(tasks.create_save, TASK_ID))
        finally:
            connection.close()  # the thread's own connection

    threads = [threading.Thread(target=deliver_in_a_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(results) == 2 and results[0] == results[1]
    assert SaveEvent.objects.count() == 1


def test_each_task_saves_a_row_of_its_own(db):
    deliver(tasks.create_save)  # each apply(), delay() or run from the admin is a new task
    deliver(tasks.create_save)

    assert len(set(SaveEvent.objects.values_list("task_id", flat=True))) == 2


def test_campaigns_that_have_ended_are_closed_in_one_update_once(db):
    now = django_timezone.now()
    ended = Campaign.objects.create(name="ended", ends_at=now - timedelta(minutes=1))
    running = Campaign.objects.create(name="running", ends_at=now + timedelta(days=1))

    with CaptureQueriesContext(connection) as queries:
        closed = deliver(tasks.close_finished_campaigns, TASK_ID)
    again = deliver(tasks.close_finished_campaigns, TASK_ID)

    ended.refresh_from_db()
    running.refresh_from_db()
    assert (closed, again) == (1, 0)
    assert (ended.status, running.status) == (Campaign.Status.CLOSED, Campaign.Status.OPEN)
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["UPDATE"]


def test_the_clean_up_keeps_a_week_of_rows(db):
    old = SaveEvent.objects.create(saved=1, task_id="old")
    recent = SaveEvent.objects.create(saved=2, task_id="recent")
    SaveEvent.objects.filter(pk=old.pk).update(
        created_at=django_timezone.now() - tasks.SAVES_KEPT - timedelta(seconds=1)
    )

    assert deliver(tasks.delete_old_saves) == 1
    assert list(SaveEvent.objects.values_list("pk", flat=True)) == [recent.pk]


def test_an_extra_save_is_a_one_off_clocked_periodic_task(db):
    run_at = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)

    task = tasks.schedule_extra_save(run_at)

    assert (task.task, task.one_off, task.clocked.clocked_time) == (
        "eventapp.tasks.create_save",
        True,
        run_at,
    )


def test_an_extra_save_decided_in_a_transaction_that_rolls_back_is_never_scheduled(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        tasks.schedule_extra_save(datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc))
        raise RuntimeError("the decision is rolled back")

    assert not PeriodicTask.objects.filter(one_off=True).exists()


def test_the_migration_schedules_the_three_tasks(db):
    rows = {task.name: task for task in PeriodicTask.objects.all()}

    assert {name: task.task for name, task in rows.items()} == {
        "create_save": "eventapp.tasks.create_save",
        "close_finished_campaigns": "eventapp.tasks.close_finished_campaigns",
        "delete_old_saves": "eventapp.tasks.delete_old_saves",
    }
    assert str(rows["create_save"].interval) == "every minute"
    daily, weekly = rows["close_finished_campaigns"].crontab, rows["delete_old_saves"].crontab
    assert (daily.minute, daily.hour, str(daily.timezone)) == ("20", "5", "Europe/Berlin")
    assert (weekly.minute, weekly.hour, weekly.day_of_week) == ("0", "0", "1")
    assert all(task.enabled for task in rows.values())


@pytest.mark.parametrize("name", ["create_save", "close_finished_campaigns", "delete_old_saves"])
def test_every_task_is_acknowledged_after_it_ran_and_delivered_again_if_its_worker_dies(name):
    task = app.tasks[f"eventapp.tasks.{name}"]

    assert task.acks_late is True
    assert task.reject_on_worker_lost is True


def test_celery_takes_its_settings_from_django():
    assert app.conf.timezone == settings.TIME_ZONE == "Europe/Berlin"
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.broker_transport_options["visibility_timeout"] == 3600
    assert app.conf.beat_max_loop_interval == 1
    assert app.conf.beat_sync_every == 1
    assert app.conf.beat_cron_starting_deadline is None  # a late daily run is sent, late
    assert symbol_by_name(app.conf.beat_scheduler) is LeaderScheduler


@pytest.mark.parametrize(
    ("environment", "url"),
    [(None, "redis://127.0.0.1:6379/0"), ("redis://10.0.0.7:6380/2", "redis://10.0.0.7:6380/2")],
)
def test_the_broker_url_comes_from_the_environment(monkeypatch, environment, url):
    import eventproject.settings as project_settings

    if environment is None:
        monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    else:
        monkeypatch.setenv("CELERY_BROKER_URL", environment)
    try:
        broker_url = importlib.reload(project_settings).CELERY_BROKER_URL
        assert broker_url == url
    finally:
        monkeypatch.undo()
        importlib.reload(project_settings)


def test_the_home_page_lists_the_periodic_tasks_and_the_rows(client, db):
    with time_machine.travel(datetime(2026, 3, 2, 9, 1, 30, tzinfo=timezone.utc)):
        deliver(tasks.create_save, TASK_ID)

    page = client.get("/").content.decode()

    for name in ["create_save", "close_finished_campaigns", "delete_old_saves"]:
        assert f"<td>{name}</td>" in page
    assert f"<td>{TASK_ID}</td><td>2026-03-02 10:01:30 CET</td>" in page  # in local time
    assert "(1 in all)" in page


def test_staff_edit_the_schedules_in_the_admin(admin_client, db):
    page = admin_client.get("/admin/django_celery_beat/periodictask/").content.decode()

    assert "3 periodic tasks" in page
    assert "close_finished_campaigns" in page


def test_the_rows_read_well():
    from eventapp.models import Campaign, SaveEvent

    row = SaveEvent(pk=7, saved=42, created_at=datetime(2026, 3, 2, 9, 1, tzinfo=timezone.utc))
    campaign = Campaign(name="spring sale", ends_at=datetime(2026, 3, 1, 18, tzinfo=timezone.utc))

    assert str(row) == "Save #7: 42 at 2026-03-02 10:01:00 CET"  # in TIME_ZONE
    assert str(campaign) == "spring sale (open, ends 2026-03-01 18:00 UTC)"


@pytest.mark.parametrize("entry_point", ["eventproject.wsgi", "eventproject.asgi"])
def test_the_server_entry_points_load_the_project(entry_point):
    import importlib
    import sys

    sys.modules.pop(entry_point, None)
    module = importlib.import_module(entry_point)

    assert callable(module.application)
