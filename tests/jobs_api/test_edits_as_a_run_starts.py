"""An edit stored while the scheduler starts the job is kept, not undone by its write-back.

APScheduler reads the due jobs, starts them, then writes each one back whole. These tests
put an edit exactly in between, every time: the test holds the database's write lock
from before the run is due; the scheduler reads, starts the run and waits for the lock to
write the job back; the edit goes through the jobs API inside the test's transaction; then
the lock is released and the write-back happens. With a plain DjangoJobStore the
write-back overwrites the edit (a pause undone, the old trigger back, a removed job back).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_SUBMITTED, EVENT_SCHEDULER_START
from apscheduler.schedulers.base import BaseScheduler
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_apscheduler.models import DjangoJob
from support.steps import scheduler_module

from eventapp.updater.updater import create_save, job_editor

WAIT = 10  # seconds, at most, for each step of the scheduler
ATTEMPTS = 5
EDITS = {
    "pause": ({}, lambda job: job.next_run_time is None),
    "change": ({"crontab": "0 3 * * *", "timezone": "UTC"}, lambda job: "0 3" in str(job.trigger)),
}


class Seen(logging.Handler):
    """Set EVENT when a record's message starts with TEXT."""

    def __init__(self, text: str, event: threading.Event) -> None:
        super().__init__()
        self.text, self.event = text, event

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith(self.text):
            self.event.set()


@dataclass
class RunStart:
    """The step's own scheduler, and job `edited`, which `due_soon()` makes due."""

    scheduler: BaseScheduler
    started: threading.Event  # the executor said "Running job"
    written_back: threading.Event  # EVENT_JOB_SUBMITTED: after the write-back

    def due_soon(self) -> datetime:
        self.started.clear()
        self.written_back.clear()
        due = timezone.now() + timedelta(seconds=0.2)
        job_editor().modify_job("edited", next_run_time=due)
        self.scheduler.wakeup()  # as runapscheduler does every 2 s
        return due


@pytest.fixture
def run_start(transactional_db) -> Iterator[RunStart]:
    job_editor().add_job(create_save, "interval", hours=1, id="edited", next_run_time=None)
    scheduler = scheduler_module().build_scheduler()
    run_start = RunStart(scheduler, threading.Event(), threading.Event())
    scheduler.add_listener(lambda event: run_start.written_back.set(), EVENT_JOB_SUBMITTED)
    ready = threading.Event()
    scheduler.add_listener(lambda event: ready.set(), EVENT_SCHEDULER_START)
    executor_log = logging.getLogger("apscheduler.executors.default")
    seen, level = Seen('Running job "create_save', run_start.started), executor_log.level
    executor_log.addHandler(seen)
    executor_log.setLevel(logging.INFO)
    thread = threading.Thread(target=scheduler.start, name="runapscheduler", daemon=True)
    thread.start()
    assert ready.wait(WAIT), "the scheduler did not start"
    yield run_start
    scheduler.shutdown()
    thread.join(WAIT)
    executor_log.removeHandler(seen)
    executor_log.setLevel(level)


@contextmanager
def holding_the_lock_as_it_starts(run_start: RunStart) -> Iterator[None]:
    """Hold the job's row (SQLite: the write lock) from before its run is due until the
    run has started and waits to write the job back. A run that came before the lock
    was taken is no test of the race: then try again."""
    for _ in range(ATTEMPTS):
        due = run_start.due_soon()
        with transaction.atomic():
            row = DjangoJob.objects.select_for_update().get(id="edited")
            if row.next_run_time == due:  # not run yet, and cannot be written back now
                assert run_start.started.wait(WAIT), "the run did not start"
                assert not run_start.written_back.is_set()
                yield
                break
        assert run_start.written_back.wait(WAIT)  # too late: let that run finish
    else:
        pytest.fail(f"no run started while the lock was held, in {ATTEMPTS} attempts")
    assert run_start.written_back.wait(WAIT), "the scheduler did not write the job back"


@pytest.mark.parametrize("edit", EDITS)
def test_an_edit_stored_as_the_run_starts_is_kept(run_start, admin_client, edit):
    fields, holds = EDITS[edit]
    with holding_the_lock_as_it_starts(run_start):
        assert admin_client.post(f"/api/jobs/edited/{edit}", fields).status_code == 200

    assert holds(job_editor().get_job("edited"))


def test_a_job_removed_as_its_run_starts_stays_removed(run_start, admin_client):
    with holding_the_lock_as_it_starts(run_start):
        assert admin_client.post("/api/jobs/edited/remove").status_code == 200

    assert job_editor().get_job("edited") is None


ROUNDS = 30


def test_two_edits_of_one_job_at_once_are_both_kept(transactional_db, admin_user):
    """A pause and a new trigger sent together, from two threads, 30 times: each view
    reads and writes the job's row locked, so the second sees the first's write."""
    job_editor().add_job(create_save, "interval", hours=1, id="edited")
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(admin_user)
    start_together = threading.Barrier(2)

    def send(client: Client, path: str, fields: dict) -> int:
        start_together.wait(WAIT)
        return client.post(path, fields).status_code

    with ThreadPoolExecutor(2) as pool:
        for attempt in range(ROUNDS):
            crontab = f"{attempt} 3 * * *"
            job_editor().resume_job("edited")
            pause = pool.submit(send, clients[0], "/api/jobs/edited/pause", {})
            change = pool.submit(
                send, clients[1], "/api/jobs/edited/change", {"crontab": crontab, "timezone": "UTC"}
            )
            assert (pause.result(), change.result()) == (200, 200)
            job = job_editor().get_job("edited")
            assert (str(job.trigger), job.next_run_time) == (f"cron[{crontab}]", None), attempt
