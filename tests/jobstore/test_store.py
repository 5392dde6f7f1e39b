"""Step 3 on: jobs and their run history live in the database (DjangoJobStore)."""

from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django_apscheduler.jobstores import DjangoJobStore
from django_apscheduler.models import DjangoJob, DjangoJobExecution
from support.faults import fail_once
from support.steps import start_step_scheduler

# Local time: the weekly job runs at Monday 00:00 in the step's TIME_ZONE.
SUNDAY_BEFORE_MIDNIGHT = datetime(2026, 3, 8, 23, 58, 30, tzinfo=ZoneInfo(settings.TIME_ZONE))


def test_the_default_job_store_is_the_database(clock):
    assert isinstance(clock.scheduler._lookup_jobstore("default"), DjangoJobStore)


def test_every_job_is_stored_once_under_its_stable_id(clock):
    start_step_scheduler()()  # a second scheduler, started and stopped, adds nothing

    stored = Counter(DjangoJob.objects.values_list("id", flat=True))
    assert set(stored) == {job.id for job in clock.scheduler.get_jobs()}
    assert {"create_save", "delete_old_job_executions"} <= set(stored)
    assert set(stored.values()) == {1}


def test_every_run_is_recorded_with_its_time_and_duration(clock):
    start = clock.now()

    clock.advance(minutes=3)

    executions = DjangoJobExecution.objects.filter(job_id="create_save").order_by("run_time")
    assert [e.status for e in executions] == [DjangoJobExecution.SUCCESS] * 3
    assert [e.run_time for e in executions] == [start + timedelta(minutes=n) for n in (1, 2, 3)]
    assert all(e.duration is not None and e.finished for e in executions)


def test_a_failed_run_is_recorded_with_its_traceback(clock, monkeypatch):
    fail_once(monkeypatch)

    clock.advance(minutes=2)

    failed, succeeded = DjangoJobExecution.objects.filter(job_id="create_save").order_by("run_time")
    assert failed.status == DjangoJobExecution.ERROR
    assert "NOT NULL constraint failed" in failed.exception
    assert "in create_save" in failed.traceback and "raise error" in failed.traceback
    assert succeeded.status == DjangoJobExecution.SUCCESS


def test_the_weekly_clean_up_keeps_seven_days_of_history(start_clock):
    clock = start_clock(at=SUNDAY_BEFORE_MIDNIGHT)
    old = DjangoJobExecution.objects.create(
        job_id="create_save",
        run_time=clock.now() - timedelta(days=8),
        status=DjangoJobExecution.SUCCESS,
    )
    recent = DjangoJobExecution.objects.create(
        job_id="create_save",
        run_time=clock.now() - timedelta(days=6),
        status=DjangoJobExecution.SUCCESS,
    )

    runs = clock.advance(minutes=2)  # past Monday 00:00

    assert ("delete_old_job_executions", True) in [(run.job_id, run.ok) for run in runs]
    assert not DjangoJobExecution.objects.filter(pk=old.pk).exists()
    assert DjangoJobExecution.objects.filter(pk=recent.pk).exists()
    assert DjangoJobExecution.objects.filter(job_id="create_save").count() == 3


def test_no_deprecated_django_apscheduler_api():
    """register_events and register_job are deprecated since 0.4 and 0.5."""
    sources = [p.read_text() for p in Path("eventapp").rglob("*.py")]
    assert sources
    assert not [s for s in sources if "register_events" in s or "register_job" in s]
