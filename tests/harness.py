"""An accelerated clock for APScheduler: simulated time, no sleeps.

time-machine freezes the clock for every thread. The clock jumps straight to the
next fire time of the scheduler's jobs, wakes the scheduler up, and waits (on a
queue, with a timeout) until every job that was due has been submitted and has
finished. The scheduler under test is the step's own, started the way
``AppConfig.ready()`` starts it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import time_machine
from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
    JobEvent,
)
from apscheduler.schedulers.base import BaseScheduler
from support.startup import on_every_start

# A Monday, half a minute past nine: not on a minute boundary, so an off-by-one
# in the schedule shows.
DEFAULT_START = datetime(2026, 3, 2, 9, 0, 30, tzinfo=timezone.utc)

OUTCOMES = EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED
WATCHED = OUTCOMES | EVENT_JOB_SUBMITTED | EVENT_JOB_MAX_INSTANCES
DEFAULT_TIMEOUT = 10.0


@dataclass
class Run:
    """One finished run of a job, as the scheduler reported it."""

    job_id: str
    scheduled_at: datetime
    code: int
    exception: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.code == EVENT_JOB_EXECUTED


@dataclass
class _Pending:
    submitted: bool = False
    expected_outcomes: int = 0
    outcomes: int = 0
    skipped: bool = False

    @property
    def done(self) -> bool:
        return self.skipped or (self.submitted and self.outcomes >= self.expected_outcomes)


# --8<-- [start:clock]
@dataclass
class AcceleratedClock:
    scheduler: BaseScheduler
    traveller: time_machine.Coordinates
    timeout: float = DEFAULT_TIMEOUT
    runs: list[Run] = field(default_factory=list)
    events: queue.Queue[JobEvent] | None = None
    stop: Callable[[], None] = lambda: None  # stops the scheduler the way the step does

    def __post_init__(self) -> None:
        if self.events is None:
            self.events = queue.Queue()
            self.scheduler.add_listener(self.events.put, WATCHED)

    # --8<-- [end:clock]

    @classmethod
    def starting(
        cls,
        start: Callable[[], Callable[[], None]],
        traveller: time_machine.Coordinates,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> AcceleratedClock:
        """Call START (which starts the step's scheduler and returns what stops it) and
        return the clock.

        The clock listens from the scheduler's very first moment: a scheduler whose
        jobs are stored runs, or records as missed, the overdue ones as it starts.
        START may start the scheduler in another thread (runapscheduler's
        BlockingScheduler): the clock waits until it has started.
        """
        events: queue.Queue[JobEvent] = queue.Queue()
        started: list[BaseScheduler] = []
        listening = threading.Event()

        def listen(scheduler: BaseScheduler) -> None:
            started.append(scheduler)
            scheduler.add_listener(events.put, WATCHED)
            listening.set()

        with on_every_start(listen):
            stop = start()
            if not listening.wait(timeout):
                threads = sorted(thread.name for thread in threading.enumerate())
                raise AssertionError(f"{start} started no scheduler; threads: {threads}")
        [scheduler] = started
        return cls(scheduler, traveller, events=events, stop=stop)

    def now(self) -> datetime:
        return datetime.now(self.scheduler.timezone)

    # --8<-- [start:advance]
    def advance(self, delta: timedelta | None = None, **kwargs: float) -> list[Run]:
        """Move simulated time forward, running every job that falls due on the way."""
        delta = delta if delta is not None else timedelta(**kwargs)
        return self.advance_to(self.now() + delta)

    def advance_to(self, end: datetime) -> list[Run]:
        first = len(self.runs)
        while True:
            scheduled = self._scheduled_jobs()
            due = min(scheduled.values(), default=None)
            if due is None or due > end:
                break
            self._fire(due, {job_id for job_id, at in scheduled.items() if at <= due})
        self.traveller.move_to(end)
        return self.runs[first:]

    # --8<-- [end:advance]

    def next_fire_time(self) -> datetime | None:
        return min(self._scheduled_jobs().values(), default=None)

    def _scheduled_jobs(self) -> dict[str, datetime]:
        """Each job that will run (not paused) and its next run time."""
        return {job.id: job.next_run_time for job in self.scheduler.get_jobs() if job.next_run_time}

    def wait_for_runs(self, *job_ids: str) -> list[Run]:
        """Wait until the scheduler has submitted, and finished, one run of each job
        without moving time: what it does by itself, as it starts, say."""
        first = len(self.runs)
        self._wait_for(set(job_ids))
        return self.runs[first:]

    # --8<-- [start:fire]
    def _fire(self, due: datetime, due_ids: set[str]) -> None:
        self.traveller.move_to(due)
        self.scheduler.wakeup()
        self._wait_for(due_ids)

    def _wait_for(self, job_ids: set[str]) -> None:
        pending = {job_id: _Pending() for job_id in job_ids}
        while not all(p.done for p in pending.values()):
            try:
                event = self.events.get(timeout=self.timeout)
            except queue.Empty:
                waiting = sorted(j for j, p in pending.items() if not p.done)
                raise AssertionError(
                    f"the scheduler did not finish {waiting} within {self.timeout} s"
                ) from None
            self._record(event, pending.setdefault(event.job_id, _Pending()))

    # --8<-- [end:fire]

    def _record(self, event: JobEvent, pending: _Pending) -> None:
        if event.code == EVENT_JOB_SUBMITTED:
            pending.submitted = True
            pending.expected_outcomes += len(event.scheduled_run_times)
        elif event.code == EVENT_JOB_MAX_INSTANCES:
            pending.skipped = True
        else:
            pending.outcomes += 1
            self.runs.append(
                Run(event.job_id, event.scheduled_run_time, event.code, event.exception)
            )
