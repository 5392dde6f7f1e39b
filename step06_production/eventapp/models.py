from django.db import models


class SaveEvent(models.Model):
    """One row written by the scheduled job."""

    saved = models.IntegerField(help_text="A random number from 0 to 99.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Save #{self.pk}: {self.saved} at {self.created_at:%Y-%m-%d %H:%M:%S %Z}"


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


class JobRun(models.Model):
    """Who started each period of each job. django-apscheduler's run history does not
    say, so it cannot show a period that two schedulers both ran."""

    job_id = models.CharField(max_length=255)
    run_time = models.DateTimeField(db_index=True)
    started_by = models.CharField(max_length=255, help_text="process id and host")
    doubled_by = models.CharField(
        max_length=255, blank=True, help_text="a second process that started the same period"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job_id", "run_time"], name="one_start_per_period")
        ]
        ordering = ["-run_time"]

    def __str__(self) -> str:
        doubled = f", doubled by {self.doubled_by}" if self.doubled_by else ""
        return f"{self.job_id} at {self.run_time:%Y-%m-%d %H:%M:%S %Z}{doubled}"


# --8<-- [start:heartbeat_model]
class SchedulerHeartbeat(models.Model):
    """The process that runs the jobs, as it last said: one row, rewritten every few seconds.

    Only the process holding the scheduler lock writes it (eventapp/leader.py); web
    processes and `manage.py schedulerstatus` read it.
    """

    pid = models.PositiveIntegerField()
    host = models.CharField(max_length=255)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"process {self.pid} on host {self.host}"


# --8<-- [end:heartbeat_model]
