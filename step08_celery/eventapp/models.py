from django.db import models
from django.utils.timezone import localtime


class SaveEvent(models.Model):
    """One row written by the scheduled job."""

    saved = models.IntegerField(help_text="A random number from 0 to 99.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # One row per task message, however often it is delivered (eventapp/tasks.py).
    task_id = models.CharField(
        max_length=255, unique=True, help_text="The Celery task that wrote this row."
    )

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
