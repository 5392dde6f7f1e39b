"""The jobs, declared once, and the scheduler that runs them in this process.

add_jobs() gives the same jobs to the web process's scheduler (started by
AppConfig.ready(), for development) and to `manage.py runapscheduler` (production).
"""

import atexit
import logging
import os
import threading
from collections.abc import Callable
from random import randrange
from typing import TypeVar

from apscheduler.events import EVENT_JOB_SUBMITTED, EVENT_SCHEDULER_SHUTDOWN
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from django.conf import settings
from django_apscheduler.jobstores import DjangoJobStore
from django_apscheduler.models import DjangoJob
from django_apscheduler.util import close_old_connections

from eventapp.campaigns import close_finished_campaigns, report_open_campaigns
from eventapp.crontab import CrontabTrigger
from eventapp.leader import WAIT_STEP, Leadership
from eventapp.models import SaveEvent

from .handover import HandoverJobStore, RecordFirstExecutor
from .history import claim_period, delete_old_job_executions, mark_interrupted_runs
from .patience import retry_database_errors

logger = logging.getLogger(__name__)

SchedulerT = TypeVar("SchedulerT", bound=BaseScheduler)

CREATE_SAVE_GRACE = 30  # seconds


# --8<-- [start:jobs]
# The scheduler's threads live longer than any request: the decorator closes
# connections that went stale since the last run, and the job's own when done.
@close_old_connections
@retry_database_errors(within=CREATE_SAVE_GRACE)  # a busy database: try again, in time
def create_save() -> None:
    """Write one SaveEvent row with a random value."""
    event = SaveEvent.objects.create(saved=randrange(100))
    logger.info("Created %s", event)


def add_jobs(scheduler: BaseScheduler) -> None:
    """Every job of the project, each under a stable id."""
    add_job_keeping_next_run(
        scheduler,
        create_save,
        "interval",
        minutes=1,
        id="create_save",
        misfire_grace_time=CREATE_SAVE_GRACE,  # up to 30 s late still runs; later: missed
    )
    add_job_keeping_next_run(
        scheduler,
        delete_old_job_executions,
        # Not CronTrigger(day_of_week="mon", hour=0): in a zone with daylight saving
        # time it misses the Monday midnight after the spring change (APScheduler #529).
        CrontabTrigger("0 0 * * mon", settings.TIME_ZONE),
        id="delete_old_job_executions",
        misfire_grace_time=None,  # however late, a clean-up is still worth doing
    )
    # Cron triggers count in the scheduler's time zone (settings.TIME_ZONE), so this
    # runs at 05:20 local time in winter and in summer.
    add_job_keeping_next_run(
        scheduler,
        close_finished_campaigns,
        "cron",
        hour=5,
        minute=20,
        id="close_finished_campaigns",
        misfire_grace_time=3600,  # an hour late is still this morning's run
    )
    add_job_keeping_next_run(
        scheduler,
        report_open_campaigns,
        "cron",
        minute="20,25",  # at :20 and :25 of every hour
        id="report_open_campaigns",
        misfire_grace_time=60,
    )


# --8<-- [end:jobs]

# --8<-- [start:tasks]
# What the jobs page may schedule: a fixed list, looked up by name. A user never
# types an import path, so the page cannot be made to run arbitrary code.
TASKS: dict[str, Callable[[], object]] = {
    "create_save": create_save,
    "close_finished_campaigns": close_finished_campaigns,
    "report_open_campaigns": report_open_campaigns,
    "delete_old_job_executions": delete_old_job_executions,
}
# --8<-- [end:tasks]


# --8<-- [start:add_job]
def add_job_keeping_next_run(
    scheduler: BaseScheduler, func, trigger: str | BaseTrigger, *, id: str, **options
) -> None:
    """scheduler.add_job(..., replace_existing=True), but keep the stored next run time.

    replace_existing=True stores this code's version of the job at every start,
    so a changed job takes effect, but it also computes the next run time afresh
    from now: runs missed while no scheduler was running would vanish without a
    trace. Keeping the stored time (None: paused) lets the scheduler run them once
    (coalesce=True) or record them as missed (misfire_grace_time).
    """
    stored = DjangoJob.objects.filter(id=id).first()
    if stored is not None:
        options["next_run_time"] = stored.next_run_time
    scheduler.add_job(func, trigger, id=id, replace_existing=True, **options)


# --8<-- [end:add_job]


# --8<-- [start:build]
def build_scheduler(scheduler_class: type[SchedulerT]) -> SchedulerT:
    """A scheduler of the given kind, with every job, storing them in the database.

    Only for the process that holds the scheduler lock (eventapp/leader.py).
    """
    mark_interrupted_runs()
    store = HandoverJobStore()
    scheduler = scheduler_class(
        timezone=settings.TIME_ZONE, executors={"default": RecordFirstExecutor(store)}
    )
    scheduler.add_jobstore(store, "default")
    scheduler.add_listener(claim_period, EVENT_JOB_SUBMITTED)
    add_jobs(scheduler)
    return scheduler


# --8<-- [end:build]


# Web processes change jobs in the database (the jobs page). A scheduler reads its
# store when it wakes up, which is otherwise only when its next job is due.
LOOK_FOR_CHANGES_EVERY = 2  # seconds


# --8<-- [start:look_for_changes]
def look_for_changes_regularly(scheduler: BaseScheduler) -> None:
    """Wake SCHEDULER every few seconds until it shuts down, so that a job added,
    changed, paused or run from another process takes effect within seconds."""
    stopped = threading.Event()
    scheduler.add_listener(lambda event: stopped.set(), EVENT_SCHEDULER_SHUTDOWN)

    def watch() -> None:
        while not stopped.wait(LOOK_FOR_CHANGES_EVERY):
            scheduler.wakeup()

    threading.Thread(target=watch, name="store-watch", daemon=True).start()


# --8<-- [end:look_for_changes]

_lock = threading.Lock()
_scheduler: BackgroundScheduler | None = None
_started_in: int | None = None  # the process id
_leadership: Leadership | None = None
_stop_standing_by = threading.Event()
_standby: threading.Thread | None = None
STANDBY_STOPS_WITHIN = 2 * WAIT_STEP  # seconds: a try for the lock, a look at who holds it


# --8<-- [start:start]
def start_scheduler() -> None:
    """Start the scheduler now if no other process runs the jobs; otherwise stand by,
    in a thread of its own, so that this (web) process starts serving meanwhile."""
    global _stop_standing_by, _standby
    leadership = Leadership()
    if leadership.try_acquire():
        _lead(leadership)
        return
    _stop_standing_by = threading.Event()
    # A process on its way out stops standing by, rather than lead for a moment.
    atexit.register(_stop_standing_by.set)
    _standby = threading.Thread(
        target=_stand_by,
        args=(leadership, _stop_standing_by),
        name="scheduler-standby",
        daemon=True,
    )
    _standby.start()


def _stand_by(leadership: Leadership, stop: threading.Event) -> None:
    if leadership.wait(stop):
        _lead(leadership)


def _lead(leadership: Leadership) -> None:
    global _scheduler, _started_in, _leadership
    with _lock:
        try:
            _scheduler = build_scheduler(BackgroundScheduler)
            leadership.begin(on_lost=_step_down)
            _scheduler.start()
        except BaseException:
            _scheduler = None
            leadership.end()
            raise
        look_for_changes_regularly(_scheduler)  # gunicorn --preload: workers edit
        _started_in = os.getpid()
        _leadership = leadership
        atexit.register(stop_scheduler)
        logger.info("Scheduler started in process %d", os.getpid())


# --8<-- [end:start]


def stop_scheduler() -> None:
    """Shut the scheduler down, waiting for a running job to finish; free the lock."""
    global _scheduler, _leadership
    _stop_standing_by.set()
    if _standby is not None and _standby is not threading.current_thread():
        # It ends within a second now that it is told to stop. Wait for that before the
        # lock is freed below: it could otherwise take the lock for a moment as it comes
        # free, and whoever starts next would find it held.
        _standby.join(timeout=STANDBY_STOPS_WITHIN)
    with _lock:
        if running_scheduler() is None:
            return
        _scheduler.shutdown(wait=True)
        _leadership.end()
        _scheduler = _leadership = None
        logger.info("Scheduler stopped in process %d", os.getpid())


def _step_down() -> None:
    """The lock was lost while leading: stop running jobs, then stand by again."""

    def step_down() -> None:
        stop_scheduler()
        start_scheduler()

    threading.Thread(target=step_down, name="scheduler-step-down", daemon=True).start()


def running_scheduler() -> BackgroundScheduler | None:
    """This process's scheduler, or None. A process forked after the start (the workers
    of gunicorn --preload) holds a copy of it, but not the thread that runs it."""
    return _scheduler if _started_in == os.getpid() else None


# --8<-- [start:editor]
class JobEditor(BaseScheduler):
    """A scheduler that changes the stored jobs and never runs one.

    Where no scheduler runs (a web process started with SCHEDULER_AUTOSTART=0), the
    jobs page edits the database through this; the scheduler process sees the change
    the next time it looks at its store (runapscheduler looks every few seconds).
    """

    def wakeup(self) -> None:
        pass  # nothing to wake: this process runs no jobs

    def shutdown(self, wait: bool = True) -> None:
        super().shutdown(wait)


_editor: JobEditor | None = None


def scheduler_for_edits() -> BaseScheduler:
    """The scheduler running in this process, or else a JobEditor on the same store."""
    global _editor
    with _lock:
        if _scheduler is not None:
            return _scheduler
        if _editor is None:
            _editor = JobEditor(timezone=settings.TIME_ZONE)
            _editor.add_jobstore(DjangoJobStore(), "default")  # a request fails fast
            _editor.start(paused=True)  # paused: it never picks a job to run
        return _editor


# --8<-- [end:editor]
