"""Step 2: the decorator registers the job at import time; only ready() starts it."""

import importlib

from support.steps import scheduler_threads

from eventapp.models import SaveEvent


def test_importing_the_updater_starts_and_runs_nothing(transactional_db):
    updater = importlib.import_module("eventapp.updater.updater")  # afresh: fresh_import.py

    assert not updater.scheduler.running
    assert scheduler_threads() == []
    assert SaveEvent.objects.count() == 0
    [job] = updater.scheduler.get_jobs()
    assert job.id == "create_save"
    assert job.pending  # registered, waiting for start()


def test_a_scheduler_started_again_after_shutdown_runs_nothing(clock):
    """Why each test imports the module afresh, and why the step never restarts it."""
    from eventapp.updater import updater

    updater.stop_scheduler()
    updater.scheduler.start()
    try:
        assert updater.scheduler.running
        assert updater.scheduler.get_jobs() == []  # shutdown() emptied the memory store
    finally:
        updater.scheduler.shutdown()


def test_the_started_scheduler_is_the_module_level_one(clock):
    from eventapp.updater import updater

    assert clock.scheduler is updater.scheduler
    assert [job.id for job in updater.scheduler.get_jobs()] == ["create_save"]
    assert not updater.scheduler.get_job("create_save").pending
