"""What persistence costs: runs per second of the step's own job, with its schedule kept
in memory and in the database (DjangoJobStore on SQLite), measured in one run."""

import time

import time_machine
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from bench_schedule import report
from django.apps import apps
from harness import DEFAULT_START, AcceleratedClock

from eventapp.models import SaveEvent

RUNS = 300


def runs_per_second(store) -> float:
    """Drive RUNS once-a-minute runs of create_save through the accelerated clock."""
    from eventapp.updater.updater import create_save

    with time_machine.travel(DEFAULT_START, tick=False) as traveller:
        scheduler = BackgroundScheduler(timezone="UTC", jobstores={"default": store})
        scheduler.add_job(create_save, "interval", minutes=1, id="create_save")

        def start() -> BackgroundScheduler:
            scheduler.start()
            return scheduler

        clock = AcceleratedClock.starting(start, traveller)
        try:
            started = time.perf_counter()
            runs = clock.advance(minutes=RUNS)
            wall = time.perf_counter() - started
        finally:
            scheduler.shutdown()
    assert [run.ok for run in runs] == [True] * RUNS  # the figure is only worth printing if true
    return RUNS / wall


def test_runs_per_second_by_job_store(transactional_db):
    stores = {"MemoryJobStore": MemoryJobStore}
    if apps.is_installed("django_apscheduler"):
        from django_apscheduler.jobstores import DjangoJobStore

        stores["DjangoJobStore on SQLite"] = DjangoJobStore
    rates = {name: runs_per_second(store()) for name, store in stores.items()}

    memory = rates["MemoryJobStore"]
    for name, rate in rates.items():
        cost = "" if rate == memory else f" ({memory / rate:.1f}x the time per run)"
        report(f"runs/s, {name}", f"{rate:,.0f}{cost}")
    assert SaveEvent.objects.count() == RUNS * len(stores)
