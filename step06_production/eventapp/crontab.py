"""Crontab strings with cron's meaning, as APScheduler triggers.

APScheduler 3's CronTrigger.from_crontab() numbers weekdays from Monday=0 and
requires both day fields to match; cron counts Sunday as 0 (and 7) and runs a
day that matches either. cronsim follows Debian's cron, daylight saving time
included, so this module only adds what cron itself has (the @ macros), refuses
what cron would not run, and wraps cronsim in the trigger interface APScheduler asks for.
"""

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from apscheduler.triggers.base import BaseTrigger
from cronsim import CronSim, CronSimError

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
NOT_CRON = set("?LW#")  # Quartz and cronsim extensions that cron does not have
VALUES = {
    "minute": "0-59",
    "hour": "0-23",
    "day-of-month": "1-31",
    "month": "1-12 or jan-dec",
    "day-of-week": "0-7 or sun-sat",
}


class CrontabError(ValueError):
    """Not a crontab schedule cron would run; the message says why."""


# --8<-- [start:trigger]
class CrontabTrigger(BaseTrigger):
    """Fires when cron would run EXPRESSION, on the wall clock of TIMEZONE."""

    def __init__(self, expression: str, timezone: str) -> None:
        self.expression = cron_expression(expression)
        self.timezone = zone(timezone)

    def get_next_fire_time(self, previous_fire_time, now: datetime) -> datetime | None:
        start = (previous_fire_time or now).astimezone(self.timezone)
        return next(CronSim(self.expression, start), None)  # None: it never fires again

    def __str__(self) -> str:
        return f"cron[{self.expression}]"


# --8<-- [end:trigger]


def cron_expression(text: str) -> str:
    """Five fields, checked by cronsim; a macro becomes its five fields."""
    if text.strip().lower() == "@reboot":
        raise CrontabError("@reboot runs once at start-up: it is not a schedule")
    fields = MACROS.get(text.strip().lower(), text).split()
    if len(fields) != 5:
        raise CrontabError(f"expected 5 fields (minute hour day month weekday), got {len(fields)}")
    if NOT_CRON & set("".join(fields).upper()):
        raise CrontabError("'?', 'L', 'W' and '#' are Quartz syntax, not cron")
    if (error := cronsim_error(fields)) is None:
        return " ".join(fields)
    if error == "day-of-month" and cronsim_error([*fields[:3], "*", fields[4]]) is None:
        raise CrontabError("never fires: none of those months has that day")
    raise CrontabError(f"{error}: not a value cron knows ({VALUES[error]}, with - , and /)")


def cronsim_error(fields: list[str]) -> str | None:
    """The field cronsim refuses ("Bad minute" gives "minute"), or None."""
    try:
        CronSim(" ".join(fields), datetime(2000, 1, 1))
    except CronSimError as error:
        return str(error).removeprefix("Bad ")
    return None


def zone(name: str) -> ZoneInfo:
    if name not in known_time_zones():
        raise CrontabError(f"unknown time zone {name!r:.60}; use a name like 'Europe/Berlin'")
    return ZoneInfo(name)


@cache
def known_time_zones() -> frozenset[str]:
    return frozenset(available_timezones())
