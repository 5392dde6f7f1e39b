"""Crontab strings that mean what they mean to cron (``man 5 crontab``).

APScheduler 3.x has ``CronTrigger.from_crontab``, but it numbers weekdays from
Monday=0 (cron: Sunday=0 and 7) and ANDs day-of-month with day-of-week (cron:
when both are restricted, either one matching is enough). Its CronTrigger also
skips a day after some daylight saving changes (a daily midnight job in
Europe/Berlin misses the Monday after the spring change; APScheduler issues
#529 and #606). So ``crontab_trigger`` parses the string itself, refuses what it
cannot honour, and walks the local calendar day by day, as cron does.

Daylight saving time, as cron does it (``man 8 cron``): a job at a fixed time
(neither minute nor hour starts with '*') that falls in the skipped hour runs
right after the change, and runs once in the repeated hour. Other jobs run
at the local times that exist: not in the skipped hour, twice in the repeated one.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from apscheduler.triggers.base import BaseTrigger

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
MONTH_NAMES = {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
# cron: 0 and 7 are Sunday.
DAY_NAMES = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}


class CrontabError(ValueError):
    """The string is not a crontab schedule this helper can honour; the message says why."""


@dataclass(frozen=True)
class Field:
    name: str
    low: int
    high: int
    names: dict[str, int] | None = None


MINUTE = Field("minute", 0, 59)
HOUR = Field("hour", 0, 23)
DAY = Field("day of month", 1, 31)
MONTH = Field("month", 1, 12, MONTH_NAMES)
WEEKDAY = Field("day of week", 0, 7, DAY_NAMES)
FIELDS = (MINUTE, HOUR, DAY, MONTH, WEEKDAY)

WORD = r"[A-Za-z0-9]+"  # ASCII only: str.isdigit() also accepts digits such as "²"
ITEM = re.compile(
    rf"^(?:(?P<star>\*)|(?P<low>{WORD})(?:-(?P<high>{WORD}))?)(?:/(?P<step>{WORD}))?$"
)


@dataclass(frozen=True)
class Crontab:
    """A parsed schedule: the set of values each field allows."""

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday ... 6 = Saturday
    days_restricted: bool  # the field does not start with '*'
    weekdays_restricted: bool
    fixed_time: bool  # neither minute nor hour starts with '*'

    def runs_on(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        day_matches = day.day in self.days
        weekday_matches = (day.weekday() + 1) % 7 in self.weekdays
        if self.days_restricted and self.weekdays_restricted:
            return day_matches or weekday_matches  # cron's rule: either one
        return day_matches and weekday_matches


# --8<-- [start:trigger]
def crontab_trigger(expression: str, timezone: str) -> CrontabTrigger:
    """The APScheduler trigger that fires when cron would run EXPRESSION in TIMEZONE."""
    return CrontabTrigger(expression, timezone)


# --8<-- [end:trigger]


class CrontabTrigger(BaseTrigger):
    """Fires at the local times a five-field crontab string (or a macro) names."""

    # Enough to find 29 February on a given weekday; parse_crontab refuses what never fires.
    SEARCH_DAYS = 366 * 28

    def __init__(self, expression: str, timezone: str) -> None:
        self.crontab = parse_crontab(expression)
        self.timezone = zone(timezone)

    def __str__(self) -> str:
        return f"cron[{self.crontab.expression}]"

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        # Work in UTC: within one zone, Python's arithmetic and comparisons use the
        # wall clock and ignore fold (which of a repeated hour's two passes is meant).
        start = now.astimezone(timezone.utc)  # the first fire time, then each after the last
        if previous_fire_time is not None:
            start = previous_fire_time.astimezone(timezone.utc) + timedelta(microseconds=1)
        day = start.astimezone(self.timezone).date() - timedelta(days=1)  # see _end_of_gap
        for _ in range(self.SEARCH_DAYS):
            if self.crontab.runs_on(day):
                later = [fire for fire in self._fire_times(day, start) if fire >= start]
                if later:
                    return min(later).astimezone(self.timezone)
            day += timedelta(days=1)
        return None

    def _fire_times(self, day: date, start: datetime) -> list[datetime]:
        """The fire times on DAY, in UTC, leaving out hours that end before START."""
        fire_times = []
        for hour in sorted(self.crontab.hours):
            if _latest_instant(day, hour, self.timezone) < start:
                continue
            for minute in sorted(self.crontab.minutes):
                wall = datetime.combine(day, time(hour, minute))
                instants = self._instants(wall)
                fire_times.extend(moment.astimezone(timezone.utc) for moment in instants)
        return fire_times

    def _instants(self, wall: datetime) -> list[datetime]:
        """The moments when the local clock shows WALL, the way cron treats them."""
        first = wall.replace(tzinfo=self.timezone, fold=0)
        second = wall.replace(tzinfo=self.timezone, fold=1)
        if _exists(first):
            if first.utcoffset() == second.utcoffset() or self.crontab.fixed_time:
                return [first]
            return [first, second]  # the repeated hour
        if self.crontab.fixed_time:
            return [_end_of_gap(wall, self.timezone)]  # the skipped hour: run after it
        return []


def next_fire_times(trigger: BaseTrigger, count: int, now: datetime) -> list[datetime]:
    """The next COUNT fire times after NOW, asked for as the scheduler asks."""
    times: list[datetime] = []
    previous = None
    while len(times) < count:
        previous = trigger.get_next_fire_time(previous, now)
        if previous is None:  # the schedule has ended
            break
        times.append(previous)
    return times


def zone(name: str) -> ZoneInfo:
    """The time zone called NAME (an IANA name such as 'Europe/Berlin')."""
    if not isinstance(name, str) or name not in known_time_zones():
        shown = repr(name)[:60]
        raise CrontabError(f"unknown time zone {shown}; use an IANA name such as 'Europe/Berlin'")
    return ZoneInfo(name)


@cache
def known_time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _exists(moment: datetime) -> bool:
    round_trip = moment.astimezone(timezone.utc).astimezone(moment.tzinfo)
    return round_trip.replace(tzinfo=None) == moment.replace(tzinfo=None)


def _latest_instant(day: date, hour: int, tz: ZoneInfo) -> datetime:
    """No fire time in this local hour is later than this (whatever the clock does)."""
    wall = datetime.combine(day, time(hour, 59))
    return max(wall.replace(tzinfo=tz, fold=fold).astimezone(timezone.utc) for fold in (0, 1))


def _end_of_gap(wall: datetime, tz: ZoneInfo) -> datetime:
    """The first moment after the clock jumped over WALL, found to the minute."""
    low = wall.replace(tzinfo=tz, fold=1).astimezone(timezone.utc)  # before the jump
    high = wall.replace(tzinfo=tz, fold=0).astimezone(timezone.utc)  # after it
    while high - low > timedelta(minutes=1):
        middle = low + (high - low) // 2
        middle = middle.replace(second=0, microsecond=0)
        if middle.astimezone(tz).replace(tzinfo=None) > wall:
            high = middle
        else:
            low = middle
    return high.astimezone(tz)


def parse_crontab(expression: str) -> Crontab:
    """Parse five fields or a macro; raise CrontabError naming what is wrong."""
    if not isinstance(expression, str) or not expression.strip():
        raise CrontabError("the crontab string is empty")
    text = expression.strip()
    if text.startswith("@"):
        return parse_crontab(_expand_macro(text))
    parts = text.split()
    if len(parts) != 5:
        raise CrontabError(
            f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(parts)}"
            + (": seconds and years are not cron fields" if len(parts) in (6, 7) else "")
        )
    values = [_parse_field(part, field) for part, field in zip(parts, FIELDS, strict=True)]
    minutes, hours, days, months, weekdays = values
    crontab = Crontab(
        expression=" ".join(parts),
        minutes=minutes,
        hours=hours,
        days=days,
        months=months,
        weekdays=frozenset(day % 7 for day in weekdays),
        days_restricted=not parts[2].startswith("*"),
        weekdays_restricted=not parts[4].startswith("*"),
        fixed_time=not (parts[0].startswith("*") or parts[1].startswith("*")),
    )
    _check_it_can_fire(crontab)
    return crontab


def _expand_macro(text: str) -> str:
    macro = text.lower()
    if macro == "@reboot":
        raise CrontabError("@reboot runs at start-up, not on a schedule; it has no fire times")
    if macro not in MACROS:
        raise CrontabError(f"unknown macro {text!r}; known: {', '.join(MACROS)}")
    return MACROS[macro]


def _parse_field(text: str, field: Field) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        values.update(_parse_item(item, field))
    return frozenset(values)


def _parse_item(item: str, field: Field) -> range:
    match = ITEM.match(item)
    if not match:
        raise CrontabError(f"{field.name}: {item!r} is not a number, name, range or step")
    if match["star"]:
        low, high = field.low, field.high
    else:
        low = _number(match["low"], field)
        high = _number(match["high"], field) if match["high"] else low
        if low > high:
            raise CrontabError(f"{field.name}: the range {item!r} runs backwards")
        if match["step"] and not match["high"]:
            raise CrontabError(
                f"{field.name}: a step needs a range or '*' before it, as in "
                f"'{low}-{field.high}/{match['step']}' or '*/{match['step']}', not {item!r}"
            )
    step = _step(match["step"], field) if match["step"] else 1
    return range(low, high + 1, step)


def _number(text: str, field: Field) -> int:
    if text.isascii() and text.isdigit():
        value = int(text)
    elif field.names and text.lower() in field.names:
        return field.names[text.lower()]
    else:
        known = f" or a name ({', '.join(field.names)})" if field.names else ""
        raise CrontabError(f"{field.name}: {text!r} is not a number{known}")
    if not field.low <= value <= field.high:
        raise CrontabError(f"{field.name}: {value} is out of range {field.low}-{field.high}")
    return value


def _step(text: str, field: Field) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) == 0:
        raise CrontabError(f"{field.name}: the step {text!r} must be a whole number above 0")
    return int(text)


def _check_it_can_fire(crontab: Crontab) -> None:
    """cron accepts '0 0 30 2 *' and never runs it; refuse it instead of waiting forever."""
    if crontab.weekdays_restricted and crontab.days_restricted:
        return  # the weekdays alone give fire times
    if not crontab.days_restricted:
        return
    longest = {month: calendar.monthrange(2024, month)[1] for month in crontab.months}
    if not any(day <= longest[month] for day in crontab.days for month in crontab.months):
        raise CrontabError("this schedule never fires: none of those months has those days")
