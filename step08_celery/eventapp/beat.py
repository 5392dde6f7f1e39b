"""Beat's scheduler: django-celery-beat's DatabaseScheduler, sending only while it leads.

Celery's rule is one beat: two would send every task twice. Yet two may run, in a
deploy's overlap or as a standby on a second machine. LeaderScheduler sends only while
it holds a lock in Redis (redis-py's Lock: a key that expires unless its holder extends
it). Everything else, when a task is due and what is written down, is DatabaseScheduler's.
"""

import contextlib
import logging
import os
import secrets
import socket

import redis
from celery.beat import SchedulingError
from django_celery_beat.models import PeriodicTasks
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)

LOCK_NAME = "eventproject:beat-leader"


# --8<-- [start:leader]
class LeaderScheduler(DatabaseScheduler):
    """A DatabaseScheduler that sends tasks only while it holds the leader lock."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.leading = False
        self.standing_by_because: str | None = None
        # The lock's value: who leads (the host, the process, and one scheduler in it).
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        # The leader extends the lock on every tick, at least every max_interval seconds;
        # a standby takes it once it has expired. A Redis that does not answer within
        # max_interval counts as down.
        self.lock_timeout = 5 * self.max_interval
        client = redis.Redis.from_url(self.app.conf.broker_url, socket_timeout=self.max_interval)
        self.lock = client.lock(LOCK_NAME, timeout=self.lock_timeout, thread_local=False)

    def tick(self, *args, **kwargs) -> float:
        if not self.lead():
            return self.max_interval  # a standby: try again then
        return super().tick(*args, **kwargs)

    def lead(self) -> bool:
        """Extend the lock, or take it if it is free. False while another beat leads."""
        try:
            if self.leading:
                self.lock.extend(self.lock_timeout, replace_ttl=True)
            elif self.lock.acquire(blocking=False, token=self.holder):
                self.leading, self.standing_by_because = True, None
                logger.info("Beat %s leads", self.holder)
                # django-celery-beat's own signal that the schedule changed, then a read of
                # it (the property reads the database): this beat goes on from the last runs
                # the previous leader wrote down. Read here, not first in tick(): that would
                # read it again after tick's first send, and send that task a second time.
                PeriodicTasks.update_changed()
                self.schedule  # noqa: B018
            else:
                self.stand_by("another beat holds the lock")
        except redis.exceptions.LockNotOwnedError:  # expired while this beat was stalled
            self.stand_by("its lock expired")
        except redis.exceptions.RedisError as error:
            self.stand_by(f"Redis: {error}")
        return self.leading

    def stand_by(self, reason: str) -> None:
        if reason != self.standing_by_because:  # say it once
            logger.warning("Beat %s stands by: %s", self.holder, reason)
        self.leading, self.standing_by_because = False, reason

    def close(self) -> None:
        super().close()  # writes down the last runs
        if self.leading:  # a clean stop hands over at once, not after the timeout
            self.leading = False
            with contextlib.suppress(redis.exceptions.RedisError):  # else it expires
                self.lock.release()
                logger.info("Beat %s released the lock", self.holder)

    # --8<-- [end:leader]

    # --8<-- [start:apply_entry]
    def apply_entry(self, entry, producer=None) -> None:
        """Send ENTRY; if that fails, write down that it did not run, so it stays due."""
        try:
            result = self.apply_async(entry, producer=producer, advance=False)
        except SchedulingError as error:
            logger.error("Could not send %s, trying again: %s", entry.name, error)
            # tick() wrote the run down before it sent it (reserve()); ENTRY is as before.
            entry.model.last_run_at = entry.last_run_at
            entry.model.total_run_count = entry.total_run_count
            entry.save()
            PeriodicTasks.update_changed()  # read it back: due again now
        else:
            logger.info("Sent %s as task %s", entry.name, result.id)

    # --8<-- [end:apply_entry]
