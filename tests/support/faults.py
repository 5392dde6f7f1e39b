"""Make the step's job fail on purpose."""

from django.db import IntegrityError

from eventapp.models import SaveEvent

# Not a passing trouble such as "database is locked", which step 7 retries: a
# failure that retrying cannot fix, so the run is recorded as failed.
BROKEN = IntegrityError("NOT NULL constraint failed: eventapp_saveevent.saved")


def fail_once(monkeypatch, error: Exception = BROKEN) -> None:
    """The job's next SaveEvent insert raises ERROR; later ones succeed."""
    real_create = SaveEvent.objects.create
    calls = []

    def create(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise error
        return real_create(**kwargs)

    monkeypatch.setattr(SaveEvent.objects, "create", create)
