"""The heartbeat: which process runs the jobs, since when, and that it is still alive.

The process holding the scheduler lock (eventapp/leader.py) writes one row every
SCHEDULER_HEARTBEAT_SECONDS. Anyone can read it: the home page, `manage.py
schedulerstatus` (for systemd, a container health check or a monitoring system), and a
standby scheduler, which logs who it is waiting for.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .models import SchedulerHeartbeat

ROW = 1  # one row, rewritten by whichever process leads
STALE_AFTER_BEATS = 3  # missed beats before the heartbeat counts as stale


def stale_after() -> timedelta:
    return timedelta(seconds=STALE_AFTER_BEATS * settings.SCHEDULER_HEARTBEAT_SECONDS)


# --8<-- [start:heartbeat]
class Heartbeat:
    """What the leading process writes about itself."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.host = socket.gethostname()
        self.started_at: datetime | None = None

    def start(self) -> None:
        self.started_at = timezone.now()
        SchedulerHeartbeat.objects.update_or_create(
            pk=ROW,
            defaults={
                "pid": self.pid,
                "host": self.host,
                "started_at": self.started_at,
                "beat_at": self.started_at,
                "stopped_at": None,
            },
        )

    def beat(self) -> None:
        self._mine().update(beat_at=timezone.now())

    def stop(self) -> None:
        self._mine().update(stopped_at=timezone.now())

    def _mine(self):
        # The row only while it is still this process's: a process that stopped leading
        # must not write over its successor's.
        return SchedulerHeartbeat.objects.filter(
            pk=ROW, pid=self.pid, host=self.host, started_at=self.started_at
        )


# --8<-- [end:heartbeat]


# --8<-- [start:status]
@dataclass(frozen=True)
class SchedulerStatus:
    healthy: bool
    message: str


def scheduler_status(now: datetime | None = None) -> SchedulerStatus:
    """What the heartbeat says, in a sentence: fine, stale, stopped or missing."""
    heartbeat = SchedulerHeartbeat.objects.filter(pk=ROW).first()
    if heartbeat is None:
        return SchedulerStatus(
            False, "No scheduler has run yet: start one with `python manage.py runapscheduler`."
        )
    who = f"process {heartbeat.pid} on host {heartbeat.host}"
    if heartbeat.stopped_at is not None:
        return SchedulerStatus(
            False,
            f"No scheduler is running: the last one ({who}) stopped at "
            f"{local_time(heartbeat.stopped_at)}.",
        )
    # Never below 0: the clocks of two hosts may differ a little.
    age = max((now or timezone.now()) - heartbeat.beat_at, timedelta(0))
    seconds = round(age.total_seconds())
    if age > stale_after():
        return SchedulerStatus(
            False,
            f"The scheduler heartbeat is stale: the last one came {seconds} s ago from {who}. "
            "That process may have died or hung, and no other has taken over.",
        )
    return SchedulerStatus(True, f"Scheduler running in {who}, last heartbeat {seconds} s ago.")


# --8<-- [end:status]


def current_leader() -> str:
    """Who holds the scheduler lock, as far as the heartbeat tells (for a standby's log)."""
    heartbeat = SchedulerHeartbeat.objects.filter(pk=ROW, stopped_at=None).first()
    if heartbeat is None:
        return "another process (it has written no heartbeat yet)"
    return f"{heartbeat} since {local_time(heartbeat.started_at)}"


def local_time(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S %Z}"
