"""Benchmarks: figures to print, never timed assertions. Run with `make bench`."""

import time
from datetime import timedelta

from eventapp.models import SaveEvent

ONE_DAY = timedelta(days=1)


def report(name: str, value: str) -> None:
    """One figure for tools/bench.py, which collects these lines."""
    print(f"\nBENCH {name}: {value}")


def test_the_job_alone_for_a_day(transactional_db):
    """The step's own job, called 1,440 times in a row: no scheduler, no harness. What the
    ORM, its connections and the job's logging cost above the floor of plain sqlite3."""
    from eventapp.updater.updater import create_save

    started = time.perf_counter()
    for _ in range(1440):
        create_save()
    wall = time.perf_counter() - started

    report("the job alone, 1,440 calls", f"{wall:.2f} s wall")
    assert SaveEvent.objects.count() == 1440


def test_simulate_one_day(clock):
    started = time.perf_counter()
    runs = clock.advance(ONE_DAY)
    wall = time.perf_counter() - started

    report("one simulated day", f"{wall:.2f} s wall, {len(runs)} runs")
    report("acceleration", f"{ONE_DAY.total_seconds() / wall:,.0f} simulated s per wall s")
    # The figure is only worth printing if the day really ran: one row a minute
    # (later steps run more jobs than create_save).
    saves = [run for run in runs if run.job_id == "create_save" and run.ok]
    assert len(saves) == SaveEvent.objects.count() == 1440
