import os
import sys

from django.apps import AppConfig


def is_runserver_serving_process() -> bool:
    """True in the runserver process that answers requests. With the autoreloader on,
    runserver is two processes: a parent that only restarts the child, and the child,
    marked RUN_MAIN=true, that serves requests. `--noreload` leaves only one."""
    if sys.argv[1:2] != ["runserver"]:
        return False
    return os.environ.get("RUN_MAIN") == "true" or "--noreload" in sys.argv


class EventappConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "eventapp"

    def ready(self) -> None:
        # Never in migrate, shell or tests: only where runserver serves requests.
        if is_runserver_serving_process():
            from .updater.updater import start_scheduler

            start_scheduler()
