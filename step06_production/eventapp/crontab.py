"""Crontab strings with cron's meaning, as an APScheduler trigger.

APScheduler 3's CronTrigger.from_crontab() numbers weekdays from Monday=0 and
requires both day fields to match; cron counts Sunday as 0 (and 7) and runs a day
that matches either. cronsim follows Debian's cron, daylight saving time included:
this trigger only asks it for the next time.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from cronsim import CronSim


# --8<-- [start:trigger]
class CrontabTrigger(BaseTrigger):
    """Fires when cron would run EXPRESSION, on the wall clock of TIMEZONE."""

    def __init__(self, expression: str, timezone: str) -> None:
        self.timezone = ZoneInfo(timezone)
        CronSim(expression, datetime.now(self.timezone))  # a bad one raises CronSimError here
        self.expression = expression

    def get_next_fire_time(self, previous_fire_time, now: datetime) -> datetime | None:
        start = (previous_fire_time or now).astimezone(self.timezone)
        return next(CronSim(self.expression, start), None)  # None: it never fires again

    def __str__(self) -> str:
        return f"cron[{self.expression}]"


# --8<-- [end:trigger]
