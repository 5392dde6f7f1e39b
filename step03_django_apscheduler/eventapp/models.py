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
