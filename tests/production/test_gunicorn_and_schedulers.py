"""Production as real processes: gunicorn with four workers beside scheduler processes,
on SQLite and on PostgreSQL, with simulated time running fast inside the schedulers.
However many schedulers start, one runs the jobs at a time; a standby takes over when
it dies or stops; and each period runs once, none twice."""

import os
import re
import signal
import time
import urllib.request
from datetime import datetime, timezone

import pytest
from deployments import DATABASES, copied, deployed
from support.gunicorn import READY, gunicorn
from support.processes import STARTED_LINE, command, schedulers_started

START = datetime(2026, 3, 2, 9, 0, 30, tzinfo=timezone.utc)
ROW_CREATED = "Created Save #"  # logged by create_save once its row is committed
WAITING = "Waiting for the scheduler lock: held by process {} on host "
RUNS = 5  # create_save runs to see from each leader
WORKERS = 4
TAKEOVER_WITHIN = 5  # seconds of real time


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


def test_one_scheduler_among_web_workers_and_two_scheduler_processes(deployment):
    step, env = deployment.step, deployment.env
    with (
        gunicorn(step, workers=WORKERS, env=env | {"SCHEDULER_AUTOSTART": "0"}) as web,
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

    started = schedulers_started(first.text + second.text + web.text)
    assert started == [first.process.pid, second.process.pid]
    assert f"Scheduler stopped in process {second.process.pid}" in second.text
    # The page names the leader. (How old its heartbeat looks means nothing here: the
    # leader's clock ran ahead, far from the web's. tests/production/test_heartbeat.py.)
    assert f"process {first.process.pid} on host " in home
    assert "body" in css and "immutable" in headers["Cache-Control"]
    periods = deployment.each_period_once()
    figures(
        deployment,
        web_workers=WORKERS,
        scheduler_processes=2,
        schedulers_started=len(started),
        periods=periods.periods,
        rows=periods.saves,
        runs_doubled=max(0, periods.saves - periods.periods),
        interrupted_by_sigkill=periods.interrupted,
        takeover_after_sigkill_s=f"{takeover:.2f}",
    )


def test_autostart_left_on_in_the_web_workers_still_runs_each_period_once(deployment):
    step, env = deployment.step, deployment.env
    with gunicorn(
        step, workers=WORKERS, accelerate=True, start=START, env=env | {"SCHEDULER_AUTOSTART": "1"}
    ) as web:
        # Four workers start at once, each trying to start a scheduler: one leads.
        web.wait_for(READY, count=WORKERS)
        [leader] = schedulers_started("".join(web.wait_for(STARTED_LINE)))
        web.wait_for(WAITING.format(leader), count=WORKERS - 1)
        with command(step, "runapscheduler", accelerate=True, start=START, env=env) as scheduler:
            scheduler.wait_for(WAITING.format(leader))
            web.wait_for(ROW_CREATED, count=RUNS)

            stopped = time.monotonic()
            os.killpg(web.process.pid, signal.SIGTERM)
            scheduler.wait_for(STARTED_LINE, timeout=TAKEOVER_WITHIN)
            takeover = time.monotonic() - stopped
            scheduler.wait_for(ROW_CREATED, count=RUNS)
            assert scheduler.send(signal.SIGTERM) == 0
        assert web.process.wait(timeout=30) == 0  # SIGTERM sent above: a clean stop

    started = schedulers_started(web.text + scheduler.text)
    assert started == [leader, scheduler.process.pid]
    assert f"Scheduler stopped in process {leader}" in web.text
    # Python stops a process's thread pools as it exits, before the atexit handler stops
    # the scheduler in it: a run due in that instant does not start, and the next
    # leader marks it interrupted. (runapscheduler stops its scheduler before exiting.)
    periods = deployment.each_period_once()
    figures(
        deployment,
        web_workers_with_autostart=WORKERS,
        scheduler_processes=1,
        schedulers_started=len(started),
        periods=periods.periods,
        rows=periods.saves,
        runs_doubled=max(0, periods.saves - periods.periods),
        interrupted_at_exit=periods.interrupted,
        takeover_after_sigterm_s=f"{takeover:.2f}",
    )
