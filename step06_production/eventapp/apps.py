import os
import sys
import warnings
from pathlib import Path

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
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

DB_DURING_START_UP = "Accessing the database during app initialization"
NOT_MIGRATED = "The database is not migrated: run `python manage.py migrate` first."


# --8<-- [start:migrated]
def unapplied_migrations() -> list:
    executor = MigrationExecutor(connection)
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


def stop_if_not_migrated() -> None:
    """The scheduler reads its tables as it starts: without them, stop with one clear
    line rather than a traceback from inside the job store."""
    if unapplied_migrations():
        print(NOT_MIGRATED, file=sys.stderr)
        # gunicorn stops on a worker that exits with 3 ("failed to boot"), but to
        # runserver's autoreloader 3 means "restart me".
        sys.exit(1 if is_runserver_serving_process() else 3)


# --8<-- [end:migrated]


class EventappConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "eventapp"

    # --8<-- [start:ready]
    def ready(self) -> None:
        from . import checks  # noqa: F401 (registers the system checks)

        if scheduler_should_start():
            # DjangoJobStore reads and writes its tables as the scheduler starts, and
            # Django warns about any query made while apps are still loading. In the
            # one process that runs the scheduler that is meant (run `migrate` first).
            warnings.filterwarnings("ignore", DB_DURING_START_UP, RuntimeWarning)
            stop_if_not_migrated()
            from .updater.updater import start_scheduler

            start_scheduler()  # or stand by, while another process runs the jobs

    # --8<-- [end:ready]

    @property
    def scheduler(self):
        """The scheduler running in this process, or None: the home page shows it."""
        from .updater.updater import running_scheduler

        return running_scheduler()
