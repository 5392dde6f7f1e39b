"""A scheduler that was down catches up from the database: missed runs run once, late
ones are recorded as missed, and the schedule keeps its rhythm (simulated time)."""

from datetime import timedelta

from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from django_apscheduler.models import DjangoJob, DjangoJobExecution

from eventapp.models import SaveEvent

GRACE = timedelta(seconds=30)  # create_save's misfire_grace_time


def run_then_stop(start_clock, minutes: int = 3):
    """Run the scheduler for some minutes, stop it; return the next run time it left."""
    clock = start_clock()
    clock.advance(minutes=minutes)
    due = DjangoJob.objects.get(id="create_save").next_run_time
    clock.stop()
    return due


def create_save_runs(runs) -> list:
    return [(run.scheduled_at, run.code) for run in runs if run.job_id == "create_save"]


def test_a_run_missed_while_down_runs_on_restart(start_clock):
    due = run_then_stop(start_clock)

    clock = start_clock(at=due + GRACE / 2)
    runs = clock.wait_for_runs("create_save")

    assert create_save_runs(runs) == [(due, EVENT_JOB_EXECUTED)]
    assert SaveEvent.objects.count() == 4
    assert clock.next_fire_time() == due + timedelta(minutes=1)  # the same rhythm


def test_several_missed_runs_are_coalesced_into_one(start_clock):
    due = run_then_stop(start_clock)
    latest = due + timedelta(minutes=4)

    clock = start_clock(at=latest + GRACE / 2)
    runs = clock.wait_for_runs("create_save")

    assert create_save_runs(runs) == [(latest, EVENT_JOB_EXECUTED)]
    assert SaveEvent.objects.count() == 4


def test_a_long_outage_is_recorded_as_missed(start_clock):
    due = run_then_stop(start_clock)
    latest = due + timedelta(hours=5)

    clock = start_clock(at=latest + GRACE + timedelta(seconds=15))
    runs = clock.wait_for_runs("create_save")

    assert create_save_runs(runs) == [(latest, EVENT_JOB_MISSED)]
    missed = DjangoJobExecution.objects.get(job_id="create_save", status=DjangoJobExecution.MISSED)
    assert (missed.job_id, missed.run_time) == ("create_save", latest)
    assert SaveEvent.objects.count() == 3

    later = clock.advance(minutes=2)
    assert create_save_runs(later) == [
        (latest + timedelta(minutes=n), EVENT_JOB_EXECUTED) for n in (1, 2)
    ]


def test_a_restart_keeps_each_job_once_and_its_schedule(start_clock):
    due = run_then_stop(start_clock)
    before = dict(DjangoJob.objects.values_list("id", "next_run_time"))

    start_clock(at=due - timedelta(seconds=20))  # back before the next run

    assert dict(DjangoJob.objects.values_list("id", "next_run_time")) == before
