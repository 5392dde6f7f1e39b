"""When beat sends each task: django-celery-beat's DatabaseScheduler, as the step's
scheduler runs it, on the migration's schedules, in simulated time."""

from collections import Counter
from datetime import datetime, timedelta, timezone
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from django_celery_beat.schedulers import ModelEntry

LOCAL = ZoneInfo(settings.TIME_ZONE)
UTC = timezone.utc
NEW_YEAR = datetime(2026, 1, 1, 0, 0, 30, tzinfo=LOCAL)
START = datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC)  # a Monday, between two whole minutes
MINUTE = timedelta(minutes=1)
# Beat looks at the schedule every second in production (CELERY_BEAT_MAX_LOOP_INTERVAL);
# these tests let it sleep longer, to tick less: it still wakes at each due time.
LONG_SLEEPS = 60
DAILY = "close_finished_campaigns"
EVERY_MINUTE = "create_save"

# The schedules come from the data migration: keep its rows in transactional tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def runs_of(name: str, start: datetime, end: datetime) -> list[datetime]:
    """When beat would send the PeriodicTask NAME from START to END: its entry asked as
    beat's loop asks it (is it due? then next()), in simulated time."""
    task = PeriodicTask.objects.get(name=name)
    task.date_changed, task.last_run_at = start, None  # as if created at START
    entry = ModelEntry(task)
    runs = []
    with time_machine.travel(start, tick=False) as traveller:
        while datetime.now(UTC) < end:
            due, wait = entry.is_due()
            if due:
                runs.append(datetime.now(UTC))
                entry = next(entry)
            else:
                traveller.shift(wait)
    return runs


def times(sent) -> list[datetime]:
    return [message.at for message in sent]


def test_the_campaign_task_is_due_once_a_local_day_at_0520_for_a_year(celery_app):
    runs = runs_of(DAILY, NEW_YEAR, datetime(2027, 1, 1, tzinfo=LOCAL))

    local_times = [run.astimezone(LOCAL) for run in runs]
    assert len(local_times) == 365
    assert Counter(t.date() for t in local_times).most_common(1)[0][1] == 1
    assert {(t.hour, t.minute, t.second) for t in local_times} == {(5, 20, 0)}
    # 05:20 in Berlin is 04:20 UTC in winter and 03:20 UTC in summer.
    assert {run.hour for run in runs} == {3, 4}
    assert sum(run.hour == 3 for run in runs) == 210  # 29 March to 24 October


@pytest.mark.parametrize(
    ("night", "instants"),
    [
        # 02:00 -> 03:00 in the night to Sunday 29 March: summer time begins.
        (
            datetime(2026, 3, 29, tzinfo=LOCAL),
            [(3, 28, 4), (3, 29, 3), (3, 30, 3)],
        ),
        # 03:00 -> 02:00 in the night to Sunday 25 October: summer time ends.
        (
            datetime(2026, 10, 25, tzinfo=LOCAL),
            [(10, 24, 3), (10, 25, 4), (10, 26, 4)],
        ),
    ],
    ids=["spring", "autumn"],
)
def test_beat_sends_it_at_the_right_utc_instant_around_each_change_of_the_clock(
    start_beat, night, instants
):
    # Every hour is still inside the two hours around a crontab's hour in which
    # DatabaseScheduler reads a crontab task from the database.
    beat = start_beat(at=night - timedelta(days=1), only=[DAILY], max_interval=3600)

    sent = beat.run_until(night + timedelta(days=2))

    assert [at.replace(second=0, microsecond=0) for at in times(sent)] == [
        datetime(2026, month, day, hour, 20, tzinfo=UTC) for month, day, hour in instants
    ]
    assert {message.task for message in sent} == {"eventapp.tasks.close_finished_campaigns"}


def test_a_daily_0230_crontab_runs_at_0330_on_the_spring_night(celery_app):
    """Step 8's page: cron runs a job of the skipped hour right after the change, at
    03:00; Celery's crontab, an hour later than its 02:30 would have been."""
    schedule = CrontabSchedule.objects.create(minute="30", hour="2", timezone=settings.TIME_ZONE)
    PeriodicTask.objects.create(
        name="half past two", task=f"eventapp.tasks.{DAILY}", crontab=schedule
    )

    runs = runs_of(
        "half past two",
        datetime(2026, 3, 28, 12, tzinfo=LOCAL),
        datetime(2026, 3, 30, 12, tzinfo=LOCAL),
    )

    local = [run.astimezone(LOCAL).strftime("%m-%d %H:%M") for run in runs]
    assert local == ["03-29 03:30", "03-30 02:30"]


def test_the_every_minute_task_is_sent_once_a_minute(start_beat):
    beat = start_beat(at=START, only=[EVERY_MINUTE], max_interval=LONG_SLEEPS)

    sent = beat.run_until(START + 10 * MINUTE + timedelta(seconds=30))

    # A minute after the schedule was saved (09:00:30), then a minute after each run.
    assert len(sent) == 10
    assert START + MINUTE <= sent[0].at < START + MINUTE + timedelta(seconds=1)
    gaps = [later - earlier for earlier, later in pairwise(times(sent))]
    assert all(abs(gap - MINUTE) < timedelta(seconds=1) for gap in gaps)
    assert {message.task for message in sent} == {"eventapp.tasks.create_save"}
    assert len({message.task_id for message in sent}) == 10  # ten messages


def test_after_an_outage_beat_sends_a_missed_task_once_at_once(start_beat):
    beat = start_beat(at=START, only=[EVERY_MINUTE], max_interval=LONG_SLEEPS)
    before = beat.run_until(START + 5 * MINUTE + timedelta(seconds=10))
    beat.scheduler.close()  # beat stops after 09:05 ...
    back = datetime(2026, 3, 2, 12, 5, 20, tzinfo=UTC)  # ... for three hours
    beat.traveller.move_to(back)

    after = beat.run_until(back + 3 * MINUTE, beat.new_scheduler())

    assert len(before) == 5
    # DatabaseScheduler's rule: one run for the three hours, at once, then one a minute.
    # The 180 minutes in between are not made up.
    assert len(after) == 3
    assert after[0].at - back < timedelta(seconds=1)


@pytest.mark.parametrize("back_at", [(6, 0), (14, 0)], ids=["40-minutes-late", "9-hours-late"])
def test_a_daily_run_missed_while_beat_was_down_is_sent_once_when_it_is_back(start_beat, back_at):
    beat = start_beat(at=datetime(2026, 3, 2, 5, 0, tzinfo=LOCAL), only=[DAILY], max_interval=3600)
    beat.scheduler.close()  # beat stops before 05:20 Berlin time
    back = datetime(2026, 3, 2, *back_at, tzinfo=LOCAL)
    beat.traveller.move_to(back)

    sent = beat.run_until(datetime(2026, 3, 3, 6, 0, tzinfo=LOCAL), beat.new_scheduler())

    assert [at.replace(second=0, microsecond=0) for at in times(sent)] == [
        back.astimezone(UTC),  # this morning's run, late
        datetime(2026, 3, 3, 4, 20, tzinfo=UTC),  # then on time
    ]
    # Its message says which run it is: the one due at 05:20, however late it was sent.
    assert [message.period for message in sent] == [
        "2026-03-02T05:20:00+01:00",
        "2026-03-03T05:20:00+01:00",
    ]


def test_a_one_off_clocked_task_is_sent_once_at_its_time(start_beat):
    from eventapp.tasks import schedule_extra_save

    beat = start_beat(at=START, only=[], max_interval=LONG_SLEEPS)
    run_at = START + timedelta(minutes=2, seconds=15)
    task = schedule_extra_save(run_at)

    sent = beat.run_until(run_at + timedelta(minutes=10))

    assert [message.periodic_task for message in sent] == [task.name]
    assert run_at <= sent[0].at < run_at + timedelta(seconds=1)
    task.refresh_from_db()
    assert not task.enabled  # django-celery-beat turns a one-off off once sent
