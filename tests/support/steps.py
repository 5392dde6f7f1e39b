"""The step under test: its own scheduler, started the way the step starts it.

Steps 1 and 2 start a BackgroundScheduler from AppConfig.ready() under runserver
(start_scheduler() in executeupdate.py, then in updater.py). From step 3 on,
`manage.py runapscheduler` runs build_scheduler()'s BlockingScheduler in its main
thread; here it runs in a thread of its own, so that the test can drive it.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from types import ModuleType

from apscheduler.events import EVENT_SCHEDULER_START
from apscheduler.schedulers.base import BaseScheduler

# Step 1 keeps start_scheduler() in executeupdate.py; step 2 in updater.py.
SCHEDULER_MODULES = ("eventapp.updater.executeupdate", "eventapp.updater.updater")
SCHEDULER_THREAD_NAMES = {"APScheduler", "runapscheduler"}
STOP_TIMEOUT = 10  # seconds


def scheduler_module() -> ModuleType:
    """The step's module that builds or starts its scheduler."""
    for name in SCHEDULER_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        if hasattr(module, "start_scheduler") or hasattr(module, "build_scheduler"):
            return module
    raise LookupError(f"none of {SCHEDULER_MODULES} starts or builds a scheduler")


def runs_in_the_web_process() -> bool:
    """Steps 1 and 2: runserver's serving process runs the scheduler."""
    return hasattr(scheduler_module(), "start_scheduler")


# --8<-- [start:start]
def start_step_scheduler() -> Callable[[], None]:
    """Start the step's own scheduler as the step does; return what stops it."""
    module = scheduler_module()
    if runs_in_the_web_process():
        module.start_scheduler()
        return module.stop_scheduler
    scheduler: BaseScheduler = module.build_scheduler()
    started = threading.Event()
    scheduler.add_listener(lambda event: started.set(), EVENT_SCHEDULER_START)
    thread = threading.Thread(target=scheduler.start, name="runapscheduler", daemon=True)
    thread.start()

    def stop() -> None:
        if started.wait(STOP_TIMEOUT) and scheduler.running:
            scheduler.shutdown()
        thread.join(STOP_TIMEOUT)

    return stop


# --8<-- [end:start]


def scheduler_threads() -> list[threading.Thread]:
    """The threads that run a scheduler's loop."""
    return [t for t in threading.enumerate() if t.name in SCHEDULER_THREAD_NAMES and t.is_alive()]
