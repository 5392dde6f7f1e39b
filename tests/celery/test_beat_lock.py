"""Two beats, one sender: the step's LeaderScheduler and its lock in a real Redis."""

import io
import logging
from datetime import datetime, timedelta, timezone

import pytest
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask
from kombu.exceptions import OperationalError
from support.processes import free_port

from eventapp.beat import LOCK_NAME, LeaderScheduler

UTC = timezone.utc
START = datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
EVERY_MINUTE = "create_save"
DAILY = "close_finished_campaigns"
SLEEPS = 60  # beat's longest sleep here, in simulated seconds (see test_beat_schedule.py)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def times(sent) -> list[datetime]:
    return [message.at for message in sent]


def minutes(sent) -> list[int]:
    """The minute past 09:00 in which each message was sent."""
    return [(message.at - START.replace(second=0)) // MINUTE for message in sent]


def expire_the_lock(beat) -> None:
    """What Redis does 5 x max_interval seconds after the leader last extended its lock:
    the key is gone. (Here time is simulated and Redis's is not; the real-process test
    waits for the real expiry.)"""
    assert beat.broker.delete(LOCK_NAME) == 1


def test_of_two_beats_only_one_sends(start_beat):
    beat = start_beat(at=START, only=[EVERY_MINUTE], max_interval=SLEEPS)
    leader, standby = beat.scheduler, beat.new_scheduler()

    sent = beat.run_until(START + 10 * MINUTE + timedelta(seconds=30), leader, standby)

    assert minutes(sent) == list(range(1, 11))  # once a minute, not twice
    assert (leader.leading, standby.leading) == (True, False)
    assert beat.broker.get(LOCK_NAME).decode() == leader.holder


def test_a_standby_goes_on_from_the_last_run_the_leader_wrote_down(start_beat):
    beat = start_beat(at=START, only=[EVERY_MINUTE], max_interval=SLEEPS)
    leader, standby = beat.scheduler, beat.new_scheduler()
    before = beat.run_until(START + 3 * MINUTE + timedelta(seconds=10), leader, standby)
    expire_the_lock(beat)  # the leader dies 10 s after its third run

    after = beat.run_until(START + 6 * MINUTE + timedelta(seconds=10), standby)

    assert minutes(before) == [1, 2, 3]
    # The standby read the leader's last run (09:03:30): its first is a minute after it,
    # not at once, as it would be with the schedule it read when it started (09:00:30).
    assert minutes(after) == [4, 5, 6]
    assert abs(after[0].at - before[-1].at - MINUTE) < timedelta(seconds=1)


def test_a_standby_takes_over_when_the_lock_expires_and_a_stalled_leader_stands_by(
    start_beat, caplog
):
    beat = start_beat(at=START, only=[EVERY_MINUTE], max_interval=SLEEPS)
    leader, standby = beat.scheduler, beat.new_scheduler()
    before = beat.run_until(START + 3 * MINUTE + timedelta(seconds=10), leader, standby)
    # The leader stalls: no tick for five minutes, and its lock expires meanwhile.
    beat.traveller.shift(5 * MINUTE)
    expire_the_lock(beat)

    after = beat.run_until(START + 10 * MINUTE + timedelta(seconds=20), standby)
    with caplog.at_level(logging.WARNING, logger="eventapp.beat"):
        late = beat.run_until(START + 12 * MINUTE + timedelta(seconds=20), leader, standby)

    assert minutes(before) == [1, 2, 3]
    # DatabaseScheduler's rule: the run missed meanwhile once, at once, then once a minute.
    assert minutes(after) == [8, 9, 10]
    assert minutes(late) == [11, 12]  # sent by the standby alone
    assert (leader.leading, standby.leading) == (False, True)
    assert f"Beat {leader.holder} stands by: its lock expired" in caplog.text


def test_a_beat_that_stops_cleanly_hands_over_at_once(start_beat):
    beat = start_beat(at=START, only=[EVERY_MINUTE], max_interval=SLEEPS)
    leader, standby = beat.scheduler, beat.new_scheduler()
    beat.run_until(START + 2 * MINUTE + timedelta(seconds=10), leader, standby)

    leader.close()  # SIGTERM or Ctrl+C: celery beat closes its scheduler
    assert beat.broker.get(LOCK_NAME) is None
    sent = beat.run_until(START + 4 * MINUTE + timedelta(seconds=10), standby)

    assert minutes(sent) == [3, 4]
    assert standby.leading


def test_schedulerstatus_names_the_beat_holding_the_lock_and_fails_once_none_does(
    start_beat, redis, settings
):
    settings.CELERY_BROKER_URL = redis.url
    beat = start_beat(at=START, only=[EVERY_MINUTE], max_interval=SLEEPS)
    beat.scheduler.tick()  # takes the lock
    leading = io.StringIO()
    call_command("schedulerstatus", stdout=leading)
    beat.scheduler.close()  # and lets it go

    with pytest.raises(CommandError) as none_leads:
        call_command("schedulerstatus")

    holder = beat.scheduler.holder
    assert leading.getvalue() == f"Scheduler running in {holder}, the beat that leads.\n"
    assert none_leads.value.returncode == 1
    assert str(none_leads.value).startswith("No scheduler is running: no beat holds the lock.")


def test_a_task_that_could_not_be_sent_is_not_written_down_as_run(start_beat, monkeypatch):
    at_0519 = datetime(2026, 3, 2, 4, 19, tzinfo=UTC)  # Berlin time: 05:19
    beat = start_beat(at=at_0519, only=[DAILY], max_interval=SLEEPS)
    beat.run_until(at_0519 + timedelta(seconds=50))  # it leads; nothing is due yet
    publish = beat.scheduler.app.amqp.send_task_message
    failures = []

    def redis_goes_away_at_0520(*args, **kwargs):
        if not failures:  # the first time only: Redis is back for the next try
            failures.append(datetime.now(UTC))
            raise OperationalError("Error 111 connecting to Redis. Connection refused.")
        return publish(*args, **kwargs)

    monkeypatch.setattr(beat.scheduler.app.amqp, "send_task_message", redis_goes_away_at_0520)
    sent = beat.run_until(at_0519 + 5 * MINUTE)

    # 05:20 Berlin time failed to send; it was sent a moment later, not a day later.
    assert [failure.replace(microsecond=0) for failure in failures] == [at_0519 + MINUTE]
    assert [message.periodic_task for message in sent] == [DAILY]
    assert sent[0].at - failures[0] < timedelta(seconds=2)
    assert PeriodicTask.objects.get(name=DAILY).total_run_count == 1


def test_without_redis_a_beat_stands_by_and_sends_nothing(celery_app, db, caplog):
    celery_app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens
    scheduler = LeaderScheduler(app=celery_app)

    with caplog.at_level(logging.WARNING, logger="eventapp.beat"):
        wait = scheduler.tick()

    assert not scheduler.leading
    assert wait == scheduler.max_interval  # it tries again then
    assert "Redis" in caplog.text


def test_a_broker_that_is_not_redis_stops_beat(celery_app, db):
    celery_app.conf.broker_url = "amqp://guest@127.0.0.1//"

    with pytest.raises(ValueError, match=r"redis://"):
        LeaderScheduler(app=celery_app)
