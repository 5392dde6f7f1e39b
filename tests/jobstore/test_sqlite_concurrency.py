"""SQLite with the scheduler and web requests writing at once: nobody gets "database is
locked", because every transaction takes the write lock as it begins and waits for it."""

import threading

from django.db import OperationalError, connection, transaction

from eventapp.models import SaveEvent

WRITERS = 4
TRANSACTIONS_EACH = 40
MINUTES = 60


def read_then_write(start: threading.Barrier, errors: list[BaseException]) -> None:
    """What a view does: read, then write, in one transaction (ATOMIC_REQUESTS style)."""
    start.wait(timeout=10)
    try:
        for _ in range(TRANSACTIONS_EACH):
            with transaction.atomic():
                latest = SaveEvent.objects.first()
                SaveEvent.objects.create(saved=(latest.saved + 1) % 100 if latest else 0)
    except OperationalError as error:
        errors.append(error)
    finally:
        connection.close()


def test_the_database_waits_for_its_lock_instead_of_failing(clock):
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS + 1)
    writers = [
        threading.Thread(target=read_then_write, args=(start, errors)) for _ in range(WRITERS)
    ]
    for writer in writers:
        writer.start()

    start.wait(timeout=10)
    runs = clock.advance(minutes=MINUTES)
    for writer in writers:
        writer.join(timeout=60)

    assert errors == []
    assert [run.ok for run in runs if run.job_id == "create_save"] == [True] * MINUTES
    assert SaveEvent.objects.count() == MINUTES + WRITERS * TRANSACTIONS_EACH
