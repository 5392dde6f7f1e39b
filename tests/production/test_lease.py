"""The scheduler lease, in this process: one holder at a time, a standby that says whom it
waits for and takes over, a leader that renews it and stops once it cannot, and the fence:
a leader whose lease may have run out starts no run. runapscheduler stops cleanly on
SIGTERM: the running job finishes, and the lease is free for the standby at once."""

import os
import signal
import threading
from datetime import datetime, timedelta, timezone

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.utils import timezone as django_timezone
from django_apscheduler.models import DjangoJobExecution
from support.logs import listening
from support.startup import on_every_start

from eventapp.leader import FencedJobStore, Lease
from eventapp.models import SaveEvent, SchedulerLease
from eventapp.updater.updater import create_save

SLOW_JOB_STARTED = threading.Event()
FINISH_SLOW_JOB = threading.Event()


class Other(Lease):
    """The lease as another process sees it."""

    def __init__(self) -> None:
        super().__init__()
        self.holder = "process 4242 on host elsewhere"


def expire(name: str = "scheduler") -> None:
    """What the database's clock says once the holder has stopped renewing for a while."""
    past = django_timezone.now() - timedelta(minutes=1)
    SchedulerLease.objects.filter(name=name).update(expires_at=past)


def test_one_holder_at_a_time(transactional_db):
    ours, other = Lease(), Other()

    assert ours.take()
    assert ours.valid()
    assert not other.take()
    assert ours.take()  # a renewal

    expire()
    assert other.take()
    assert not ours.take()
    assert SchedulerLease.objects.get().holder == other.holder


def test_a_released_lease_is_free_at_once(transactional_db):
    ours, other = Lease(), Other()
    assert ours.take()

    ours.release()

    assert other.take()


def test_a_standby_says_whom_it_waits_for_then_takes_over(transactional_db, settings):
    settings.SCHEDULER_LEASE_SECONDS = 0.5  # it looks again every 0.1 s
    other = Other()
    assert other.take()
    took_over = threading.Event()
    with listening("eventapp.leader") as log:
        waiter = threading.Thread(
            target=lambda: Lease().wait(threading.Event()) and took_over.set()
        )
        waiter.start()
        waiting = log.wait_for("Waiting for the scheduler lease")
        other.release()
        assert took_over.wait(timeout=5)
        waiter.join()

    assert waiting.startswith("Waiting for the scheduler lease: held by process 4242 on host ")
    assert SchedulerLease.objects.get().holder.startswith(f"process {os.getpid()} on host ")


def test_a_standby_asked_to_stop_gives_up_waiting(transactional_db, settings):
    settings.SCHEDULER_LEASE_SECONDS = 0.5
    assert Other().take()
    stopping = threading.Event()
    threading.Timer(0.1, stopping.set).start()

    assert Lease().wait(stopping) is False


def test_the_leader_stops_once_another_process_holds_the_lease(transactional_db, settings):
    settings.SCHEDULER_LEASE_SECONDS = 0.5
    ours, other, stopping = Lease(), Other(), threading.Event()
    assert ours.take()
    expire()
    assert other.take()

    with listening("eventapp.leader") as log:
        ours.keep(stopping)  # returns once it has given up

    assert stopping.is_set() and ours.lost
    assert "Lost the scheduler lease (another process holds it): stopping" in log.seen


def test_a_passing_database_fault_is_retried_while_the_lease_lasts(
    transactional_db, settings, monkeypatch
):
    settings.SCHEDULER_LEASE_SECONDS = 0.5
    ours, stopping = Lease(), threading.Event()
    assert ours.take()
    real_take, calls = ours.take, []

    def restarting() -> bool:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("the database system is shutting down")
        stopping.set()  # one more renewal is enough for the test
        return real_take()

    monkeypatch.setattr(ours, "take", restarting)
    with listening("eventapp.leader") as log:
        ours.keep(stopping)

    assert not ours.lost and len(calls) == 2
    assert "Could not renew the scheduler lease: the database system is shutting down" in log.seen


def test_a_fault_that_outlasts_the_lease_stops_the_leader(transactional_db, settings, monkeypatch):
    settings.SCHEDULER_LEASE_SECONDS = 0.5
    ours, stopping = Lease(), threading.Event()

    def down() -> bool:
        raise OperationalError("connection refused")

    monkeypatch.setattr(ours, "take", down)
    with listening("eventapp.leader") as log:
        ours.keep(stopping)  # never renewed: not valid at all

    assert ours.lost and stopping.is_set()
    assert "Lost the scheduler lease (connection refused): stopping" in log.seen


LATER = datetime.now(timezone.utc) + timedelta(days=1)  # not due in real time: not run here


def a_store_with_a_job_due_later(lease: Lease) -> FencedJobStore:
    scheduler = BackgroundScheduler(timezone="UTC")
    store = FencedJobStore(lease)
    scheduler.add_jobstore(store, "default")
    scheduler.start(paused=True)
    scheduler.add_job(create_save, "interval", minutes=1, id="due", next_run_time=LATER)
    scheduler.shutdown()
    return store


def test_the_fence_hands_out_due_jobs_only_while_the_lease_is_valid(transactional_db):
    lease = Lease()
    assert lease.take()
    store = a_store_with_a_job_due_later(lease)
    assert [job.id for job in store.get_due_jobs(LATER)] == ["due"]

    lease.valid_until = 0  # what a leader frozen past its lease sees when it wakes

    with pytest.raises(RuntimeError, match="starting no run"):
        store.get_due_jobs(LATER)
    assert store.get_due_jobs(LATER - timedelta(hours=1)) == []  # nothing due: nothing to say


def test_a_leader_whose_lease_may_have_run_out_starts_no_run(transactional_db):
    lease = Lease()  # never taken: as if its last renewal were long ago
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_jobstore(FencedJobStore(lease), "default")
    now = datetime.now(timezone.utc)  # due now: without the fence it would run
    scheduler.add_job(create_save, "interval", minutes=1, id="due", next_run_time=now)
    with listening("apscheduler.scheduler") as log:
        scheduler.start()
        try:
            log.wait_for("starting no run")
        finally:
            scheduler.shutdown()

    assert not SaveEvent.objects.exists()


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


def in_a_thread(*steps) -> None:
    threading.Thread(target=lambda: [step() for step in steps], daemon=True).start()


def sigterm() -> None:
    os.kill(os.getpid(), signal.SIGTERM)


def run_slow_job_now(scheduler: BaseScheduler) -> None:
    now = datetime.now(timezone.utc)
    scheduler.add_job(slow_job, "interval", hours=1, next_run_time=now, id="slow")


def test_sigterm_lets_the_running_job_finish_records_it_and_frees_the_lease(
    transactional_db, signal_handlers, slow
):
    with listening("eventapp") as log, on_every_start(run_slow_job_now):
        in_a_thread(
            lambda: SLOW_JOB_STARTED.wait(10),
            sigterm,
            lambda: log.wait_for("Stopping the scheduler..."),
            FINISH_SLOW_JOB.set,
        )
        call_command("runapscheduler")  # returns: the exit status is 0

    [run] = DjangoJobExecution.objects.filter(job_id="slow")
    assert run.status == DjangoJobExecution.SUCCESS
    assert Other().take()  # free for the standby, without waiting for it to expire


def test_runapscheduler_stands_by_while_another_process_leads(
    transactional_db, signal_handlers, settings
):
    settings.SCHEDULER_LEASE_SECONDS = 0.5
    assert Other().take()
    with listening("eventapp") as log:
        in_a_thread(lambda: log.wait_for("Waiting for the scheduler lease: held by"), sigterm)
        call_command("runapscheduler")

    assert f"Stopped while standing by, in process {os.getpid()}" in log.seen
    assert "Scheduler started" not in "\n".join(log.seen)


def test_runapscheduler_exits_with_an_error_once_its_lease_is_lost(
    transactional_db, signal_handlers, settings
):
    settings.SCHEDULER_LEASE_SECONDS = 0.5

    def taken_over(scheduler: BaseScheduler) -> None:
        expire()
        assert Other().take()

    with (
        on_every_start(taken_over),
        pytest.raises(CommandError, match="Lost the scheduler lease") as error,
    ):
        call_command("runapscheduler")

    assert error.value.returncode == 1
