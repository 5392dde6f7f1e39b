"""One hook for "as soon as a scheduler has started", wherever the tests need it.

A scheduler whose jobs are stored runs (or records as missed) the overdue ones as it
starts, before any test code could add a listener. So the harness, the accelerator in
subprocesses and the signal tests all listen from EVENT_SCHEDULER_START, which comes
after the job stores have added their own listeners (they record each run).
"""

from __future__ import annotations

from collections.abc import Callable
from unittest import mock

from apscheduler.events import EVENT_SCHEDULER_START, SchedulerEvent
from apscheduler.schedulers.base import BaseScheduler


def on_every_start(callback: Callable[[BaseScheduler], None]) -> mock._patch:
    """A patch of BaseScheduler.start that calls CALLBACK with each scheduler once it has
    started. Use it as a context manager, or call .start() on it for the whole process."""
    real_start = BaseScheduler.start

    def start(scheduler: BaseScheduler, *args, **kwargs):
        def started(_event: SchedulerEvent) -> None:
            scheduler.remove_listener(started)
            callback(scheduler)

        scheduler.add_listener(started, EVENT_SCHEDULER_START)
        return real_start(scheduler, *args, **kwargs)

    return mock.patch.object(BaseScheduler, "start", start)
