"""The web process edits the stored jobs through job_editor(): a BackgroundScheduler
started paused, which never runs a job. Only runapscheduler does."""

import logging
import threading
from datetime import datetime, timedelta, timezone

from apscheduler.events import EVENT_JOB_SUBMITTED
from apscheduler.schedulers.base import STATE_PAUSED
from django_apscheduler.models import DjangoJob, DjangoJobExecution

from eventapp.models import SaveEvent


class Seen(logging.Handler):
    """Sets EVENT once a log record says TEXT."""

    def __init__(self, text: str) -> None:
        super().__init__(logging.DEBUG)
        self.text, self.event = text, threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.event.set()


def test_the_editor_stores_a_due_job_and_runs_none(transactional_db, caplog):
    from eventapp.updater.updater import create_save, job_editor

    editor = job_editor.__wrapped__()  # a fresh one, as each web process makes its own
    submitted = []
    editor.add_listener(submitted.append, EVENT_JOB_SUBMITTED)
    due = datetime.now(timezone.utc) - timedelta(seconds=1)
    editor.add_job(create_save, "interval", minutes=1, id="due", next_run_time=due)

    seen = Seen("Scheduler is paused -- not processing jobs")
    caplog.set_level(logging.DEBUG, "apscheduler.scheduler")
    logging.getLogger("apscheduler.scheduler").addHandler(seen)
    try:
        editor.wakeup()  # its loop looks, and processes nothing: it is paused
        assert seen.event.wait(timeout=10)
    finally:
        logging.getLogger("apscheduler.scheduler").removeHandler(seen)
    # Not shut down, as no web process shuts its editor down: on the way out of its
    # loop a stopped scheduler would look at the due jobs once more.

    assert editor.state == STATE_PAUSED and submitted == []
    assert DjangoJob.objects.get(id="due").next_run_time == due
    assert SaveEvent.objects.count() == 0 and DjangoJobExecution.objects.count() == 0


def test_each_process_has_one_editor(db):
    from eventapp.updater.updater import job_editor

    assert job_editor() is job_editor()
    assert job_editor().state == STATE_PAUSED
