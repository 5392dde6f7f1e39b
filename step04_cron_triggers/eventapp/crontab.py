"""Crontab strings with cron's meaning, as an APScheduler trigger.

APScheduler 3's CronTrigger.from_crontab() numbers weekdays from Monday=0 and
requires both day fields to match; cron counts Sunday as 0 (and 7) and runs a day
that matches either. cronsim follows Debian's cron, daylight saving time included:
this trigger only asks it for the next time.
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

from apscheduler.triggers.base import BaseTrigger
from cronsim import CronSim, CronSimError

MACROS = {"@yearly": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0"}
MACROS |= {"@daily": "0 0 * * *", "@hourly": "0 * * * *"}
MACROS |= {"@annually": MACROS["@yearly"], "@midnight": MACROS["@daily"]}
VALUES = {"minute": "0-59", "hour": "0-23", "day-of-month": "1-31", "month": "1-12 or jan-dec"}
VALUES["day-of-week"] = "0-7 or sun-sat"


class CrontabError(ValueError):
    """Not a schedule cron would run; the message says why."""


# --8<-- [start:trigger]
class CrontabTrigger(BaseTrigger):
    """Fires when cron would run EXPRESSION, on the wall clock of TIMEZONE."""

    def __init__(self, expression: str, timezone: str) -> None:
        self.timezone = zone(timezone)
        self.expression = five_fields(expression)  # a CrontabError says what is wrong

    def get_next_fire_time(self, previous_fire_time, now: datetime) -> datetime | None:
        start = (previous_fire_time or now).astimezone(self.timezone)
        return next(CronSim(self.expression, start), None)  # None: it never fires again

    def __str__(self) -> str:
        return f"cron[{self.expression}]"


# --8<-- [end:trigger]


# --8<-- [start:validation]
def five_fields(expression: str) -> str:
    """EXPRESSION as the five fields cron would run (a macro spelt out), or a CrontabError."""
    if expression.strip().lower() == "@reboot":
        raise CrontabError("@reboot runs once at start-up: it is not a schedule")
    fields = MACROS.get(expression.strip().lower(), expression).split()
    if len(fields) != 5:
        raise CrontabError(f"expected 5 fields (minute hour day month weekday), got {len(fields)}")
    if set("?lw#") & set(re.sub("[a-z]{3}", "", " ".join(fields).lower())):  # not in "jul"
        raise CrontabError("'?', 'L', 'W' and '#' are Quartz syntax, not cron")
    if (field := refused_field(fields)) is None:
        return " ".join(fields)
    if field == "day-of-month" and refused_field([*fields[:3], "*", fields[4]]) is None:
        raise CrontabError("never fires: none of those months has that day")
    raise CrontabError(f"{field}: not a value cron knows ({VALUES[field]}, with - , and /)")


def refused_field(fields: list[str]) -> str | None:
    try:
        CronSim(" ".join(fields), datetime(2000, 1, 1))
    except CronSimError as error:
        return str(error).removeprefix("Bad ")
    return None


def zone(name: str) -> ZoneInfo:
    if name not in available_timezones():  # a few milliseconds: it lists the zone files
        raise CrontabError(f"unknown time zone {name!r:.60}; use a name like 'Europe/Berlin'")
    return ZoneInfo(name)


# --8<-- [end:validation]
