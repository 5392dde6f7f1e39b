"""A job added from application code inside a transaction appears only once it commits."""

import logging
import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django_apscheduler.models import DjangoJob, DjangoJobExecution

from eventapp.models import SaveEvent


def stored_elsewhere(job_id: str) -> bool:
    """What another connection (a scheduler in another thread or process) sees."""
    seen = []

    def look() -> None:
        try:
            seen.append(DjangoJob.objects.filter(id=job_id).exists())
        finally:
            connection.close()

    thread = threading.Thread(target=look)
    thread.start()
    thread.join(timeout=10)
    return seen == [True]


def test_the_job_is_added_after_the_commit_not_before(clock):
    from eventapp.scheduling import schedule_extra_save

    with transaction.atomic():
        job_id = schedule_extra_save(clock.scheduler, clock.now() + timedelta(seconds=10))
        assert clock.scheduler.get_job(job_id) is None
        assert not stored_elsewhere(job_id)

    assert clock.scheduler.get_job(job_id) is not None
    assert stored_elsewhere(job_id)


def test_a_rolled_back_transaction_adds_no_job(clock):
    from eventapp.scheduling import schedule_extra_save

    with pytest.raises(RuntimeError), transaction.atomic():
        job_id = schedule_extra_save(clock.scheduler, clock.now() + timedelta(seconds=10))
        raise RuntimeError("changed my mind")

    assert clock.scheduler.get_job(job_id) is None
    assert clock.advance(seconds=10) == []


def test_a_one_off_job_runs_once_and_leaves_no_integrity_error(clock, caplog):
    """Source note 003 saw an IntegrityError when a `date` job had run: APScheduler
    removes the job (and, by cascade, its history) while django-apscheduler records
    the run. Since 0.5 (issues #116, #121) it logs a warning and skips the record
    instead; the run's history goes with the job (issue #113, still open)."""
    from eventapp.scheduling import schedule_extra_save

    with transaction.atomic():
        job_id = schedule_extra_save(clock.scheduler, clock.now() + timedelta(seconds=10))

    with caplog.at_level(logging.DEBUG):
        runs = clock.advance(seconds=10)

    assert [(run.job_id, run.ok) for run in runs] == [(job_id, True)]
    assert SaveEvent.objects.count() == 1
    assert clock.scheduler.get_job(job_id) is None
    assert not DjangoJob.objects.filter(id=job_id).exists()
    assert not DjangoJobExecution.objects.filter(job_id=job_id).exists()
    assert "IntegrityError" not in caplog.text
    assert "FOREIGN KEY" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
