"""The heartbeat: the leader says who it is every few seconds; the home page and
`manage.py schedulerstatus` tell a fresh heartbeat from a stale, stopped or missing one.

Simulated time with time-machine, in this process: the accelerated clock of a real
scheduler process runs far ahead of everyone else's, so ages measured across processes
would mean nothing there. One real process shows the exit codes systemd sees."""

import signal
import threading
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from django.core.management import CommandError, call_command
from support.processes import STARTED_LINE, accelerated, clean_env, command, manage

from eventapp.heartbeat import Heartbeat, scheduler_status
from eventapp.leader import FileSchedulerLock, Leadership
from eventapp.models import SchedulerHeartbeat

NOW = datetime(2026, 3, 2, 9, 0, 30, tzinfo=timezone.utc)


@pytest.fixture
def at():
    """Travel to a moment, frozen; travel again to move on."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller.move_to


@pytest.fixture
def beating(at, db):
    heartbeat = Heartbeat()
    heartbeat.start()
    return heartbeat


def test_no_heartbeat_yet(db):
    status = scheduler_status()

    assert not status.healthy
    assert "No scheduler has run yet" in status.message
    assert "manage.py runapscheduler" in status.message


def test_a_fresh_heartbeat_names_the_process_and_its_age(beating, at, settings):
    settings.SCHEDULER_HEARTBEAT_SECONDS = 5
    at(NOW + timedelta(seconds=3))

    status = scheduler_status()

    assert status.healthy
    assert status.message == (
        f"Scheduler running in process {beating.pid} on host {beating.host}, "
        "last heartbeat 3 s ago."
    )


def test_each_beat_makes_it_fresh_again(beating, at, settings):
    settings.SCHEDULER_HEARTBEAT_SECONDS = 5
    at(NOW + timedelta(seconds=14))
    beating.beat()
    at(NOW + timedelta(seconds=20))

    assert scheduler_status().message.endswith("last heartbeat 6 s ago.")


def test_three_missed_beats_make_it_stale(beating, at, settings):
    settings.SCHEDULER_HEARTBEAT_SECONDS = 5
    at(NOW + timedelta(seconds=15))
    assert scheduler_status().healthy

    at(NOW + timedelta(seconds=16))
    status = scheduler_status()

    assert not status.healthy
    assert status.message.startswith("The scheduler heartbeat is stale: the last one came 16 s ago")
    assert f"process {beating.pid} on host {beating.host}" in status.message


def test_a_clean_stop_says_so(beating, at):
    at(NOW + timedelta(seconds=2))
    beating.stop()

    status = scheduler_status()

    assert not status.healthy
    assert status.message.startswith(
        f"No scheduler is running: the last one (process {beating.pid} on host {beating.host})"
        " stopped at 2026-03-02 10:00:32 CET"
    )


def test_a_heartbeat_from_a_clock_ahead_is_fresh(beating, at):
    at(NOW - timedelta(seconds=2))  # this host's clock is behind the leader's

    assert scheduler_status().message.endswith("last heartbeat 0 s ago.")


def test_a_former_leader_does_not_write_over_its_successor(beating, at):
    at(NOW + timedelta(seconds=1))
    successor = Heartbeat()
    successor.start()

    at(NOW + timedelta(seconds=2))
    beating.beat()
    beating.stop()

    row = SchedulerHeartbeat.objects.get()
    assert (row.started_at, row.beat_at, row.stopped_at) == (NOW + timedelta(seconds=1),) * 2 + (
        None,
    )


def test_the_leader_beats_every_few_seconds(transactional_db, settings, tmp_path, monkeypatch):
    settings.SCHEDULER_HEARTBEAT_SECONDS = 0.05
    beats = threading.Semaphore(0)
    real_beat = Heartbeat.beat
    monkeypatch.setattr(Heartbeat, "beat", lambda self: (real_beat(self), beats.release()))
    leadership = Leadership(FileSchedulerLock(tmp_path / "lock"))
    assert leadership.try_acquire()

    leadership.begin(on_lost=lambda: None)
    try:
        assert all(beats.acquire(timeout=5) for _ in range(3))
    finally:
        leadership.end()
    assert SchedulerHeartbeat.objects.get().stopped_at is not None


def test_the_home_page_shows_the_heartbeat(beating, at, client):
    at(NOW + timedelta(seconds=3))
    page = client.get("/").content.decode()
    assert (
        '<p id="scheduler-heartbeat" class="on">Scheduler running in process '
        f"{beating.pid} on host {beating.host}, last heartbeat 3 s ago.</p>"
    ) in page

    at(NOW + timedelta(minutes=5))
    page = client.get("/").content.decode()
    assert (
        '<p id="scheduler-heartbeat" class="off">Warning: The scheduler heartbeat is stale' in page
    )


def test_schedulerstatus_prints_a_fresh_heartbeat(beating, at, capsys):
    at(NOW + timedelta(seconds=1))

    call_command("schedulerstatus")

    assert "last heartbeat 1 s ago" in capsys.readouterr().out


def test_schedulerstatus_fails_on_a_stale_heartbeat(beating, at):
    at(NOW + timedelta(minutes=1))

    with pytest.raises(CommandError, match="heartbeat is stale") as failed:
        call_command("schedulerstatus")
    assert failed.value.returncode == 1


def test_schedulerstatus_as_systemd_or_a_health_check_runs_it(set_up_copy, tmp_path):
    """Real time in the scheduler: its heartbeat and the checks' clocks agree."""
    step = set_up_copy(tmp_path)
    env = clean_env(SCHEDULER_HEARTBEAT_SECONDS="1")
    with command(step, "runapscheduler", env=env) as scheduler:
        scheduler.wait_for(STARTED_LINE)
        healthy = manage(step, "schedulerstatus", env=env)
        scheduler.send(signal.SIGKILL)

    # Dead, but it beat a moment ago: the heartbeat goes stale 3 beats later.
    a_minute_later = accelerated(env, start=datetime.now(timezone.utc) + timedelta(minutes=1))
    stale = manage(step, "schedulerstatus", env=a_minute_later)

    assert healthy.returncode == 0, healthy.stderr
    assert f"Scheduler running in process {scheduler.process.pid} on host" in healthy.stdout
    assert stale.returncode == 1
    assert "The scheduler heartbeat is stale" in stale.stderr
