"""The step's job writes one SaveEvent a minute, on the minute after start."""

import logging
import random
from datetime import timedelta
from itertools import pairwise

import pytest
from django.conf import settings
from support.processes import STEP_DIR
from support.transcripts import assert_transcript_current

from eventapp.models import SaveEvent

ONE_MINUTE = timedelta(minutes=1)


# --8<-- [start:example]
def created_times() -> list:
    return list(SaveEvent.objects.order_by("created_at").values_list("created_at", flat=True))


def test_no_row_before_the_first_minute(clock):
    clock.advance(seconds=59)
    assert SaveEvent.objects.count() == 0

    clock.advance(seconds=1)
    assert SaveEvent.objects.count() == 1


@pytest.mark.parametrize("minutes", [1, 10, 1440])
def test_one_row_per_simulated_minute(clock, minutes):
    start = clock.now()

    clock.advance(minutes=minutes)

    times = created_times()
    assert len(times) == minutes
    assert times[0] == start + ONE_MINUTE
    assert all(later - earlier == ONE_MINUTE for earlier, later in pairwise(times))


# --8<-- [end:example]


def test_every_run_is_reported_successful(clock):
    runs = clock.advance(minutes=5)

    assert [run.ok for run in runs] == [True] * 5
    assert {run.job_id for run in runs} == {"create_save"}


def test_rows_hold_values_from_0_to_99(clock):
    clock.advance(minutes=50)

    assert all(0 <= value < 100 for value in SaveEvent.objects.values_list("saved", flat=True))


@pytest.mark.django_db(transaction=True, reset_sequences=True)  # the docs show "Save #1"
def test_what_the_reader_sees_when_the_job_runs(clock, caplog):
    """The docs show the first run's log lines, as the project's LOGGING formats them."""
    plain = settings.LOGGING["formatters"]["plain"]
    formatter = logging.Formatter(plain["format"], style=plain["style"])

    random.seed(42)  # the job saves a random number: the same one for every run of this test
    with caplog.at_level(logging.INFO, "apscheduler"), caplog.at_level(logging.INFO, "eventapp"):
        clock.advance(minutes=1)

    lines = [formatter.format(r) for r in caplog.records if "create_save" in r.getMessage()]
    lines += [formatter.format(r) for r in caplog.records if "Created Save" in r.getMessage()]
    running, done, created = lines
    transcript = "\n".join([running, created, done]) + "\n"
    assert_transcript_current(f"{STEP_DIR.name[:6]}-first-run", transcript)
