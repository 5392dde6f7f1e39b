import os
import sys

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV


# --8<-- [start:once]
def is_runserver_serving_process() -> bool:
    """True in the runserver process that answers requests.

    With the autoreloader on, runserver is two processes: a parent that watches
    files and a child, marked with RUN_MAIN=true, that serves. Only the child counts.
    """
    if sys.argv[1:2] != ["runserver"]:
        return False
    return os.environ.get(DJANGO_AUTORELOAD_ENV) == "true" or "--noreload" in sys.argv


def scheduler_should_start() -> bool:
    """SCHEDULER_AUTOSTART decides when set; otherwise only a serving process starts."""
    autostart = getattr(settings, "SCHEDULER_AUTOSTART", None)
    if autostart is None:
        return is_runserver_serving_process()
    if not isinstance(autostart, bool):
        raise ImproperlyConfigured("SCHEDULER_AUTOSTART must be True, False or None.")
    return autostart


# --8<-- [end:once]


class EventappConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "eventapp"

    # --8<-- [start:ready]
    def ready(self) -> None:
        if scheduler_should_start():
            from .updater.executeupdate import start_scheduler

            start_scheduler()

    # --8<-- [end:ready]

    @property
    def scheduler(self):
        """The scheduler running in this process, or None: the home page shows it."""
        from .updater.executeupdate import running_scheduler

        return running_scheduler()
