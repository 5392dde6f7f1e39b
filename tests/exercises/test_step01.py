"""Step 1's exercise: its solution really runs the job at start-up, then every minute."""

from datetime import timedelta

import step01_solution
from harness import DEFAULT_START

from eventapp.models import SaveEvent


def test_the_solution_runs_the_job_as_the_scheduler_starts(start_clock, monkeypatch):
    # The solution is the whole of executeupdate.py, changed: start it instead.
    monkeypatch.setattr("support.steps.scheduler_module", lambda: step01_solution)
    clock = start_clock()

    [at_start] = clock.wait_for_runs("create_save")  # no time has passed
    [a_minute_later] = clock.advance(minutes=1)

    assert (at_start.ok, at_start.scheduled_at) == (True, DEFAULT_START)
    assert a_minute_later.scheduled_at == DEFAULT_START + timedelta(minutes=1)
    assert SaveEvent.objects.count() == 2
