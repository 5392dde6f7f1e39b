"""Step 2's exercise: a decorated job in another module joins the same scheduler."""

import importlib
import logging
import sys

import time_machine
from harness import DEFAULT_START


def test_the_second_job_runs_every_five_minutes(start_clock, caplog):
    sys.modules.pop("step02_solution", None)
    with time_machine.travel(DEFAULT_START, tick=False):  # imported as the process starts
        importlib.import_module("step02_solution")  # importing registers the job: no start
    clock = start_clock()

    with caplog.at_level(logging.INFO):
        runs = clock.advance(minutes=10)

    assert [run.scheduled_at.minute for run in runs if run.job_id == "count_rows"] == [5, 10]
    # At :05 both jobs are due: the count sees the fifth save, or not yet.
    assert {"4 rows so far", "5 rows so far"} & set(caplog.messages)
