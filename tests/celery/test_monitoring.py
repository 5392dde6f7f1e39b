"""Step 8 watched from outside and from inside, with real processes on the fleet's fast
clock (a simulated minute a real second): each run of every task pings a real local
HTTP server as it would Healthchecks (eventapp/pings.py); Flower's API lists the workers
and the tasks they ran; `manage.py schedulerstatus` names the beat that leads, or fails."""

from __future__ import annotations

import base64
import json
import re
import signal
import sqlite3
import subprocess
import urllib.error
import urllib.request
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from harness import DEFAULT_START
from support.celery_fleet import (
    CELERY,
    HOLDER,
    LOCK_TIMEOUT,
    START_UP,
    WORKER,
    celery,
    fleet_env,
    holders_as_placeholders,
    migrated_step,
    sent_by,
    wait_until,
)
from support.pings import Ping, PingServer, ping_server
from support.processes import Server, clean_env, free_port, manage
from support.transcripts import assert_transcript_current

FLOWER_LOGIN = "admin:not-a-real-password"
MINUTE = timedelta(minutes=1)
# The test's own trouble: the database refuses every new SaveEvent row.
NO_MORE_SAVES = (
    "CREATE TRIGGER no_more_saves BEFORE INSERT ON eventapp_saveevent"
    " BEGIN SELECT RAISE(ABORT, 'no more saves today'); END"
)


@dataclass
class Fleet:
    step: Path
    env: dict[str, str]
    pings: PingServer
    worker: Server
    beat: Server
    flower_url: str


@pytest.fixture(scope="module")
def fleet(redis, tmp_path_factory) -> Fleet:
    """A worker, a beat and Flower, with every task's pings to a local server."""
    step, env = migrated_step(tmp_path_factory.mktemp("monitoring"), redis.url)
    with ExitStack() as stack:
        start = stack.enter_context
        pings = start(ping_server())
        env = {**env, "HEALTHCHECKS_PING_URL": pings.url, "FLOWER_BASIC_AUTH": FLOWER_LOGIN}
        # Heartbeats on, as a worker runs in production: without them (and gossip) it
        # sends no events at all, and Flower could not turn its task events on.
        watched = [arg for arg in WORKER if arg != "--without-heartbeat"]
        worker = start(celery(step, *watched, "-n", "w1@%h", env=env))
        port = free_port()
        flower = start(celery(step, "flower", "--address=127.0.0.1", f"--port={port}", env=env))
        worker.wait_for(" ready.", timeout=START_UP)
        flower.wait_for(f"Visit me at http://127.0.0.1:{port}", timeout=START_UP)
        beat = start(celery(step, "beat", env=env))
        beat.wait_for(" leads", timeout=START_UP)
        yield Fleet(step, env, pings, worker, beat, f"http://127.0.0.1:{port}")


def runs(pings: list[Ping]) -> dict[str, list[Ping]]:
    """The pings by run id (rid): (method, path without the query, body) of each."""
    by_run = defaultdict(list)
    for method, target, body in pings:
        url = urlsplit(target)
        by_run[parse_qs(url.query)["rid"][0]].append((method, url.path, body))
    return by_run


def period(body: str) -> datetime:
    """The period a ping's body names: its first line, `period <ISO 8601 time>`."""
    first_line = body.splitlines()[0]
    assert first_line.startswith("period "), body
    return datetime.fromisoformat(first_line.removeprefix("period "))


def test_each_run_pings_start_then_success_with_the_period_it_was_due_for(fleet):
    def three_runs_reported() -> list:
        """(when the run before was sent, when this one was, its pings), once three."""
        reported = runs(list(fleet.pings.requests))
        found = [
            (sent_before, sent_at, reported[task_id])
            for (sent_before, _), (sent_at, task_id) in pairwise(sent_by(fleet.beat))
            if len(reported[task_id]) == 2
        ]
        return found if len(found) >= 3 else []

    for sent_before, sent_at, pings in wait_until(three_runs_reported, 30, "three runs pinged"):
        [(method, path, body), (end_method, end_path, end_body)] = pings
        assert (method, path) == ("POST", "/create_save/start")
        assert (end_method, end_path) == ("POST", "/create_save")  # the check: its slug
        # Due a minute after beat wrote the run before down, just before it logged
        # sending it; and due before beat sent this one (on its next tick after).
        assert period(body) == period(end_body)
        assert sent_before < period(body) <= sent_before + MINUTE
        assert period(body) <= sent_at


def failed_runs(requests: list[Ping]) -> list[list[Ping]]:
    return [pings for pings in runs(requests).values() if pings[-1][1].endswith("/fail")]


def test_a_failing_run_pings_fail_with_the_error_in_the_body(fleet):
    database = sqlite3.connect(fleet.step / "db.sqlite3", timeout=20)
    database.execute(NO_MORE_SAVES)
    database.commit()
    try:
        requests = fleet.pings.wait_for(lambda requests: failed_runs(requests), timeout=30)
    finally:
        database.execute("DROP TRIGGER no_more_saves")
        database.commit()
        database.close()

    [(_, start_path, _), (method, path, body)] = failed_runs(requests)[0]
    assert start_path == "/create_save/start"
    assert (method, path) == ("POST", "/create_save/fail")
    assert body.startswith("period ")
    assert "Traceback (most recent call last)" in body
    assert body.rstrip().endswith("django.db.utils.IntegrityError: no more saves today")
    assert len(body.encode()) <= 10_000
    lines = body.splitlines()  # what Healthchecks' log shows of it, the middle aside
    shown = [f"{method} {path}?rid=<task id>", "", *lines[:2], "[...]", lines[-1]]
    assert_transcript_current("step08-ping-fail", "\n".join(shown))


def flower_api(fleet: Fleet, path: str, login: str | None = FLOWER_LOGIN) -> dict:
    request = urllib.request.Request(fleet.flower_url + path)
    if login:
        request.add_header("Authorization", "Basic " + base64.b64encode(login.encode()).decode())
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def test_flower_lists_the_workers_and_the_tasks_they_ran(fleet):
    workers = flower_api(fleet, "/api/workers?refresh=1")
    # Flower turns the workers' task events on (they are off by default): from then on
    # it sees each task they run.
    fleet.worker.wait_for("Events of group {task} enabled by remote.", timeout=30)

    def a_sent_task_seen_done() -> list[dict]:
        tasks = flower_api(fleet, "/api/tasks?taskname=eventapp.tasks.create_save")
        ids = {task_id for _, task_id in sent_by(fleet.beat)}
        return [task for task in tasks.values() if task["uuid"] in ids and task["succeeded"]]

    [task, *_] = wait_until(a_sent_task_seen_done, 30, "a task beat sent, done, in Flower")

    assert [name.split("@")[0] for name in workers] == ["w1"]
    assert task["state"] == "SUCCESS"
    assert task["worker"] in workers
    with pytest.raises(urllib.error.HTTPError) as refused:
        flower_api(fleet, "/api/workers", login=None)
    assert refused.value.code == 401  # FLOWER_BASIC_AUTH: no login, no answer


def test_schedulerstatus_names_the_beat_that_leads(fleet):
    leader = HOLDER.search(fleet.beat.wait_for(" leads")[0])[0]

    status = manage(fleet.step, "schedulerstatus", env=fleet.env)

    assert status.returncode == 0, status.stderr
    assert status.stdout == f"Scheduler running in {leader}, the beat that leads.\n"
    assert_transcript_current("step08-schedulerstatus", holders_as_placeholders(status.stdout))


def test_with_no_beat_schedulerstatus_says_none_runs_and_fails(fleet, redis):
    nothing_here = {**fleet.env, "CELERY_BROKER_URL": redis.url.replace("/0", "/2")}
    no_redis = {**fleet.env, "CELERY_BROKER_URL": f"redis://127.0.0.1:{free_port()}/0"}

    statuses = [manage(fleet.step, "schedulerstatus", env=env) for env in (nothing_here, no_redis)]

    assert [status.returncode for status in statuses] == [1, 1]
    assert statuses[0].stderr == (
        "CommandError: No scheduler is running: no beat holds the lock."
        " Start `celery -A eventproject beat`.\n"
    )
    assert statuses[1].stderr.startswith("CommandError: No scheduler is running: Redis: ")
    assert_transcript_current("step08-schedulerstatus-none", statuses[0].stderr)


def test_once_the_leader_is_killed_schedulerstatus_names_the_standby(fleet, redis):
    # Two beats of their own: a lock in another Redis database (their tasks go to a queue
    # there that no worker reads).
    env = {**fleet.env, "CELERY_BROKER_URL": redis.url.replace("/0", "/3")}

    def status(until=lambda code, said: True) -> tuple[int, str]:
        """schedulerstatus's exit status and output, asked again until UNTIL holds."""

        def asked() -> tuple[int, str] | None:
            done = manage(fleet.step, "schedulerstatus", env=env)
            found = (done.returncode, done.stdout + done.stderr)
            return found if until(*found) else None

        return wait_until(asked, LOCK_TIMEOUT + 30, "schedulerstatus saying so")

    with ExitStack() as stack:
        beats = [stack.enter_context(celery(fleet.step, "beat", env=env)) for _ in range(2)]
        [leader] = wait_until(lambda: [b for b in beats if " leads" in b.text], START_UP, "leads")
        [standby] = [beat for beat in beats if beat is not leader]
        leading = HOLDER.search(leader.wait_for(" leads")[0])[0]
        standing_by = HOLDER.search(standby.wait_for(" stands by: ", timeout=START_UP)[0])[0]
        before = status()

        leader.send(signal.SIGKILL)  # its lock stays until it expires, 5 s after its last tick
        after_the_kill = status(until=lambda code, said: standing_by in said)
        standby.send(signal.SIGTERM)  # a clean stop releases the lock at once
        after_the_stop = status()

    assert before == (0, f"Scheduler running in {leading}, the beat that leads.\n")
    assert after_the_kill == (0, f"Scheduler running in {standing_by}, the beat that leads.\n")
    assert after_the_stop[0] == 1
    assert "No scheduler is running: no beat holds the lock." in after_the_stop[1]


def test_a_ping_url_that_is_not_http_stops_the_worker_without_showing_it(fleet):
    env = {**fleet.env, "HEALTHCHECKS_PING_URL": "hc-ping.com/secret-ping-key"}

    worker = subprocess.run(
        [str(CELERY), "-A", "eventproject", *WORKER],
        cwd=fleet.step,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert worker.returncode != 0
    assert worker.stderr.splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: "
        "HEALTHCHECKS_PING_URL must start with http:// or https://."
    )
    assert "secret-ping-key" not in worker.stdout + worker.stderr


def test_a_ping_server_that_hangs_holds_a_run_up_for_its_timeout_only(fleet, redis):
    with ping_server(hang=True) as pings:
        # A queue of its own, and a clock at the real pace (the page shows its log).
        broker_url = redis.url.replace("/0", "/1")
        env = clean_env(CELERY_BROKER_URL=broker_url, HEALTHCHECKS_PING_URL=pings.url)
        env = fleet_env(env, DEFAULT_START, speed=1)
        with celery(fleet.step, *WORKER, "-n", "hung@%h", env=env) as worker:
            worker.wait_for(" ready.", timeout=START_UP)
            called = subprocess.run(
                [str(CELERY), "-A", "eventproject", "call", "eventapp.tasks.create_save"],
                cwd=fleet.step,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            task_id = called.stdout.strip()
            [done] = worker.wait_for(f"create_save[{task_id}] succeeded in ", timeout=30)
            log = worker.text
        requests = pings.requests

    # The start ping waited for its 5 s, then the run went on unreported: no more pings.
    assert [(method, urlsplit(path).path) for method, path, _ in requests] == [
        ("POST", "/create_save/start")
    ]
    assert f"create_save {task_id}: saved #" in log
    assert re.findall(r"WARNING eventapp\.pings: .*", log) == [
        "WARNING eventapp.pings: Ping create_save/start failed: timed out"
    ]
    assert "Traceback" not in log
    runtime = float(re.search(r"succeeded in ([\d.]+)s", done)[1])
    print(f"\nFIGURES hung_ping_run={runtime:.2f}s")  # for the docs (pytest -s)
    the_run = [line for line in log.splitlines() if task_id in line or "eventapp.pings" in line]
    shown = re.sub(r"(#|succeeded in \S+: )\d+", r"\1<row>", "\n".join(the_run))
    assert_transcript_current("step08-ping-timeout", shown.replace(task_id, "<task id>"))
