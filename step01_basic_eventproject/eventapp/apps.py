import os
import sys
from pathlib import Path

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV


# --8<-- [start:once]
def is_runserver_serving_process() -> bool:
    """True in the runserver process that answers requests.

    With the autoreloader on, runserver is two processes: a parent that only starts
    the child again, and the child, marked with RUN_MAIN=true, that serves requests
    and watches the files (on a change it exits with code 3). Only the child counts.
    """
    if sys.argv[1:2] != ["runserver"]:
        return False
    return os.environ.get(DJANGO_AUTORELOAD_ENV) == "true" or "--noreload" in sys.argv


def is_management_command() -> bool:
    """True in `manage.py <command>`, `django-admin` and `python -m django`."""
    program = Path(sys.argv[0])
    return program.name in {"manage.py", "django-admin"} or program.parent.name == "django"


def scheduler_should_start() -> bool:
    """Management commands never start one, but runserver's serving process may;
    elsewhere (gunicorn loads wsgi.py, which turns it on) SCHEDULER_AUTOSTART decides."""
    autostart = getattr(settings, "SCHEDULER_AUTOSTART", None)
    if autostart is not None and not isinstance(autostart, bool):
        raise ImproperlyConfigured("SCHEDULER_AUTOSTART must be True, False or None.")
    if is_management_command():
        return autostart is not False and is_runserver_serving_process()
    return bool(autostart)


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
