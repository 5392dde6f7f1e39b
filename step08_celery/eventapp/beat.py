"""Beat's scheduler: django-celery-beat's DatabaseScheduler, with one leader and periods.

Celery's rule is one beat process: two would send every task twice. Yet two may run,
in a deploy's overlap or as a standby on a second host. LeaderScheduler sends tasks
only while it holds a lock in Redis (redis-py's Lock: a key that expires unless its
holder extends it). The leader extends it on every tick; a standby tries to take it
on every tick, so it leads within BEAT_LOCK_TIMEOUT seconds after the leader dies.

PeriodEntry makes each run a period with a time of its own: beat sends it in the
message header "scheduled_for", and the tasks use it as their idempotency key
(eventapp/tasks.py). A task that a standby sends again, because the leader died
between sending it and writing down that it had, then writes nothing twice.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
from datetime import datetime, timedelta, timezone

import redis
from celery import schedules
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django_celery_beat.clockedschedule import clocked
from django_celery_beat.schedulers import DatabaseScheduler, ModelEntry

logger = logging.getLogger(__name__)

SCHEDULED_FOR = "scheduled_for"  # the message header that carries a run's period
LOCK_NAME = "eventproject:beat-leader"
# After an outage, periods older than this are skipped rather than sent late: the
# same idea as a misfire grace time in APScheduler (steps 1 to 6).
CATCH_UP = timedelta(hours=1)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


# --8<-- [start:entry]
class PeriodEntry(ModelEntry):
    """A PeriodicTask row whose runs are periods, each sent once with its scheduled time.

    django-celery-beat stores when it last *sent* a task as last_run_at. This entry
    stores the scheduled time of the last period it sent instead. So the next period
    follows from the schedule and the database alone: a standby that takes over finds
    the same next period the leader would have, and sends the periods it missed, in
    order.
    """

    due_period: datetime | None = None

    def __init__(self, model, app=None) -> None:
        super().__init__(model, app=app)
        if isinstance(getattr(self, "schedule", None), schedules.schedule):
            # Onto the interval's grid (a new task's last_run_at is when it was saved),
            # so that celery's own test of due agrees with the periods below.
            self.last_run_at = self.period_after(self.last_run_at) - self.schedule.run_every

    def is_due(self) -> schedules.schedstate:
        """Due when this entry's next period has come; due_period says which."""
        self.due_period = None
        state = super().is_due()  # django-celery-beat's rules: enabled, start, expiry, one-off
        if not state.is_due:
            return state
        now = datetime.now(timezone.utc)
        period = self.next_period(now)
        if period > now:  # the periods missed are older than CATCH_UP: skip them
            return schedules.schedstate(False, (period - now).total_seconds())
        self.due_period = period
        following = self.period_after(period)
        if following is None or following <= period:  # a one-off
            return state
        # Zero when the next period is due already: beat sends it at once.
        return schedules.schedstate(True, max((following - now).total_seconds(), 0))

    def __next__(self) -> PeriodEntry:
        """Beat calls next(entry) just before it sends entry: stamp the message."""
        self.options["headers"][SCHEDULED_FOR] = self.due_period.isoformat()
        logger.info("Sending %s for %s", self.name, self.due_period.isoformat())
        self.model.last_run_at = self.due_period
        self.model.total_run_count += 1
        self.model.no_changes = True  # not a change of the schedule: no reload
        return self.__class__(self.model)

    def next_period(self, now: datetime) -> datetime:
        """The first period after the last one sent, and not older than CATCH_UP."""
        return self.period_after(max(self.last_run_at, now - CATCH_UP))

    def period_after(self, moment: datetime) -> datetime:
        """The schedule's first time after MOMENT, in UTC."""
        schedule = self.schedule
        if isinstance(schedule, schedules.crontab):
            # Celery's own arithmetic, in the crontab's time zone (05:20 Berlin time).
            start, delta, _now = schedule.remaining_delta(moment)
            return (start + delta).astimezone(timezone.utc)
        if isinstance(schedule, schedules.schedule):
            # An interval: its whole multiples, counted in UTC from the Unix epoch (every
            # minute on the minute), so any beat finds the same periods.
            every = schedule.run_every
            return EPOCH + ((moment - EPOCH) // every + 1) * every
        if isinstance(schedule, clocked):
            return schedule.clocked_time.astimezone(timezone.utc)
        # Solar schedules need the ephem package, which this project does not install.
        raise ImproperlyConfigured(f"{self.name}: use an interval, crontab or clocked schedule")


# --8<-- [end:entry]


# --8<-- [start:leader]
class LeaderScheduler(DatabaseScheduler):
    """A DatabaseScheduler that sends tasks only while it holds the leader lock."""

    Entry = PeriodEntry

    def __init__(self, *args, **kwargs) -> None:
        self.leading = False
        super().__init__(*args, **kwargs)
        self.lock_timeout = lock_timeout(self.max_interval)
        # A Redis that does not answer within max_interval counts as down: this
        # process stops sending well before its lock could pass to another.
        client = redis.Redis.from_url(
            broker_url(self.app.conf.broker_url),
            socket_timeout=self.max_interval,
            socket_connect_timeout=self.max_interval,
        )
        self.lock = client.lock(LOCK_NAME, timeout=self.lock_timeout, thread_local=False)
        # The lock's value: who leads (the host, the process, and one scheduler in it).
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.standing_by_because: str | None = None

    def tick(self, *args, **kwargs) -> float:
        if not self.lead():
            return self.max_interval  # a standby: try again then
        return super().tick(*args, **kwargs)  # at most max_interval: the lock is extended

    def lead(self) -> bool:
        """Extend the lock, or take it if it is free. False while another process leads."""
        try:
            if self.leading:
                self.lock.extend(self.lock_timeout, replace_ttl=True)
            elif self.lock.acquire(blocking=False, token=self.holder):
                self.start_leading()
            else:
                self.stand_by(f"{self.leader()} leads")
        except redis.exceptions.LockNotOwnedError:
            # The lock expired while this process was stalled; another may lead now.
            self.stand_by("its lock expired")
        except redis.exceptions.RedisError as error:
            self.stand_by(f"Redis: {error}")
        return self.leading

    def leader(self) -> str:
        holder = self.lock.redis.get(LOCK_NAME)
        return holder.decode() if holder else "another beat"

    def start_leading(self) -> None:
        self.leading = True
        self.standing_by_because = None
        logger.info("Beat %s leads (lock %s, %s s)", self.holder, LOCK_NAME, self.lock_timeout)
        # Read the schedule afresh, with the last periods the previous leader wrote.
        self._initial_read = True
        self._heap = None

    def stand_by(self, reason: str) -> None:
        if reason != self.standing_by_because:  # say it once
            logger.warning("Beat %s stands by: %s", self.holder, reason)
        self.standing_by_because = reason
        self.leading = False
        self._dirty.clear()  # what it sent since the last write is the new leader's now

    def close(self) -> None:
        super().close()  # writes the last periods sent
        if self.leading:  # a clean stop hands over at once, not after the timeout
            with contextlib.suppress(redis.exceptions.RedisError):  # then it expires
                self.lock.release()
            self.leading = False
            logger.info("Beat %s released the lock", self.holder)


# --8<-- [end:leader]


def lock_timeout(max_interval: float) -> float:
    """settings.BEAT_LOCK_TIMEOUT, checked: the lock must outlive a tick and a sleep."""
    value = getattr(settings, "BEAT_LOCK_TIMEOUT", None)
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 2 * max_interval:
        raise ImproperlyConfigured(
            f"BEAT_LOCK_TIMEOUT={value!r}: give a number of seconds above twice "
            f"CELERY_BEAT_MAX_LOOP_INTERVAL ({max_interval} s), such as 5."
        )
    return value


def broker_url(url: str) -> str:
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"CELERY_BROKER_URL={url!r}: LeaderScheduler keeps its lock in Redis; "
            "use a redis:// URL such as redis://127.0.0.1:6379/0."
        )
    return url
