"""Two beats, one sender: the step's LeaderScheduler and its lock in a real Redis."""

import logging
from datetime import datetime, timedelta, timezone

import pytest
from django.core.exceptions import ImproperlyConfigured
from support.processes import free_port

from eventapp.beat import LOCK_NAME, LeaderScheduler

UTC = timezone.utc
START = datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
GRID = [datetime(2026, 3, 2, 9, 1, tzinfo=UTC) + n * MINUTE for n in range(60)]  # on the minute
EVERY_MINUTE = "create_save"
SLEEPS = 60  # beat's longest sleep here, in simulated seconds (see test_beat_schedule.py)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def periods(sent) -> list[datetime]:
    return [message.scheduled_for for message in sent]


def expire_the_lock(beat) -> None:
    """What Redis does BEAT_LOCK_TIMEOUT seconds after the leader last extended its lock:
    the key is gone. (Here time is simulated and Redis's is not; the real-process test
    waits for the real expiry.)"""
    assert beat.broker.delete(LOCK_NAME) == 1


def test_of_two_beats_only_one_sends_each_period_once(start_beat):
    beat = start_beat(at=START, only=[EVERY_MINUTE], max_interval=SLEEPS)
    leader, standby = beat.scheduler, beat.new_scheduler()

    sent = beat.run_until(START + 10 * MINUTE, leader, standby)

    assert periods(sent) == GRID[:10]
    assert (leader.leading, standby.leading) == (True, False)
    assert beat.broker.get(LOCK_NAME).decode() == leader.holder


def test_a_standby_takes_over_when_the_lock_expires_and_sends_what_was_missed(start_beat, caplog):
    beat = start_beat(at=START, only=[EVERY_MINUTE], max_interval=SLEEPS)
    leader, standby = beat.scheduler, beat.new_scheduler()
    before = beat.run_until(START + 3 * MINUTE, leader, standby)
    # The leader stalls: no tick for five minutes, and its lock expires meanwhile.
    beat.traveller.shift(5 * MINUTE)
    expire_the_lock(beat)

    after = beat.run_until(START + 10 * MINUTE, standby)
    with caplog.at_level(logging.WARNING, logger="eventapp.beat"):
        late = beat.run_until(START + 12 * MINUTE, leader, standby)

    assert periods(before) == GRID[:3]
    assert periods(after) == GRID[3:10]  # the five missed, in order, then on time
    assert periods(late) == GRID[10:12]  # sent by the standby alone
    assert (leader.leading, standby.leading) == (False, True)
    assert f"Beat {leader.holder} stands by: its lock expired" in caplog.text


def test_a_standby_sends_again_with_the_same_periods_what_the_leader_did_not_write_down(
    start_beat,
):
    beat = start_beat(at=START, only=[EVERY_MINUTE], max_interval=SLEEPS)
    leader, standby = beat.scheduler, beat.new_scheduler()
    leader.sync_every_tasks = None  # it writes its first period, then none for 3 minutes
    before = beat.run_until(START + 4 * MINUTE, leader, standby)
    expire_the_lock(beat)  # then dies

    after = beat.run_until(START + 6 * MINUTE, standby)

    assert periods(before) == GRID[:4]
    # Sent twice, each time as the same period: the tasks' key (scheduled_for) makes
    # the second delivery write nothing (test_celery_tasks.py).
    assert periods(after) == GRID[1:6]


def test_a_beat_that_stops_cleanly_hands_over_at_once(start_beat):
    beat = start_beat(at=START, only=[EVERY_MINUTE], max_interval=SLEEPS)
    leader, standby = beat.scheduler, beat.new_scheduler()
    beat.run_until(START + 2 * MINUTE, leader, standby)

    leader.close()  # SIGTERM or Ctrl+C: celery beat closes its scheduler
    assert beat.broker.get(LOCK_NAME) is None
    sent = beat.run_until(START + 4 * MINUTE, standby)

    assert periods(sent) == GRID[2:4]
    assert standby.leading


def test_without_redis_a_beat_stands_by_and_sends_nothing(celery_app, db, caplog):
    celery_app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens
    scheduler = LeaderScheduler(app=celery_app)

    with caplog.at_level(logging.WARNING, logger="eventapp.beat"):
        wait = scheduler.tick()

    assert not scheduler.leading
    assert wait == scheduler.max_interval  # it tries again then
    assert "Redis" in caplog.text


@pytest.mark.parametrize("value", [2, 0.5, "5", True, None])
def test_a_lock_timeout_that_cannot_outlive_a_tick_stops_beat(celery_app, db, settings, value):
    settings.BEAT_LOCK_TIMEOUT = value

    with pytest.raises(ImproperlyConfigured, match=r"BEAT_LOCK_TIMEOUT=.*above twice"):
        LeaderScheduler(app=celery_app, max_interval=1)


def test_a_broker_that_is_not_redis_stops_beat(celery_app, db):
    celery_app.conf.broker_url = "amqp://guest@127.0.0.1//"

    with pytest.raises(ImproperlyConfigured, match=r"CELERY_BROKER_URL=.*redis://"):
        LeaderScheduler(app=celery_app)
