"""Production as real processes: gunicorn with four workers beside two scheduler processes,
on SQLite and on PostgreSQL, with simulated time running fast inside the schedulers.
One runs the jobs; the standby takes over when it is killed, or frozen; a frozen leader
that wakes up starts no run; the web workers run none; each period runs once."""

import os
import re
import signal
import socket
import time
import urllib.request
from datetime import datetime, timezone

import pytest
from deployments import DATABASES, LEASE_SECONDS, copied, deployed
from support.gunicorn import READY, gunicorn
from support.processes import (
    STARTED_LINE,
    STEP_DIR,
    accelerated,
    command,
    lines_through,
    schedulers_started,
)
from support.transcripts import assert_transcript_current

START = datetime(2026, 3, 2, 9, 0, 30, tzinfo=timezone.utc)
ROW_CREATED = "Created Save #"  # logged by create_save once its row is committed
RUNNING = 'Running job "create_save'  # logged by APScheduler as a run starts
WAITING = "Waiting for the scheduler lease: held by process {} on host "
RUNS = 5  # create_save runs to see from each leader
WORKERS = 4
TAKEOVER_WITHIN = LEASE_SECONDS + 5  # seconds of real time


@pytest.fixture(scope="module", params=DATABASES)
def migrated(request, tmp_path_factory):
    with deployed(tmp_path_factory.mktemp("production"), request.param) as deployment:
        yield deployment


@pytest.fixture
def deployment(migrated, tmp_path):
    """Each test starts from an empty schedule: a copy, with a database of its own."""
    with copied(migrated, tmp_path) as deployment:
        yield deployment


def get(url: str) -> tuple[str, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode(errors="replace"), dict(response.headers)


def figures(deployment, **numbers) -> None:
    """The closing figures of step 6, printed with `pytest -s`."""
    print(
        f"\n[step 6 figures, {deployment.database}] "
        + ", ".join(f"{k}={v}" for k, v in numbers.items())
    )


def test_one_scheduler_among_web_workers_and_a_standby_that_takes_over(deployment):
    step, env = deployment.step, deployment.env
    with (
        gunicorn(step, workers=WORKERS, env=env) as web,
        command(step, "runapscheduler", accelerate=True, start=START, env=env) as first,
    ):
        first.wait_for(STARTED_LINE)
        with command(step, "runapscheduler", accelerate=True, start=START, env=env) as second:
            second.wait_for(WAITING.format(first.process.pid))
            first.wait_for(ROW_CREATED, count=RUNS)
            web.wait_for(READY, count=WORKERS)
            home, _ = get(web.url)
            login, _ = get(f"{web.url}admin/login/")
            # With DEBUG off the admin's styles come from collectstatic, through WhiteNoise.
            [stylesheet] = re.findall(r'href="/(static/admin/css/base\.[0-9a-f]{12}\.css)"', login)
            css, headers = get(f"{web.url}{stylesheet}")
            os.killpg(web.process.pid, signal.SIGTERM)  # it takes a moment: go on meanwhile

            killed = time.monotonic()
            first.send(signal.SIGKILL)
            second.wait_for(STARTED_LINE, timeout=TAKEOVER_WITHIN)
            takeover = time.monotonic() - killed
            second.wait_for(ROW_CREATED, count=RUNS)

            assert second.send(signal.SIGTERM) == 0
        assert web.process.wait(timeout=30) == 0  # SIGTERM sent above: a clean stop

    assert schedulers_started(web.text) == []  # the web workers run no scheduler
    assert schedulers_started(first.text + second.text) == [first.process.pid, second.process.pid]
    assert f"Scheduler stopped in process {second.process.pid}" in second.text
    assert "create_save" in home  # as the scheduler process stored it
    assert "body" in css and "immutable" in headers["Cache-Control"]
    if deployment.database == "sqlite":  # what the standby says, for the page
        standing_by = lines_through(second.text, "Took over the scheduler lease")
        host = socket.gethostname()
        assert_transcript_current(
            f"{STEP_DIR.name[:6]}-takeover",
            standing_by.replace(f"on host {host}\n", "on host web1\n"),
        )
    periods = deployment.each_period_once(kills=1)
    figures(
        deployment,
        web_workers=WORKERS,
        scheduler_processes=2,
        periods=periods.periods,
        rows=periods.saves,
        runs_doubled=periods.doubled,
        cut_short_by_sigkill=periods.cut_short,
        takeover_after_sigkill_s=f"{takeover:.2f}",
    )


def test_a_frozen_leader_is_replaced_and_starts_no_run_when_it_wakes(deployment):
    step, env = deployment.step, deployment.env
    # The leader's clock runs at the real pace: its first run is a minute away, so it is
    # idle when frozen, not half-way through a run. (A run it had fetched from the store
    # as it froze, its lease fences off: tests/production/test_lease.py.)
    at_real_pace = accelerated(env, start=START, until=START)
    with command(step, "runapscheduler", env=at_real_pace) as leader:
        leader.wait_for("apscheduler.scheduler: Scheduler started")
        with command(step, "runapscheduler", accelerate=True, start=START, env=env) as standby:
            standby.wait_for(WAITING.format(leader.process.pid))
            frozen = time.monotonic()
            os.killpg(leader.process.pid, signal.SIGSTOP)
            standby.wait_for(STARTED_LINE, timeout=TAKEOVER_WITHIN)
            takeover = time.monotonic() - frozen
            standby.wait_for(ROW_CREATED, count=RUNS)

            os.killpg(leader.process.pid, signal.SIGCONT)
            assert leader.process.wait(timeout=20) == 1
            assert standby.send(signal.SIGTERM) == 0

    assert "Lost the scheduler lease (another process holds it): stopping" in leader.text
    assert RUNNING not in leader.text
    assert schedulers_started(leader.text + standby.text) == [
        leader.process.pid,
        standby.process.pid,
    ]
    periods = deployment.each_period_once()
    figures(deployment, periods=periods.periods, takeover_after_sigstop_s=f"{takeover:.2f}")
