"""Ride out a busy or lost database: APScheduler retries only its own read of due jobs."""

import logging
import time
from collections.abc import Callable
from functools import wraps

from django import db
from django_apscheduler.jobstores import DjangoJobStore

from eventapp.updater.jobstore import EditKeepingJobStore

logger = logging.getLogger(__name__)
FIRST_WAIT = 0.5  # seconds; doubled after each failure, up to LONGEST_WAIT
LONGEST_WAIT = 30


# --8<-- [start:retry]
def retry_database_errors(within: float) -> Callable:
    """Retry on a passing database error, doubling the wait, for up to WITHIN s; then raise."""

    def decorate(func: Callable) -> Callable:
        @wraps(func)
        def patient(*args, **kwargs):
            deadline, wait = time.monotonic() + within, FIRST_WAIT
            while True:
                try:
                    return func(*args, **kwargs)
                except (db.OperationalError, db.InterfaceError) as error:
                    if time.monotonic() + wait > deadline:
                        raise
                    logger.warning("%s: %s; trying again in %g s", func.__name__, error, wait)
                    db.close_old_connections()  # a dropped connection is replaced
                    time.sleep(wait)
                    wait = min(wait * 2, LONGEST_WAIT)

        return patient

    return decorate


# --8<-- [end:retry]
patient = retry_database_errors(within=300)  # five minutes, then the error ends the loop


# --8<-- [start:store]
class PatientJobStore(EditKeepingJobStore):
    """A DjangoJobStore whose calls, and listeners writing the run history, wait out errors."""

    add_job = patient(DjangoJobStore.add_job)
    update_job = patient(EditKeepingJobStore.update_job)  # compared and written, or retried
    remove_job = patient(DjangoJobStore.remove_job)
    lookup_job = patient(DjangoJobStore.lookup_job)
    get_next_run_time = patient(DjangoJobStore.get_next_run_time)
    get_all_jobs = patient(DjangoJobStore.get_all_jobs)
    handle_submission_event = classmethod(patient(DjangoJobStore.handle_submission_event.__func__))
    handle_execution_event = classmethod(patient(DjangoJobStore.handle_execution_event.__func__))
    handle_error_event = classmethod(patient(DjangoJobStore.handle_error_event.__func__))
    # --8<-- [end:store]
