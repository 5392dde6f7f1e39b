"""Beat's scheduler: DatabaseScheduler, sending only while it holds a lock in Redis."""

import contextlib
import logging
import os
import secrets
import socket

import redis
from celery.beat import SchedulingError
from django.utils import timezone
from django_celery_beat.models import PeriodicTasks
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)

LOCK_NAME = "eventproject:beat-leader"


# --8<-- [start:leader]
class LeaderScheduler(DatabaseScheduler):
    """A DatabaseScheduler that sends tasks only while it holds the leader lock."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.leading, self.standing_by_because = False, None
        # The lock's value: who leads (the host, the process, and one scheduler in it).
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        # The leader extends it every tick (every max_interval s at least); a standby takes
        # it once expired. A Redis silent for max_interval counts as down.
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
                # django-celery-beat's "schedule changed" signal, and a read: go on from the
                # leader's last runs. (Not first in tick(): it would send its first task twice.)
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
        """Send ENTRY, with the time it was due for the pings (pings.py); if that fails,
        write down that it did not run, so it stays due."""
        due = entry.schedule.remaining_estimate(entry.last_run_at) + timezone.now()  # now last
        entry.options["headers"]["period"] = timezone.localtime(due).isoformat(timespec="seconds")
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
