"""Crontab strings fire when cron would run them: the step's trigger (cronsim inside)
checked against croniter, an independent implementation, over a simulated year, in UTC
and in a zone with daylight saving time."""

import pickle
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from croniter import croniter

from eventapp.crontab import CrontabTrigger

BERLIN = "Europe/Berlin"
YEAR_START = datetime(2025, 12, 31, 23, 59, 30)  # not on a minute: off-by-ones show
YEAR_END = datetime(2027, 1, 1)

# Expressions that fire at most a few times a day: a whole year of each.
YEARLY_TABLE = [
    "20 5 * * *",
    "0 0 * * *",
    "30 2 * * *",
    "15 2 * * 0",
    "0 12 * * 7",  # 7 is Sunday too
    "0 12 * * sun",
    "0 9 * * MON-FRI",
    "0 9 * * 1-5",
    "0 0 1,15 * mon",  # both day fields restricted: either one matching runs
    "0 0 13 * 5",  # every Friday and every 13th
    "0 4 1-7 * 1",
    "0 0 */2 * sun",  # '*/2' starts with '*': both must match
    "30 1-3 * * *",
    "0 */6 * * *",
    "5 4 * jan-mar,oct sat",
    "0 22 * * 5-7",
    "0 0 31 * *",
    "0 0 29 2 *",  # no 29 February in 2026
    "0 8 1-10/3 */2 *",
]

# Expressions that fire many times a day: the weeks around both changes of the clock.
DENSE_TABLE = [
    "20,25 * * * *",
    "*/15 9-17 * * mon-fri",
    "*/20 2 * * *",
    "* 2 * * *",
]
DENSE_SPANS = [  # the days around each change of the clock
    (datetime(2026, 3, 27, 0, 0, 30), datetime(2026, 3, 31)),
    (datetime(2026, 10, 23, 0, 0, 30), datetime(2026, 10, 27)),
]

# Where croniter is not cron: cron (``man 8 cron``) runs a job at a fixed time in the
# skipped hour right after the change and only once in the repeated hour, and runs other
# jobs only at times that exist. croniter runs fixed-time jobs twice in the repeated hour
# and moves skipped times of the other jobs to 03:00.
REPEATED = "2026-10-25T02:{minute:02d}:00+01:00"
CRON_IS_NOT_CRONITER = {
    "30 2 * * *": {"croniter only": [REPEATED.format(minute=30)]},
    "15 2 * * 0": {"croniter only": [REPEATED.format(minute=15)]},
    "30 1-3 * * *": {"croniter only": [REPEATED.format(minute=30)]},
    "*/20 2 * * *": {"croniter only": ["2026-03-29T03:00:00+02:00"]},
    "* 2 * * *": {"croniter only": ["2026-03-29T03:00:00+02:00"]},
}


def fire_times(trigger, start: datetime, end: datetime) -> list[datetime]:
    """Ask the trigger as APScheduler's scheduler does: each time after the last one."""
    times, previous = [], None
    while (next_time := trigger.get_next_fire_time(previous, start)) and next_time <= end:
        times.append(next_time)
        previous = next_time
    return times


def croniter_times(expression: str, start: datetime, end: datetime) -> list[datetime]:
    fields = CrontabTrigger(expression, "UTC").expression.split()
    # cron decides "either day field" on the first character ('*/2' counts as '*');
    # croniter decides on the expanded values, so tell it which rule applies.
    either_day = not (fields[2].startswith("*") or fields[4].startswith("*"))
    reference = croniter(" ".join(fields), start, day_or=either_day)
    times = []
    while (next_time := reference.get_next(datetime)) <= end:
        times.append(next_time)
    return times


def differences(expression: str, zone: str, start: datetime, end: datetime) -> dict:
    tz = ZoneInfo(zone)
    start, end = start.replace(tzinfo=tz), end.replace(tzinfo=tz)
    ours = {t.timestamp() for t in fire_times(CrontabTrigger(expression, zone), start, end)}
    theirs = {t.timestamp() for t in croniter_times(expression, start, end)}
    assert ours or theirs or expression == "0 0 29 2 *", "a table entry that never fires"

    def listed(stamps):
        return [datetime.fromtimestamp(s, tz).isoformat() for s in sorted(stamps)]

    return {
        name: listed(stamps)
        for name, stamps in [("ours only", ours - theirs), ("croniter only", theirs - ours)]
        if stamps
    }


@pytest.mark.parametrize("expression", YEARLY_TABLE)
def test_a_year_in_utc_matches_croniter(expression):
    assert differences(expression, "UTC", YEAR_START, YEAR_END) == {}


@pytest.mark.parametrize("expression", YEARLY_TABLE)
def test_a_year_in_berlin_matches_cron(expression):
    expected = CRON_IS_NOT_CRONITER.get(expression, {})
    assert differences(expression, BERLIN, YEAR_START, YEAR_END) == expected


@pytest.mark.parametrize("expression", DENSE_TABLE)
@pytest.mark.parametrize("zone", ["UTC", BERLIN])
def test_busy_schedules_around_the_clock_changes_match_cron(expression, zone):
    found = {}
    for start, end in DENSE_SPANS:
        for name, times in differences(expression, zone, start, end).items():
            found.setdefault(name, []).extend(times)
    expected = CRON_IS_NOT_CRONITER.get(expression, {}) if zone == BERLIN else {}
    assert found == expected


def berlin(*args, fold=0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(BERLIN), fold=fold)


def test_a_fixed_time_in_the_skipped_hour_runs_right_after_the_change():
    times = fire_times(
        CrontabTrigger("30 2 * * *", BERLIN), berlin(2026, 3, 28), berlin(2026, 3, 31)
    )

    assert [t.isoformat() for t in times] == [
        "2026-03-28T02:30:00+01:00",
        "2026-03-29T03:00:00+02:00",
        "2026-03-30T02:30:00+02:00",
    ]


def test_a_fixed_time_in_the_repeated_hour_runs_once_and_other_jobs_twice():
    start, end = berlin(2026, 10, 25, 1, 59), berlin(2026, 10, 25, 3, 1)

    fixed = fire_times(CrontabTrigger("30 2 * * *", BERLIN), start, end)
    hourly = fire_times(CrontabTrigger("30 * * * *", BERLIN), start, end)

    assert [t.isoformat() for t in fixed] == ["2026-10-25T02:30:00+02:00"]
    assert [t.isoformat() for t in hourly] == [
        "2026-10-25T02:30:00+02:00",
        "2026-10-25T02:30:00+01:00",
    ]


def test_apschedulers_from_crontab_is_not_cron():
    """Why the step has its own helper: 0 is Sunday to cron, Monday to APScheduler 3."""
    start = berlin(2026, 3, 2)  # a Monday
    theirs = CronTrigger.from_crontab("0 12 * * 0", timezone=BERLIN)

    assert theirs.get_next_fire_time(None, start).strftime("%A") == "Monday"
    assert CrontabTrigger("0 12 * * 0", BERLIN).get_next_fire_time(None, start).strftime("%A") == (
        "Sunday"
    )


def test_apschedulers_from_crontab_reads_both_day_fields_as_saturday_the_13th():
    """The pitfalls page: cron runs '0 0 13 * 5' on every 13th and every Friday;
    APScheduler 3 only when both match, with 5 read as Saturday: four times in 2026-27."""
    theirs = CronTrigger.from_crontab("0 0 13 * 5", timezone=BERLIN)
    start, end = berlin(2026, 1, 1), berlin(2028, 1, 1)
    days, previous = [], None
    while (due := theirs.get_next_fire_time(previous, previous or start)) and due <= end:
        days.append(due.date().isoformat())
        previous = due + timedelta(seconds=1)

    assert days == ["2026-06-13", "2027-02-13", "2027-03-13", "2027-11-13"]
    # cron: 105 Fridays and 24 13ths, four of them Friday the 13th.
    assert len(fire_times(CrontabTrigger("0 0 13 * 5", BERLIN), start, end)) == 105 + 24 - 4


def test_apschedulers_cron_trigger_skips_a_midnight_after_the_spring_change():
    """APScheduler 3.11 issues #529/#606: the day after the change has no midnight run.
    If a later APScheduler fixes it, this test says so."""
    start = berlin(2026, 3, 29)

    theirs = CronTrigger(hour=0, minute=0, timezone=BERLIN)
    ours = CrontabTrigger("0 0 * * *", BERLIN)

    assert theirs.get_next_fire_time(start, start) == berlin(2026, 3, 31)
    assert ours.get_next_fire_time(start, start) == berlin(2026, 3, 30)


def test_the_trigger_survives_the_job_store():
    """DjangoJobStore pickles triggers; the copy must fire at the same times."""
    trigger = CrontabTrigger("0 0 13 * 5", BERLIN)
    copy = pickle.loads(pickle.dumps(trigger))
    start = berlin(2026, 1, 1)

    assert fire_times(copy, start, start + timedelta(days=90)) == fire_times(
        trigger, start, start + timedelta(days=90)
    )
    assert str(copy) == "cron[0 0 13 * 5]"


def test_a_rare_schedule_finds_its_next_fire_time_years_ahead():
    trigger = CrontabTrigger("0 0 29 2 *", "UTC")
    start = datetime(2026, 3, 1, tzinfo=ZoneInfo("UTC"))

    assert fire_times(trigger, start, datetime(2033, 1, 1, tzinfo=ZoneInfo("UTC"))) == [
        datetime(2028, 2, 29, tzinfo=ZoneInfo("UTC")),
        datetime(2032, 2, 29, tzinfo=ZoneInfo("UTC")),
    ]


def test_where_the_library_is_more_lenient_than_cron():
    """cronsim (like croniter) reads a step after a single value as a range to the end:
    '5/10' is '5-59/10'. Debian's cron documents steps after ranges and '*' only."""
    trigger = CrontabTrigger("5/10 * * * *", "UTC")
    start = datetime(2026, 3, 1, tzinfo=ZoneInfo("UTC"))

    minutes = [t.minute for t in fire_times(trigger, start, start + timedelta(hours=1))]
    assert minutes == [5, 15, 25, 35, 45, 55]
