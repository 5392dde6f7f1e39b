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


def test_runapscheduler_wakes_its_scheduler_until_it_stops(monkeypatch):
    """So that it reads its job store, where web processes make their changes."""
    from eventapp.management.commands import runapscheduler

    monkeypatch.setattr(runapscheduler, "LOOK_FOR_CHANGES_EVERY", 0.001)
    stopped = threading.Event()
    wakeups = []

    class Scheduler:
        def wakeup(self) -> None:
            wakeups.append(True)
            if len(wakeups) == 3:
                stopped.set()

    runapscheduler.wake_up_regularly(Scheduler(), stopped)

    assert len(wakeups) == 3


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
