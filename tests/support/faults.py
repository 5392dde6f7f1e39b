"""Make the step's job fail on purpose, the way a busy database would make it fail."""

from django.db import OperationalError

from eventapp.models import SaveEvent


def fail_once(monkeypatch) -> None:
    """The job's next SaveEvent insert raises OperationalError; later ones succeed."""
    real_create = SaveEvent.objects.create
    calls = []

    def create(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return real_create(**kwargs)

    monkeypatch.setattr(SaveEvent.objects, "create", create)
