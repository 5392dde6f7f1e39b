"""The heartbeat is the leader's lease renewal: the home page and `manage.py
schedulerstatus` tell a running scheduler from a stale, stopped or missing one, and say
when a job's last run failed, in one line; schedulerstatus exits with 1 then."""

import signal
import sqlite3
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from support.faults import fail_once
from support.processes import STARTED_LINE, clean_env, command, manage

from eventapp.leader import Lease
from eventapp.models import SchedulerLease
from eventapp.status import scheduler_status


def expire() -> None:
    past = timezone.now() - timedelta(minutes=1)
    SchedulerLease.objects.update(expires_at=past)


@pytest.fixture
def leading(transactional_db) -> Lease:
    lease = Lease()
    assert lease.take()
    return lease


def test_no_scheduler_yet(transactional_db):
    healthy, message = scheduler_status()

    assert not healthy
    assert message == "No scheduler has run yet: start `python manage.py runapscheduler`."


def test_a_renewed_lease_is_a_running_scheduler(leading):
    assert scheduler_status() == (
        True,
        f"Scheduler running in {leading.holder}; the last runs succeeded.",
    )


def test_a_lease_no_longer_renewed_is_a_stale_scheduler(leading):
    expire()

    healthy, message = scheduler_status()

    assert not healthy
    assert message.startswith(f"The scheduler is stale: {leading.holder} has not renewed")


def test_a_released_lease_is_a_stopped_scheduler(leading):
    leading.release()

    assert scheduler_status() == (
        False,
        f"No scheduler is running: the last one ({leading.holder}) stopped.",
    )


def test_a_failed_last_run_says_which_job_and_why(clock, monkeypatch):
    assert Lease().take()
    fail_once(monkeypatch)
    clock.advance(minutes=1)

    healthy, message = scheduler_status()
    assert not healthy
    assert message == (
        "The last run of create_save failed: NOT NULL constraint failed: eventapp_saveevent.saved"
    )

    clock.advance(minutes=1)  # the next run succeeds
    assert scheduler_status()[0]


def test_the_home_page_shows_it(leading, client):
    page = client.get("/").content.decode()
    assert f'<p id="scheduler-status" class="on">Scheduler running in {leading.holder}' in page

    expire()
    page = client.get("/").content.decode()
    assert '<p id="scheduler-status" class="off">The scheduler is stale: ' in page


def test_schedulerstatus_prints_one_line(leading, capsys):
    call_command("schedulerstatus")

    assert (
        capsys.readouterr().out
        == f"Scheduler running in {leading.holder}; the last runs succeeded.\n"
    )


def test_schedulerstatus_fails_on_a_stale_scheduler(leading):
    expire()

    with pytest.raises(CommandError, match="The scheduler is stale") as failed:
        call_command("schedulerstatus")
    assert failed.value.returncode == 1


def test_schedulerstatus_as_a_monitor_runs_it(set_up_copy, tmp_path):
    step = set_up_copy(tmp_path)
    with command(step, "runapscheduler") as scheduler:
        scheduler.wait_for(STARTED_LINE)
        healthy = manage(step, "schedulerstatus")
        scheduler.send(signal.SIGKILL)
    # What the database's clock says once the dead leader's lease has run out.
    with sqlite3.connect(step / "db.sqlite3") as db:
        db.execute("UPDATE eventapp_schedulerlease SET expires_at = '2000-01-01 00:00:00'")
    stale = manage(step, "schedulerstatus", env=clean_env())

    assert healthy.returncode == 0, healthy.stderr
    assert f"Scheduler running in process {scheduler.process.pid} on host" in healthy.stdout
    assert stale.returncode == 1
    assert stale.stderr.startswith("CommandError: The scheduler is stale: process ")
