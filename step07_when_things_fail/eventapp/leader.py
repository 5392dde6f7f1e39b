"""Exactly one scheduler: the runapscheduler process that holds the lease, a database row
that it renews every few seconds. A standby tries as often, and takes it once expired."""

import logging
import math
import os
import socket
import threading
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import DateTimeField, ExpressionWrapper, Q
from django.db.models.functions import Now

from eventapp.models import SchedulerLease
from eventapp.updater.patience import PatientJobStore

logger = logging.getLogger(__name__)


# --8<-- [start:lease]
class Lease:
    """This process's claim to run the jobs: the row NAME of SchedulerLease."""

    def __init__(self, name: str = "scheduler") -> None:
        self.name = name
        self.holder = f"process {os.getpid()} on host {socket.gethostname()}"
        self.seconds = settings.SCHEDULER_LEASE_SECONDS
        self.valid_until = -math.inf  # on this process's time.monotonic()
        self.lost = False

    def take(self) -> bool:
        """Take the lease, or renew it: True if this process holds it now."""
        asked = time.monotonic()
        expires = ExpressionWrapper(Now() + timedelta(seconds=self.seconds), DateTimeField())
        ours_or_free = Q(holder=self.holder) | Q(expires_at=None) | Q(expires_at__lt=Now())
        try:
            SchedulerLease.objects.get_or_create(name=self.name)
            taken = SchedulerLease.objects.filter(ours_or_free, name=self.name).update(
                holder=self.holder, expires_at=expires
            )
        finally:
            connection.close()  # this thread's: connect afresh next time (after a restart too)
        if taken:  # the database counts from a moment after ASKED; keep a third to spare
            self.valid_until = asked + self.seconds * 2 / 3
        return bool(taken)

    def valid(self) -> bool:  # certainly ours, even if this process was frozen since
        return time.monotonic() < self.valid_until

    def wait(self, stopping: threading.Event) -> bool:
        """Stand by until the lease is ours (True), or until STOPPING is set (False)."""
        if self.take():
            return True
        held = SchedulerLease.objects.get(name=self.name)
        logger.info("Waiting for the scheduler lease: held by %s", held)
        began = time.monotonic()
        while not stopping.wait(self.seconds / 5):
            if self.take():
                waited = time.monotonic() - began  # the lease is free SECONDS after a holder's end
                logger.info("Took over the scheduler lease after standing by for %.1f s", waited)
                return True
        return False

    def keep(self, stopping: threading.Event) -> None:
        """Renew the lease until STOPPING is set. If it cannot be renewed in time, set it."""
        while not stopping.wait(self.seconds / 5):
            try:
                if self.take():
                    continue
                reason = "another process holds it"
            except DatabaseError as error:
                reason = str(error).strip()
                if self.valid():  # a passing fault, such as PostgreSQL restarting
                    logger.warning("Could not renew the scheduler lease: %s", reason)
                    continue
            self.lost = True
            logger.error("Lost the scheduler lease (%s): stopping", reason)
            stopping.set()

    def release(self) -> None:
        """Let a standby take over now, not once the lease expires."""
        SchedulerLease.objects.filter(name=self.name, holder=self.holder).update(expires_at=None)
        connection.close()


# --8<-- [end:lease]


# --8<-- [start:fence]
class FencedJobStore(PatientJobStore):
    """A job store that hands out due jobs only while LEASE is certainly valid: a leader
    frozen (SIGSTOP) or cut off from the database starts no run once a standby may lead.
    APScheduler logs the error and asks again later ([] would make it ask at once)."""

    def __init__(self, lease: Lease) -> None:
        super().__init__()
        self.lease = lease

    def get_due_jobs(self, now: datetime) -> list:
        jobs = super().get_due_jobs(now)
        if jobs and not self.lease.valid():  # checked last: the query may have been slow
            raise RuntimeError("the scheduler lease may have run out: starting no run")
        return jobs


# --8<-- [end:fence]
