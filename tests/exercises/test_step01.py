"""Step 1's exercise: its solution really runs the job at start-up, then every minute."""

from datetime import timedelta

from harness import DEFAULT_START
from step01_solution import build_scheduler

from eventapp.models import SaveEvent
from eventapp.updater import executeupdate


def test_the_solution_runs_the_job_as_the_scheduler_starts(start_clock, monkeypatch):
    monkeypatch.setattr(executeupdate, "build_scheduler", build_scheduler)
    clock = start_clock()

    [at_start] = clock.wait_for_runs("create_save")  # no time has passed
    [a_minute_later] = clock.advance(minutes=1)

    assert (at_start.ok, at_start.scheduled_at) == (True, DEFAULT_START)
    assert a_minute_later.scheduled_at == DEFAULT_START + timedelta(minutes=1)
    assert SaveEvent.objects.count() == 2
