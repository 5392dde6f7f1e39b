"""Step 4's exercise, checked: the autumn night, when 02:00-03:00 happens twice."""

from datetime import datetime
from zoneinfo import ZoneInfo

from eventapp.crontab import CrontabTrigger

BERLIN = ZoneInfo("Europe/Berlin")


def runs_on_the_autumn_day(expression: str) -> list[str]:
    trigger = CrontabTrigger(expression, "Europe/Berlin")
    day, end = datetime(2026, 10, 25, tzinfo=BERLIN), datetime(2026, 10, 26, tzinfo=BERLIN)
    times, previous = [], None
    while (fire := trigger.get_next_fire_time(previous, day)) < end:
        times.append(fire.isoformat())
        previous = fire
    return times


def test_a_fixed_time_runs_once_and_an_hourly_job_25_times():
    assert runs_on_the_autumn_day("30 2 * * *") == ["2026-10-25T02:30:00+02:00"]
    hourly = runs_on_the_autumn_day("30 * * * *")
    assert len(hourly) == 25
    assert hourly[2:4] == ["2026-10-25T02:30:00+02:00", "2026-10-25T02:30:00+01:00"]
