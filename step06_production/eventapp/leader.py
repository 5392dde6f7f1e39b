"""Exactly one process runs the jobs: the one holding the scheduler lock.

Every scheduler this project starts waits for the lock first: `runapscheduler`, and
the one a web process starts when SCHEDULER_AUTOSTART is on. So whatever goes wrong (a
second runapscheduler, autostart left on in gunicorn's workers, a deploy that overlaps
the old process and the new one), the others wait as standbys, and one takes over
within about a second of the leader's end, clean exit or SIGKILL alike. The lock is one
that the operating system or the database server frees when its process dies:

- PostgreSQL: a session-level advisory lock, on a connection of its own, held for the
  leader's whole life. Not pg_advisory_xact_lock(), freed when its transaction ends, and
  not on Django's connection, which is closed after each request or job (or goes back
  to a pool), freeing the lock with it.
- SQLite: an exclusive flock() on a file beside the database (filelock).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import psycopg
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from filelock import FileLock, Timeout

from .heartbeat import Heartbeat, current_leader

logger = logging.getLogger(__name__)

WAIT_STEP = 1.0  # seconds: how long a standby waits for the lock between looks at who holds it


class LockLost(Exception):
    """The lock may have been freed while this process led: another may lead now."""


class SchedulerLock(Protocol):
    def acquire(self, timeout: float) -> bool:
        """Take the lock, waiting up to TIMEOUT seconds (0: one try); True if taken."""

    def release(self) -> None: ...

    def verify(self) -> None:
        """Raise LockLost unless the lock is still certainly held."""


# --8<-- [start:file_lock]
class FileSchedulerLock:
    """flock() on a file beside the SQLite database; the kernel frees it when the process dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # thread_local=False: a standby thread may take the lock and a shutdown free it.
        # fallback_to_soft=False: a mere marker file would outlive a killed process.
        self._lock = FileLock(path, thread_local=False, fallback_to_soft=False)
        self._inode: int | None = None

    def acquire(self, timeout: float) -> bool:
        try:
            self._lock.acquire(timeout=timeout)
        except Timeout:
            return False
        self._inode = self.path.stat().st_ino
        return True

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release(force=True)

    def verify(self) -> None:
        # A flock belongs to the file, not to its name: deleted or replaced, the name
        # would let a newcomer lock another file while this process still leads.
        try:
            inode = self.path.stat().st_ino
        except FileNotFoundError:
            inode = None
        if inode != self._inode:
            raise LockLost(f"the lock file {self.path} was deleted or replaced")


# --8<-- [end:file_lock]


# --8<-- [start:advisory_lock]
# Any number works, as long as every process of this project uses the same one.
ADVISORY_LOCK_KEY = zlib.crc32(b"eventapp.scheduler")


class PostgresSchedulerLock:
    """A session-level advisory lock on a dedicated connection, for the leader's whole life."""

    def __init__(self, connect_kwargs: dict) -> None:
        self._connect_kwargs = connect_kwargs
        self._connection: psycopg.Connection | None = None

    def acquire(self, timeout: float) -> bool:
        try:
            db = self._connect()
            if timeout <= 0:
                query = "SELECT pg_try_advisory_lock(%s)"
                return db.execute(query, [ADVISORY_LOCK_KEY]).fetchone()[0]
            # Waiting in the server, not polling: the lock is ours the moment it is free.
            db.execute("SELECT set_config('lock_timeout', %s, false)", [f"{timeout * 1000:.0f}"])
            db.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
            return True
        except psycopg.errors.LockNotAvailable:
            return False
        except psycopg.OperationalError as error:
            logger.warning("Cannot reach PostgreSQL for the scheduler lock: %s", error)
            self.release()
            return False

    def release(self) -> None:
        if self._connection is None:
            return
        # Closing the session would free the lock too, but only once the server has
        # noticed: unlock first, so that a standby can take over at once.
        with contextlib.suppress(psycopg.Error):
            self._connection.execute("SELECT pg_advisory_unlock_all()")
        self._connection.close()
        self._connection = None

    def verify(self) -> None:
        if self._connection is None:
            raise LockLost("it was released")
        try:
            self._connection.execute("SELECT 1")
        except psycopg.Error as error:
            raise LockLost(f"its PostgreSQL connection broke ({error})") from error

    def _connect(self) -> psycopg.Connection:
        if self._connection is None or self._connection.closed:
            self._connection = psycopg.connect(**self._connect_kwargs, autocommit=True)
            # Should the leader's host vanish (a crash, a network cut), the server notices
            # in about 25 s, not hours, and frees the lock for a standby.
            for name, value in [
                ("tcp_keepalives_idle", "10"),
                ("tcp_keepalives_interval", "5"),
                ("tcp_keepalives_count", "3"),
            ]:
                self._connection.execute("SELECT set_config(%s, %s, false)", [name, value])
        return self._connection


# --8<-- [end:advisory_lock]


def scheduler_lock(alias: str = DEFAULT_DB_ALIAS) -> SchedulerLock:
    """The lock that fits the database the jobs are stored in."""
    db = connections[alias]
    if db.vendor == "postgresql":
        # Django's connection parameters, without its pool (get_connection_params()).
        return PostgresSchedulerLock(db.get_connection_params())
    if db.vendor == "sqlite" and not db.is_in_memory_db():
        return FileSchedulerLock(Path(f"{db.settings_dict['NAME']}-scheduler.lock"))
    raise ImproperlyConfigured(
        f"No scheduler lock for the {db.vendor} database {db.settings_dict['NAME']!r}: use "
        "PostgreSQL or an SQLite file (see the eventapp.E005 system check)."
    )


class Leadership:
    """This process's claim to run the jobs: the lock, and the heartbeat that shows it."""

    def __init__(self, lock: SchedulerLock | None = None) -> None:
        self.lock = lock if lock is not None else scheduler_lock()
        self.heartbeat = Heartbeat()
        self._done = threading.Event()
        self._beater: threading.Thread | None = None

    def try_acquire(self) -> bool:
        return self.lock.acquire(timeout=0)

    # --8<-- [start:standby]
    def wait(self, stop: threading.Event | None = None) -> bool:
        """Stand by until this process holds the lock (True), or until STOP is set (False)."""
        stop = stop or threading.Event()
        if self.try_acquire():
            return True
        began = time.monotonic()
        told = None
        while not stop.is_set():
            holder = leader_for_the_log()
            if holder != told:
                logger.info("Waiting for the scheduler lock: held by %s", holder)
                told = holder
            round_began = time.monotonic()
            if self.lock.acquire(timeout=WAIT_STEP):
                if stop.is_set():  # asked to stop while the lock came free
                    self.lock.release()
                    return False
                logger.info("Took over the scheduler lock after %.1f s", time.monotonic() - began)
                return True
            # An attempt that failed at once (the database is down) must not spin.
            stop.wait(max(0.0, WAIT_STEP - (time.monotonic() - round_began)))
        return False

    # --8<-- [end:standby]

    # --8<-- [start:lead]
    def begin(self, on_lost: Callable[[], None]) -> None:
        """Announce this process as the leader, and keep saying so every few seconds.

        Should the lock be lost meanwhile (its PostgreSQL connection broke, say), another
        process may take over at once: ON_LOST must then stop this scheduler.
        """
        self.heartbeat.start()
        self._beater = threading.Thread(
            target=self._beat, args=(on_lost,), name="scheduler-heartbeat", daemon=True
        )
        self._beater.start()

    def _beat(self, on_lost: Callable[[], None]) -> None:
        try:
            while not self._done.wait(settings.SCHEDULER_HEARTBEAT_SECONDS):
                try:
                    self.lock.verify()
                except LockLost as lost:
                    logger.error("Lost the scheduler lock: %s. Stopping this scheduler.", lost)
                    on_lost()
                    return
                try:
                    self.heartbeat.beat()
                except DatabaseError as error:  # the database is away: try again next beat
                    logger.warning("Could not write the scheduler heartbeat: %s", error)
                    connection.close()
        finally:
            connection.close()  # this thread's own

    def end(self) -> None:
        """Stop beating, say so, and free the lock for a standby."""
        self._done.set()
        if self._beater is not None and self._beater is not threading.current_thread():
            self._beater.join()
        try:
            self.heartbeat.stop()
        except DatabaseError as error:
            logger.warning("Could not record the scheduler's stop: %s", error)
        self.lock.release()

    # --8<-- [end:lead]


def leader_for_the_log() -> str:
    try:
        return current_leader()
    except DatabaseError as error:
        connection.close()
        return f"another process (the heartbeat cannot be read: {error})"
