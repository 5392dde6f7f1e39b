"""The step under test: the module that starts and stops its scheduler, and its threads."""

from __future__ import annotations

import importlib
import threading
from types import ModuleType

# Step 1 keeps the scheduler in executeupdate.py; from step 2 on it is in updater.py.
SCHEDULER_MODULES = ("eventapp.updater.executeupdate", "eventapp.updater.updater")


def scheduler_module() -> ModuleType:
    """The step's module with start_scheduler(), stop_scheduler() and running_scheduler()."""
    for name in SCHEDULER_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        if hasattr(module, "start_scheduler"):
            return module
    raise LookupError(f"none of {SCHEDULER_MODULES} has start_scheduler()")


def scheduler_threads() -> list[threading.Thread]:
    """APScheduler names the thread of a BackgroundScheduler 'APScheduler'."""
    return [t for t in threading.enumerate() if t.name == "APScheduler" and t.is_alive()]
