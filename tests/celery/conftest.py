"""Fixtures for step 8: a redis-server per test module, and the step's Celery app on it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest
import redis as redis_client
import time_machine
from support.redis_server import RedisServer, redis_server

QUEUE = "celery"  # Celery's default queue: a Redis list


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


@pytest.fixture
def celery_app(redis: RedisServer):
    """The step's own Celery app (eventproject/celery.py), sending to this module's Redis."""
    from eventproject.celery import app

    configured = app.conf.broker_url
    app.conf.broker_url = redis.url
    app._pool = None  # connections are pooled per URL: make new ones
    yield app
    app.conf.broker_url = configured
    app._pool = None


@dataclass(frozen=True)
class Sent:
    """One task message beat put in the broker, and the (simulated) time it did."""

    task: str
    periodic_task: str
    task_id: str
    at: datetime
    period: str  # the run it is for, as its pings report it (eventapp/pings.py)


@dataclass
class SimulatedBeat:
    """The step's beat scheduler in simulated time: each of its sleeps is a jump of the
    clock. More schedulers (a standby) share the clock, the database and the broker."""

    scheduler: LeaderScheduler  # noqa: F821 (imported once Django is set up)
    traveller: time_machine.Traveller
    broker: redis_client.Redis
    new_scheduler: Callable[[], LeaderScheduler]  # noqa: F821

    def run_until(self, end: datetime, *schedulers: LeaderScheduler) -> list[Sent]:  # noqa: F821
        """Beat's own loop (celery.beat.Service.start) until END, for each of SCHEDULERS
        (default: the first one) side by side. Returns the tasks they sent."""
        schedulers = schedulers or (self.scheduler,)
        sent = []
        while datetime.now(timezone.utc) < end:
            waits = []
            for scheduler in schedulers:
                queued = self.broker.llen(QUEUE)
                waits.append(scheduler.tick())  # sends at most one task
                if self.broker.llen(QUEUE) > queued:
                    sent.append(sent_message(self.broker.lindex(QUEUE, 0)))
            until_end = (end - datetime.now(timezone.utc)).total_seconds()
            self.jump_clock(min(*waits, until_end))  # the clock stops at END
        return sent

    def jump_clock(self, seconds: float) -> None:
        """Where beat's Service.start sleeps, the simulated clock jumps: no real wait."""
        if seconds > 0:  # as Service.start: tick() may return 0 or less
            self.traveller.shift(seconds)


def sent_message(raw: bytes) -> Sent:
    headers = json.loads(raw)["headers"]
    return Sent(
        task=headers["task"],
        periodic_task=headers["periodic_task_name"],
        task_id=headers["id"],
        at=datetime.now(timezone.utc),
        period=headers["period"],
    )


@pytest.fixture
def start_beat(celery_app, redis) -> Iterator[Callable[..., SimulatedBeat]]:
    """Start a LeaderScheduler at a simulated time; ONLY names the periodic tasks left on.

    Its lock lasts 5 x MAX_INTERVAL: in real seconds, as Redis counts them."""
    from django_celery_beat.models import PeriodicTask, PeriodicTasks

    from eventapp.beat import LeaderScheduler

    broker = redis_client.Redis.from_url(redis.url)
    broker.flushdb()
    with ExitStack() as stack:

        def start(
            at: datetime, only: Iterable[str] | None = None, max_interval: float = 1
        ) -> SimulatedBeat:
            # As the data migration would have left them, had it run at AT.
            PeriodicTask.objects.update(date_changed=at, last_run_at=None, total_run_count=0)
            PeriodicTasks.objects.update(last_update=at)
            if only is not None:
                PeriodicTask.objects.exclude(name__in=list(only)).update(enabled=False)
            # A ticking clock: time goes on while beat works, as it does for real.
            traveller = stack.enter_context(time_machine.travel(at))

            def new_scheduler() -> LeaderScheduler:
                scheduler = LeaderScheduler(app=celery_app, max_interval=max_interval)
                stack.callback(scheduler.close)
                return scheduler

            return SimulatedBeat(new_scheduler(), traveller, broker, new_scheduler)

        yield start
