"""Beat's schedule math: the step's own scheduler and its entries, in simulated time."""

from collections import Counter
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django_celery_beat.models import PeriodicTask

from eventapp.beat import CATCH_UP, PeriodEntry

LOCAL = ZoneInfo(settings.TIME_ZONE)
UTC = timezone.utc
NEW_YEAR = datetime(2026, 1, 1, 0, 0, 30, tzinfo=LOCAL)
START = datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC)  # a Monday, between two whole minutes
MINUTE = timedelta(minutes=1)
ON_THE_MINUTE = [datetime(2026, 3, 2, 9, 1, tzinfo=UTC) + n * MINUTE for n in range(4 * 60)]
# Beat looks at the schedule every second in production (CELERY_BEAT_MAX_LOOP_INTERVAL);
# these tests let it sleep longer, to tick less: it still wakes at each due time.
LONG_SLEEPS = 60
DAILY = "close_finished_campaigns"
EVERY_MINUTE = "create_save"

# The schedules come from the data migration: keep its rows in transactional tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def periods_of(name: str, start: datetime, end: datetime) -> list[datetime]:
    """The periods beat would send for the PeriodicTask NAME from START to END: its
    entry asked as beat's loop asks it (is it due? then next()), in simulated time."""
    task = PeriodicTask.objects.get(name=name)
    task.date_changed, task.last_run_at = start, None  # as if created at START
    entry = PeriodEntry(task)
    periods = []
    with time_machine.travel(start, tick=False) as traveller:
        while datetime.now(UTC) < end:
            due, wait = entry.is_due()
            if due:
                periods.append(entry.due_period)
                entry = next(entry)
            else:
                traveller.shift(wait)
    return periods


def test_the_campaign_task_is_due_once_a_local_day_at_0520_for_a_year(celery_app):
    periods = periods_of(DAILY, NEW_YEAR, datetime(2027, 1, 1, tzinfo=LOCAL))

    local_times = [period.astimezone(LOCAL) for period in periods]
    assert len(local_times) == 365
    assert Counter(t.date() for t in local_times).most_common(1)[0][1] == 1
    assert {(t.hour, t.minute) for t in local_times} == {(5, 20)}
    # 05:20 in Berlin is 04:20 UTC in winter and 03:20 UTC in summer.
    assert {period.hour for period in periods} == {3, 4}
    assert sum(period.hour == 3 for period in periods) == 210  # 29 March to 24 October


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

    assert [message.scheduled_for for message in sent] == [
        datetime(2026, month, day, hour, 20, tzinfo=UTC) for month, day, hour in instants
    ]
    assert {message.task for message in sent} == {"eventapp.tasks.close_finished_campaigns"}


def test_the_every_minute_task_is_sent_once_a_minute_on_the_minute(start_beat):
    beat = start_beat(at=START, only=[EVERY_MINUTE], max_interval=LONG_SLEEPS)

    sent = beat.run_until(START + 10 * MINUTE)

    assert [message.scheduled_for for message in sent] == ON_THE_MINUTE[:10]
    assert {message.task for message in sent} == {"eventapp.tasks.create_save"}


def test_after_an_outage_beat_sends_each_missed_period_of_the_last_hour_once(start_beat):
    beat = start_beat(at=START, only=[EVERY_MINUTE], max_interval=LONG_SLEEPS)
    before = beat.run_until(START + 5 * MINUTE)
    beat.scheduler.close()  # beat stops after 09:05 ...
    back = datetime(2026, 3, 2, 12, 5, 20, tzinfo=UTC)  # ... for three hours
    beat.traveller.move_to(back)

    after = beat.run_until(back + timedelta(seconds=30), beat.new_scheduler())

    assert [message.scheduled_for for message in before] == ON_THE_MINUTE[:5]
    # 11:06 to 12:05, in order: the older periods are skipped, as a misfire would be.
    assert [message.scheduled_for for message in after] == [
        period for period in ON_THE_MINUTE if back - CATCH_UP < period <= back
    ]
    assert len(after) == 60


@pytest.mark.parametrize(
    ("back_at", "periods"),
    [
        ((6, 0), [(3, 2, 4), (3, 3, 4)]),  # 40 minutes late: still this morning's run
        ((7, 0), [(3, 3, 4)]),  # over an hour late: skipped, as a misfire would be
    ],
    ids=["40-minutes-late", "over-an-hour-late"],
)
def test_a_daily_period_missed_by_more_than_an_hour_is_skipped(start_beat, back_at, periods):
    beat = start_beat(at=datetime(2026, 3, 2, 5, 0, tzinfo=LOCAL), only=[DAILY], max_interval=3600)
    beat.scheduler.close()  # beat stops before 05:20 Berlin time
    beat.traveller.move_to(datetime(2026, 3, 2, *back_at, tzinfo=LOCAL))

    sent = beat.run_until(datetime(2026, 3, 3, 6, 0, tzinfo=LOCAL), beat.new_scheduler())

    assert [message.scheduled_for for message in sent] == [
        datetime(2026, month, day, hour, 20, tzinfo=UTC) for month, day, hour in periods
    ]


def test_a_one_off_clocked_task_is_sent_once_at_its_time(start_beat):
    from eventapp.tasks import schedule_extra_save

    beat = start_beat(at=START, only=[], max_interval=LONG_SLEEPS)
    run_at = START + timedelta(minutes=2, seconds=15)
    task = schedule_extra_save(run_at)

    sent = beat.run_until(run_at + timedelta(minutes=10))

    assert [(message.periodic_task, message.scheduled_for) for message in sent] == [
        (task.name, run_at)
    ]
    task.refresh_from_db()
    assert not task.enabled  # django-celery-beat turns a one-off off once sent


def test_a_schedule_without_periods_is_refused_with_its_name(celery_app):
    """Sunrise and sunset are not a grid of periods (and need the ephem package)."""
    from django.core.exceptions import ImproperlyConfigured

    task = PeriodicTask.objects.get(name=EVERY_MINUTE)
    entry = PeriodEntry(task)
    entry.schedule = object()  # what a solar schedule would be, to this entry

    with pytest.raises(ImproperlyConfigured, match=f"{EVERY_MINUTE}: use an interval"):
        entry.period_after(START)
