"""Step 2: the decorator registers the job at import time; only ready() starts it."""

import importlib

from conftest import forget_updater_modules, scheduler_threads

from eventapp.models import SaveEvent


def test_importing_the_updater_starts_and_runs_nothing(transactional_db):
    forget_updater_modules()
    try:
        updater = importlib.import_module("eventapp.updater.updater")

        assert not updater.scheduler.running
        assert updater.running_scheduler() is None
        assert scheduler_threads() == []
        assert SaveEvent.objects.count() == 0
        [job] = updater.scheduler.get_jobs()
        assert job.id == "create_save"
        assert job.pending  # registered, waiting for start()
    finally:
        forget_updater_modules()


def test_the_started_scheduler_is_the_module_level_one(clock):
    from eventapp.updater import updater

    assert clock.scheduler is updater.scheduler
    assert [job.id for job in updater.scheduler.get_jobs()] == ["create_save"]
    assert not updater.scheduler.get_job("create_save").pending
