"""Each run of every task, reported to Healthchecks: a dead man's switch outside."""

import logging
import traceback
import urllib.request

from celery import Task
from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify

logger = logging.getLogger(__name__)


class PingedTask(Task):
    """Every task's class (eventproject/celery.py). With HEALTHCHECKS_PING_URL, a run
    pings <url>/<check>/start, then <url>/<check>, or <url>/<check>/fail with the error."""

    def __call__(self, *args, **kwargs):
        if not settings.HEALTHCHECKS_PING_URL or not self.ping("/start"):
            return self.run(*args, **kwargs)  # unreported: no URL, or no answer in 5 s
        try:
            result = self.run(*args, **kwargs)
        except Exception:
            self.ping("/fail", traceback.format_exc())
            raise
        self.ping()
        return result

    def ping(self, signal: str = "", error: str = "") -> bool:
        """POST the run's period (beat.py) and error, which Healthchecks logs; False if it fails."""
        # Check: the periodic task's name as a slug (or the task's); rid: the run's task id.
        check = slugify(self.request.get("periodic_task_name") or self.name.rpartition(".")[2])
        period = self.request.get("period") or timezone.localtime().isoformat(timespec="seconds")
        body = f"period {period}\n{error.encode()[-9_900:].decode(errors='ignore')}".encode()
        url = f"{settings.HEALTHCHECKS_PING_URL}/{check}{signal}?rid={self.request.id}"
        try:
            urllib.request.urlopen(url, body, timeout=5).close()
            return True
        except Exception as failure:  # whatever it is, the task goes on
            logger.warning("Ping %s%s failed: %s", check, signal, failure)
            return False
