"""A scheduler's life under the lock, in this process: runapscheduler stops cleanly on
SIGTERM (a running job finishes, within a bound), stands by while another leads, and
exits with an error when its lock is lost; a run a dead leader left "Started execution"
is marked interrupted, never run again; a web process stands by without blocking."""

import os
import signal
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from apscheduler.schedulers.base import BaseScheduler
from django.core.management import CommandError, call_command
from django_apscheduler.models import DjangoJob, DjangoJobExecution
from support.logs import listening
from support.startup import on_every_start
from support.steps import scheduler_module

from eventapp.leader import Leadership, scheduler_lock
from eventapp.models import SaveEvent, SchedulerHeartbeat
from eventapp.updater.history import INTERRUPTED

SLOW_JOB_STARTED = threading.Event()
FINISH_SLOW_JOB = threading.Event()


def slow_job() -> None:
    """A run that lasts until the test lets it finish."""
    SLOW_JOB_STARTED.set()
    FINISH_SLOW_JOB.wait(timeout=20)


@pytest.fixture
def slow():
    SLOW_JOB_STARTED.clear()
    FINISH_SLOW_JOB.clear()
    yield
    FINISH_SLOW_JOB.set()


def in_a_thread(*steps: Callable[[], object]) -> None:
    threading.Thread(target=lambda: [step() for step in steps], daemon=True).start()


def sigterm() -> None:
    os.kill(os.getpid(), signal.SIGTERM)


def run_slow_job_now(scheduler: BaseScheduler) -> None:
    now = datetime.now(timezone.utc)
    scheduler.add_job(slow_job, "interval", hours=1, next_run_time=now, id="slow")


def lock_is_free() -> bool:
    lock = scheduler_lock()
    free = lock.acquire(timeout=0)
    lock.release()
    return free


def test_sigterm_lets_the_running_job_finish_records_it_and_frees_the_lock(
    transactional_db, signal_handlers, slow
):
    with listening("eventapp") as log, on_every_start(run_slow_job_now):
        in_a_thread(
            lambda: SLOW_JOB_STARTED.wait(10),
            sigterm,
            lambda: log.wait_for("Stopping: waiting for running jobs (at most 25 s)"),
            FINISH_SLOW_JOB.set,
        )
        call_command("runapscheduler")  # returns: the exit status is 0

    [run] = DjangoJobExecution.objects.filter(job_id="slow")
    assert run.status == DjangoJobExecution.SUCCESS
    assert SchedulerHeartbeat.objects.get().stopped_at is not None
    assert lock_is_free()


def test_a_job_that_outlasts_the_shutdown_wait_is_abandoned(
    transactional_db, signal_handlers, slow, settings, monkeypatch
):
    settings.SCHEDULER_SHUTDOWN_WAIT = 0.2
    abandoned = threading.Event()

    def abandon() -> None:  # instead of exiting this process
        abandoned.set()
        FINISH_SLOW_JOB.set()

    monkeypatch.setattr("eventapp.management.commands.runapscheduler.abandon_running_jobs", abandon)
    with on_every_start(run_slow_job_now):
        in_a_thread(lambda: SLOW_JOB_STARTED.wait(10), sigterm)
        call_command("runapscheduler")

    assert abandoned.is_set()


def test_runapscheduler_stands_by_while_another_process_leads(
    transactional_db, signal_handlers, monkeypatch
):
    monkeypatch.setattr("eventapp.leader.WAIT_STEP", 0.1)
    other = Leadership()
    assert other.try_acquire()
    other.begin(on_lost=lambda: None)
    try:
        with listening("eventapp") as log:
            in_a_thread(
                lambda: log.wait_for("Waiting for the scheduler lock: held by process"), sigterm
            )
            call_command("runapscheduler")
    finally:
        other.end()

    assert "Stopped while standing by, in process" in "\n".join(log.seen)
    assert not DjangoJob.objects.exists()  # it never built a scheduler


def test_runapscheduler_exits_with_an_error_when_its_lock_is_lost(
    transactional_db, signal_handlers, settings
):
    settings.SCHEDULER_HEARTBEAT_SECONDS = 0.05
    with (
        on_every_start(lambda scheduler: scheduler_lock().path.unlink()),
        pytest.raises(CommandError, match="Lost the scheduler lock") as error,
    ):
        call_command("runapscheduler")

    assert error.value.returncode == 1


def test_a_run_left_started_by_a_dead_leader_is_marked_interrupted_not_rerun(
    start_clock, eventapp_config
):
    clock = start_clock()
    clock.advance(minutes=2)
    scheduler_module().stop_scheduler()
    # What a leader killed during its next run leaves: the run recorded as started,
    # the job moved on to the run after.
    job = DjangoJob.objects.get(id="create_save")
    killed_at = job.next_run_time
    DjangoJobExecution.objects.create(job=job, run_time=killed_at, status=DjangoJobExecution.SENT)
    DjangoJob.objects.filter(id=job.id).update(next_run_time=killed_at + timedelta(minutes=1))

    clock = start_clock(at=killed_at + timedelta(seconds=1))
    runs = clock.advance(minutes=2)

    run = DjangoJobExecution.objects.get(job_id="create_save", run_time=killed_at)
    assert run.status == DjangoJobExecution.ERROR
    assert run.exception == INTERRUPTED
    assert killed_at not in [r.scheduled_at for r in runs if r.job_id == "create_save"]


def test_each_run_is_recorded_and_its_job_moved_on_before_it_starts(clock, monkeypatch):
    seen = []
    real_create = SaveEvent.objects.create

    def create(**kwargs):
        (run,) = DjangoJobExecution.objects.filter(job_id="create_save").order_by("-run_time")[:1]
        seen.append(
            (run.run_time, run.status, DjangoJob.objects.get(id="create_save").next_run_time)
        )
        return real_create(**kwargs)

    monkeypatch.setattr(SaveEvent.objects, "create", create)
    [run] = clock.advance(minutes=1)

    assert seen == [
        (run.scheduled_at, DjangoJobExecution.SENT, run.scheduled_at + timedelta(minutes=1))
    ]


def test_a_web_process_stands_by_without_waiting_and_takes_over_later(
    transactional_db, settings, eventapp_config
):
    settings.SCHEDULER_AUTOSTART = True
    other = Leadership()
    assert other.try_acquire()
    other.begin(on_lost=lambda: None)
    try:
        with listening("eventapp") as log:
            eventapp_config.ready()  # returns at once: a thread waits for the lock
            assert eventapp_config.scheduler is None
            log.wait_for("Waiting for the scheduler lock")
            other.end()
            started = log.wait_for("Scheduler started in process")
        assert started == f"Scheduler started in process {os.getpid()}"
        assert eventapp_config.scheduler.running
    finally:
        other.end()
        scheduler_module().stop_scheduler()
    assert lock_is_free()


def test_a_web_process_that_loses_its_lock_stops_then_stands_by_again(
    settings, start_clock, eventapp_config
):
    settings.SCHEDULER_HEARTBEAT_SECONDS = 0.05
    first = start_clock().scheduler

    with listening("eventapp") as log:
        scheduler_lock().path.unlink()
        log.wait_for("Lost the scheduler lock")
        log.wait_for("Scheduler stopped in process")
        log.wait_for("Scheduler started in process")  # the lock file is back: it leads

    assert not first.running
    assert eventapp_config.scheduler is not first and eventapp_config.scheduler.running
