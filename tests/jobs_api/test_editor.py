"""Where no scheduler runs, the API edits the stored jobs through a JobEditor: a
scheduler that never runs a job, so a web process never becomes a second scheduler."""

import threading
from datetime import datetime, timedelta, timezone

from django_apscheduler.models import DjangoJob, DjangoJobExecution

from eventapp.models import SaveEvent


def test_the_editor_stores_jobs_and_runs_none(transactional_db, eventapp_config):
    from eventapp.updater.updater import JobEditor, create_save, scheduler_for_edits

    threads_before = set(threading.enumerate())
    editor = scheduler_for_edits()
    assert isinstance(editor, JobEditor) and eventapp_config.scheduler is None
    assert scheduler_for_edits() is editor

    due = datetime.now(timezone.utc) - timedelta(seconds=1)
    editor.add_job(create_save, "interval", minutes=1, id="due", next_run_time=due)
    editor.wakeup()

    assert DjangoJob.objects.get(id="due").next_run_time == due
    assert SaveEvent.objects.count() == 0 and DjangoJobExecution.objects.count() == 0
    assert set(threading.enumerate()) == threads_before


def test_the_api_uses_the_running_scheduler_where_there_is_one(clock):
    from eventapp.updater.updater import scheduler_for_edits

    assert scheduler_for_edits() is clock.scheduler


def test_a_scheduler_looks_at_its_store_every_few_seconds(clock, monkeypatch):
    """So that a change made by a web process (a worker of gunicorn --preload, or beside
    runapscheduler) takes effect within seconds, and it stops looking once shut down."""
    from eventapp.updater import updater

    monkeypatch.setattr(updater, "LOOK_FOR_CHANGES_EVERY", 0.001)
    woken = threading.Event()
    real_wakeup = clock.scheduler.wakeup

    def wakeup() -> None:
        woken.set()
        real_wakeup()

    monkeypatch.setattr(clock.scheduler, "wakeup", wakeup)
    updater.look_for_changes_regularly(clock.scheduler)

    assert woken.wait(timeout=10)
    watchers = [t for t in threading.enumerate() if t.name == "store-watch"]
    updater.stop_scheduler()
    for watcher in watchers:
        watcher.join(timeout=10)
    assert not any(watcher.is_alive() for watcher in watchers)


def test_an_editor_shuts_down_like_any_scheduler(transactional_db):
    """APScheduler makes every scheduler implement shutdown(); the editor's has nothing
    of its own to stop (no thread), so it only closes its store."""
    from django_apscheduler.jobstores import DjangoJobStore

    from eventapp.updater.updater import JobEditor

    editor = JobEditor()
    editor.add_jobstore(DjangoJobStore(), "default")
    editor.start(paused=True)
    editor.shutdown()

    assert not editor.running
