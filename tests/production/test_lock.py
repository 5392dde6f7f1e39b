"""The scheduler lock: one holder; a contender waits, says who it waits for, and takes
over as soon as the holder lets go. On an SQLite file and on a real PostgreSQL server."""

import threading
import time

import psycopg
import pytest
from django.db import connection
from support.logs import listening
from support.postgres import connect_kwargs, postgres_database

from eventapp.heartbeat import local_time
from eventapp.leader import (
    FileSchedulerLock,
    Leadership,
    LockLost,
    PostgresSchedulerLock,
    scheduler_lock,
)
from eventapp.models import SchedulerHeartbeat

TAKEOVER_WITHIN = 2.0  # seconds


@pytest.fixture(scope="module")
def postgres_url():
    with postgres_database("tut_step6_") as url:
        yield url


@pytest.fixture(params=["file", "postgresql"])
def make_lock(request, tmp_path):
    """Makes contenders for one lock: each call, a new one, as another process would."""
    if request.param == "file":
        return lambda: FileSchedulerLock(tmp_path / "db.sqlite3-scheduler.lock")
    url = request.getfixturevalue("postgres_url")
    return lambda: PostgresSchedulerLock(connect_kwargs(url))


@pytest.fixture
def contenders(make_lock):
    made = [make_lock(), make_lock()]
    yield made
    for lock in made:
        lock.release()


def test_one_holder_at_a_time(contenders):
    first, second = contenders

    assert first.acquire(timeout=0)
    assert not second.acquire(timeout=0)
    assert not second.acquire(timeout=0.2)  # waits, then gives up

    first.release()
    assert second.acquire(timeout=0)
    assert not first.acquire(timeout=0)


def test_a_waiting_contender_gets_the_lock_as_soon_as_it_is_free(contenders):
    first, second = contenders
    assert first.acquire(timeout=0)
    got = threading.Event()
    waiter = threading.Thread(target=lambda: second.acquire(timeout=10) and got.set())
    waiter.start()

    freed = time.monotonic()
    first.release()
    assert got.wait(timeout=TAKEOVER_WITHIN)
    waiter.join()

    assert time.monotonic() - freed < TAKEOVER_WITHIN


def test_the_holder_can_tell_its_lock_is_still_held(contenders):
    first, _ = contenders
    assert first.acquire(timeout=0)

    first.verify()  # no LockLost


def test_a_standby_says_who_it_waits_for_then_takes_over(contenders, transactional_db, leader_log):
    leader, standby = Leadership(contenders[0]), Leadership(contenders[1])
    assert leader.try_acquire()
    leader.begin(on_lost=lambda: None)
    took_over = threading.Event()

    waiter = threading.Thread(target=lambda: standby.wait() and took_over.set())
    waiter.start()
    waiting = leader_log.wait_for("Waiting for the scheduler lock")
    leader.end()
    assert took_over.wait(timeout=TAKEOVER_WITHIN)
    waiter.join()

    heartbeat = SchedulerHeartbeat.objects.get()
    assert waiting == (
        f"Waiting for the scheduler lock: held by process {heartbeat.pid} on host "
        f"{heartbeat.host} since {local_time(heartbeat.started_at)}"
    )
    assert heartbeat.stopped_at is not None  # the leader said it stopped
    leader_log.wait_for("Took over the scheduler lock after")


def test_a_standby_asked_to_stop_gives_up_waiting(contenders, transactional_db, monkeypatch):
    monkeypatch.setattr("eventapp.leader.WAIT_STEP", 0.1)  # how often it looks up
    first, second = contenders
    assert first.acquire(timeout=0)
    stop = threading.Event()
    threading.Timer(0.1, stop.set).start()

    assert Leadership(second).wait(stop) is False


def test_a_standby_told_to_stop_as_the_lock_comes_free_lets_it_go(contenders, transactional_db):
    first, second = contenders
    assert first.acquire(timeout=0)
    stop = threading.Event()

    class FreedWhileStopping:
        """SECOND, whose holder lets go while it waits, just as the standby is told to stop."""

        def acquire(self, timeout: float) -> bool:
            if timeout > 0:
                stop.set()
                first.release()
            return second.acquire(timeout)

        def release(self) -> None:
            second.release()

    assert Leadership(FreedWhileStopping()).wait(stop) is False
    assert first.acquire(timeout=0), "the standby kept the lock it was told to give up"


def test_a_deleted_lock_file_is_a_lost_lock(tmp_path):
    lock = FileSchedulerLock(tmp_path / "db.sqlite3-scheduler.lock")
    assert lock.acquire(timeout=0)

    lock.path.unlink()

    with pytest.raises(LockLost, match="deleted or replaced"):
        lock.verify()
    lock.release()


def test_the_advisory_lock_lives_on_its_own_connection(postgres_url):
    """Not a pooled or request connection, which Django closes: only its end frees it."""
    holder, contender = (PostgresSchedulerLock(connect_kwargs(postgres_url)) for _ in range(2))
    assert holder.acquire(timeout=0)
    try:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            locks = admin.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            ).fetchone()[0]
        assert locks == 1
        connection.close()  # Django's own connection has nothing to do with it
        assert not contender.acquire(timeout=0)
    finally:
        holder.release()
        contender.release()


def test_a_broken_advisory_lock_connection_stops_the_leader(
    postgres_url, transactional_db, settings
):
    """Should the lock's connection die (a server restart, a network cut), the server has
    freed the lock: the leader must stop at its next heartbeat."""
    settings.SCHEDULER_HEARTBEAT_SECONDS = 0.1
    lock = PostgresSchedulerLock(connect_kwargs(postgres_url))
    leadership = Leadership(lock)
    assert leadership.try_acquire()
    lost = threading.Event()
    leadership.begin(on_lost=lost.set)
    try:
        backend = lock._connection.info.backend_pid
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [backend])

        assert lost.wait(timeout=5)
        with pytest.raises(LockLost, match="PostgreSQL connection broke"):
            lock.verify()
        assert PostgresSchedulerLock(connect_kwargs(postgres_url)).acquire(timeout=0)
    finally:
        leadership.end()


def test_the_lock_for_the_sqlite_database_is_a_file_beside_it():
    lock = scheduler_lock()

    assert isinstance(lock, FileSchedulerLock)
    assert str(lock.path) == f"{connection.settings_dict['NAME']}-scheduler.lock"


@pytest.fixture
def leader_log():
    with listening("eventapp.leader") as messages:
        yield messages
