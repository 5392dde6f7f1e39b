"""Crontab strings cron would not run are refused, with the reason (cronsim alone accepts
some of them): a typo in a job declared in code stops start-up, one typed on a page is
shown at its field."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from eventapp.crontab import CrontabError, CrontabTrigger

BERLIN = "Europe/Berlin"


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("", "expected 5 fields"),
        ("@reboot", "@reboot runs once at start-up"),
        ("@every 5m", "expected 5 fields"),
        ("0 5 * * * /usr/bin/backup", "expected 5 fields (minute hour day month weekday), got 6"),
        ("0 0 5 * * *", "got 6"),  # seconds (Quartz, cronsim) are not a cron field
        ("0 0 5 * * * 2026", "got 7"),
        ("0 5 * *", "got 4"),
        ("60 * * * *", "minute: not a value cron knows (0-59"),
        ("0 24 * * *", "hour: not a value cron knows (0-23"),
        ("0 0 0 * *", "day-of-month: not a value cron knows (1-31"),
        ("0 0 * 13 *", "month: not a value cron knows (1-12 or jan-dec"),
        ("0 0 * * 8", "day-of-week: not a value cron knows (0-7 or sun-sat"),
        ("0 0 * foo *", "month: not a value cron knows"),
        ("0 0 * * monday", "day-of-week: not a value cron knows"),
        ("10-5 * * * *", "minute: not a value cron knows"),
        ("*/0 * * * *", "minute: not a value cron knows"),
        ("0 0 1,,2 * *", "day-of-month: not a value cron knows"),
        ("0 0 L * *", "Quartz syntax, not cron"),
        ("0 0 LW * *", "Quartz syntax, not cron"),
        ("0 0 ? * MON", "Quartz syntax, not cron"),
        ("0 0 * * 1#2", "Quartz syntax, not cron"),
        ("0 0 * * 5L", "Quartz syntax, not cron"),
        ("0 0 15W * *", "Quartz syntax, not cron"),
        ("0 0 30 2 *", "never fires"),
        ("0 0 31 4,6,9,11 *", "never fires"),
        ("² * * * *", "minute: not a value cron knows"),
        ("٣ * * * *", "minute: not a value cron knows"),
        ("*/² * * * *", "minute: not a value cron knows"),
    ],
)
def test_what_cron_would_not_run_is_refused_with_the_reason(expression, reason):
    with pytest.raises(CrontabError) as refused:
        CrontabTrigger(expression, BERLIN)

    assert reason in str(refused.value)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../etc/passwd", "Berlin"])
def test_an_unknown_time_zone_is_refused(zone):
    with pytest.raises(CrontabError, match="unknown time zone"):
        CrontabTrigger("0 5 * * *", zone)


MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


def fire_times(trigger: CrontabTrigger, start: datetime, count: int) -> list[datetime]:
    times, previous = [], None
    for _ in range(count):
        previous = trigger.get_next_fire_time(previous, start)
        times.append(previous)
    return times


@pytest.mark.parametrize(("macro", "fields"), MACROS.items())
def test_a_macro_fires_as_its_five_fields(macro, fields):
    start = datetime(2026, 3, 1, 0, 0, 30, tzinfo=ZoneInfo(BERLIN)) - timedelta(days=1)

    assert fire_times(CrontabTrigger(macro, BERLIN), start, 30) == fire_times(
        CrontabTrigger(fields, BERLIN), start, 30
    )
