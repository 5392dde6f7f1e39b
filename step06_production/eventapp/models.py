from django.db import models
from django.utils.timezone import localtime


class SaveEvent(models.Model):
    """One row written by the scheduled job."""

    saved = models.IntegerField(help_text="A random number from 0 to 99.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Save #{self.pk}: {self.saved} at {localtime(self.created_at):%Y-%m-%d %H:%M:%S %Z}"


class Campaign(models.Model):
    """A marketing campaign that a scheduled job closes once its end time has passed."""

    class Status(models.TextChoices):
        OPEN = "open", "open"
        CLOSED = "closed", "closed"

    name = models.CharField(max_length=200)
    ends_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["ends_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.status}, ends {self.ends_at:%Y-%m-%d %H:%M %Z})"


class SchedulerLease(models.Model):
    """Who runs the jobs: the runapscheduler process that holds it until it expires."""

    name = models.CharField(max_length=50, primary_key=True)
    holder = models.CharField(max_length=200, blank=True)  # "process 123 on host web1"
    expires_at = models.DateTimeField(null=True, blank=True)  # by the database's clock

    def __str__(self) -> str:
        return self.holder or "nobody"
