"""How far one scheduler goes (issue 19): N jobs due at the same minute, on real processes.

Run from step06_production or step08_celery (`make bench` does both):

    cd step06_production && ../.venv/bin/python ../tools/bench_scale.py [--sizes 100,1000]

For each size, the step (copied out alone) gets a PostgreSQL database of its own, a copy
of one migrated for the bench, and for step 8 a redis-server of its own. The N jobs are
created through the step's public API, each a daily cron schedule at the same minute a
little ahead, each running the bench's job (tools/scale/scale_probe.py), which writes
down when it started. Then the step's real processes run (`manage.py runapscheduler`;
`celery beat` and a `celery worker`) until every job has started, or a cap. Lateness is a
start's time minus the due time. Real time, not the accelerated clock: what is measured
is how long the processes take to work through the jobs, which a simulated clock would
only stretch or shrink.

Queries per run: the SQL statements of the scheduler's process (tools/scale/
sitecustomize.py logs them, in every thread), from a second before the due time to the
end of the burst (the first second after the last start with fewer than QUIET), per run.

Beside the step's scheduler: its peer (APScheduler's bare BackgroundScheduler over
DjangoJobStore; beat's plain DatabaseScheduler), and the step with a setting changed.

Stopped by SIGTERM, SIGHUP or Ctrl+C, it stops its processes and drops its databases
(tests/support/lifetime.py); processes left by a SIGKILL die with it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the tests' process helpers: tests/support/

from bench_production import p99  # noqa: E402
from support import lifetime  # noqa: E402
from support.celery_fleet import celery  # noqa: E402
from support.postgres import database_name, postgres_database, server_connection  # noqa: E402
from support.processes import (  # noqa: E402
    STARTED_LINE,
    Server,
    clean_env,
    command,
    copy_step,
    manage,
)
from support.redis_server import redis_server  # noqa: E402

PROBE = ROOT / "tools" / "scale"  # the bench's job, settings and query log
SIZES = (100, 1_000, 10_000)
GOALS = {1_000: 2.0, 10_000: 20.0}  # seconds for all to start (issue 19)
START_UP = 60.0  # seconds for the processes to be ready, on a busy machine
# The due minute is far enough ahead for the set-up: creating the jobs, starting the
# processes (a beat reads every periodic task before its first tick).
SET_UP = 12.0  # seconds, and per job:
SET_UP_PER_JOB = 0.004
QUIET = 5  # statements in a second: an idle scheduler's lease, wake-ups or ticks
SENT = re.compile(r"^(\S+ \S+) INFO eventapp\.beat: Sent scale_", re.MULTILINE)


def cap(size: int) -> float:
    """How long after the due time to wait for the last start."""
    return max(60.0, size * 0.012)


Start = Callable[[Path, dict[str, str], Path], AbstractContextManager[Server]]


@dataclass(frozen=True)
class Setup:
    """One way to run the jobs: the step as it is, its peer, or a setting changed."""

    label: str  # the start of the printed line
    noun: str  # what the N things are called
    add: str  # the scale_probe function that creates them
    start: Start  # the scheduler's processes; yields the one whose queries count
    settings: dict[str, object] = field(default_factory=dict)  # tools/scale/scale_settings.py
    url_options: str = ""  # appended to DATABASE_URL
    patch: tuple[str, str, str] | None = None  # (file, old, new) in the step's copy
    sizes: tuple[int, ...] = SIZES


@contextmanager
def runapscheduler(step: Path, env: dict[str, str], query_log: Path) -> Iterator[Server]:
    with command(step, "runapscheduler", env={**env, "SCALE_QUERY_LOG": str(query_log)}) as run:
        run.wait_for(STARTED_LINE, timeout=START_UP)
        yield run


@contextmanager
def peer(step: Path, env: dict[str, str], query_log: Path) -> Iterator[Server]:
    code = "import scale_probe; scale_probe.run_peer()"
    with command(step, "shell", "-c", code, env={**env, "SCALE_QUERY_LOG": str(query_log)}) as run:
        run.wait_for("Peer scheduler started", timeout=START_UP)
        yield run


def beat_and_worker(*beat_args: str, ready: str) -> Start:
    """A redis-server, a worker as the Procfile starts it, and beat with BEAT_ARGS, ready
    once it prints READY."""

    @contextmanager
    def start(step: Path, env: dict[str, str], query_log: Path) -> Iterator[Server]:
        with ExitStack() as stack:
            env = {**env, "CELERY_BROKER_URL": stack.enter_context(redis_server()).url}
            worker_argv = ["worker", "--loglevel=info", "--include", "scale_probe"]
            worker = stack.enter_context(celery(step, *worker_argv, env=env))
            worker.wait_for(" ready.", timeout=START_UP)
            beat_env = {**env, "SCALE_QUERY_LOG": str(query_log)}
            beat = stack.enter_context(celery(step, "beat", *beat_args, env=beat_env))
            beat.wait_for(ready, timeout=START_UP)
            yield beat

    return start


AFTER = (1_000,)  # a setting changed: measured where the first goal is
STEP06 = "step06 APScheduler+DjangoJobStore"
POOL_OF_50 = (
    "eventapp/updater/updater.py",
    "BlockingScheduler(timezone=settings.TIME_ZONE)",
    'BlockingScheduler(timezone=settings.TIME_ZONE, executors={"default": '
    '{"type": "threadpool", "max_workers": 50}})',
)
APSCHEDULER = [
    Setup(STEP06, "jobs", "add_jobs", runapscheduler),
    Setup("peer BackgroundScheduler+DjangoJobStore", "jobs", "add_jobs", peer),
    Setup(
        f"{STEP06} [max_workers=50]",
        "jobs",
        "add_jobs",
        runapscheduler,
        patch=POOL_OF_50,
        sizes=AFTER,
    ),
    Setup(
        f"{STEP06} [synchronous_commit=off]",
        "jobs",
        "add_jobs",
        runapscheduler,
        url_options="?options=-c%20synchronous_commit%3Doff",
        sizes=AFTER,
    ),
]
STEP08 = "step08 celery beat"
LEADER = beat_and_worker(ready=" leads")
CELERY = [
    Setup(STEP08, "periodic tasks", "add_periodic_tasks", LEADER),
    Setup(
        "peer celery beat DatabaseScheduler",
        "periodic tasks",
        "add_periodic_tasks",
        beat_and_worker("-S", "django_celery_beat.schedulers:DatabaseScheduler", ready="starting"),
    ),
    Setup(  # before: Django's default, a new connection at every tick
        f"{STEP08} [CONN_MAX_AGE=0]",
        "periodic tasks",
        "add_periodic_tasks",
        LEADER,
        settings={"DATABASES.default.CONN_MAX_AGE": 0},
        sizes=AFTER,
    ),
    Setup(
        f"{STEP08} [CELERY_BEAT_SYNC_EVERY=0]",
        "periodic tasks",
        "add_periodic_tasks",
        LEADER,
        settings={"CELERY_BEAT_SYNC_EVERY": 0},
        sizes=AFTER,
    ),
]


class Tail:
    """A file that other processes append lines to, read as it grows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.lines: list[list[str]] = []  # each line, split at spaces

    def read(self) -> list[list[str]]:
        if self.path.exists():
            with self.path.open("rb") as file:
                file.seek(self.offset)
                whole = file.read().rpartition(b"\n")[0]  # a line still being written waits
            if whole:
                self.offset += len(whole) + 1
                self.lines += [line.split() for line in whole.decode().splitlines()]
        return self.lines


def next_minute(after: float) -> datetime:
    """The first whole minute at or after the time AFTER, in UTC."""
    moment = datetime.fromtimestamp(after, timezone.utc)
    whole = moment.replace(second=0, microsecond=0)
    return whole if whole == moment else whole + timedelta(minutes=1)


def first_starts(starts: Tail) -> dict[int, float]:
    """Each job's first start time, from the lines "N TIME" the probe wrote."""
    first: dict[int, float] = {}
    for n, at in starts.read():
        first.setdefault(int(n), float(at))
    return first


def wait_for_starts(starts: Tail, size: int, deadline: float, scheduler: Server) -> None:
    """Until SIZE jobs have started, the DEADLINE (time.time()) has passed, or the
    scheduler has exited."""
    pace = threading.Event()
    while len(first_starts(starts)) < size:
        if time.time() > deadline or scheduler.process.poll() is not None:
            return
        pace.wait(0.2)


def end_of_burst(queries: Tail, after: float, deadline: float) -> float:
    """The start of the first second after AFTER in which the scheduler ran fewer than
    QUIET statements: its work on the due jobs is done (at DEADLINE at the latest)."""
    pace = threading.Event()
    while (now := time.time()) < deadline:
        recent = [line for line in queries.read() if float(line[0]) > now - 1]
        if now - after >= 1 and len(recent) < QUIET:
            return now - 1
        pace.wait(0.2)
    return deadline


def measure(step: Path, template: str, setup: Setup, size: int, scratch: Path) -> list[str]:
    """One run of SIZE jobs under SETUP: the printed line, and a line of details."""
    head = f"scale {setup.label} {size:,} {setup.noun} due in one minute"
    starts, queries = Tail(scratch / "starts"), Tail(scratch / "queries")
    for tail in (starts, queries):
        tail.path.unlink(missing_ok=True)
    with postgres_database("scale_", template=template) as url:
        env = clean_env(
            DATABASE_URL=url + setup.url_options,
            PYTHONPATH=str(PROBE),
            SCALE_STARTS=str(starts.path),
            DJANGO_DEBUG="false",  # as in production: no list of every query in memory
            DJANGO_SECRET_KEY=secrets.token_urlsafe(40),
        )
        if setup.settings:
            env.update(DJANGO_SETTINGS_MODULE="scale_settings")
            env.update(SCALE_SETTINGS=json.dumps(setup.settings))
        due = next_minute(time.time() + SET_UP + size * SET_UP_PER_JOB)
        add = f"import scale_probe; scale_probe.{setup.add}({size}, {due.isoformat()!r})"
        added = manage(step, "shell", "-c", add, env=env, timeout=600)
        if added.returncode != 0:
            return [f"{head}: FAILED to create them:\n{added.stderr}"]
        with setup.start(step, env, queries.path) as scheduler:
            if time.time() > due.timestamp() - 1:
                return [f"{head}: FAILED: not ready before the due time (raise SET_UP)"]
            wait_for_starts(starts, size, due.timestamp() + cap(size), scheduler)
            started = first_starts(starts)
            if scheduler.process.poll() is not None:
                return [f"{head}: FAILED: the scheduler exited:\n{scheduler.text[-3000:]}"]
            end = time.time()
            if started and len(started) == size:
                end = end_of_burst(queries, max(started.values()), end + 60)
            beat_sent = [
                datetime.strptime(at, "%Y-%m-%d %H:%M:%S,%f") for at in SENT.findall(scheduler.text)
            ]
    late = sorted(at - due.timestamp() for at in started.values())
    if not late:
        return [f"{head}: none started within {cap(size):.0f} s"]
    kinds = Counter(kind for at, kind in queries.read() if due.timestamp() - 1 <= float(at) <= end)
    per_run = sum(kinds.values()) / len(started)
    if len(started) < size:
        outcome = f"not all started within {cap(size):.0f} s: {len(started):,} of {size:,}"
    else:
        outcome = f"all started within {late[-1]:.2f} s"
    of_those = " of those started" if len(started) < size else ""
    line = f"{head}: {outcome}, p99 lateness{of_those} {p99(late):.2f} s, "
    line += f"{per_run:.1f} queries per run"
    if (goal := GOALS.get(size)) and (len(started) < size or late[-1] > goal):
        line += f" (goal: {goal:.0f} s)"
    details = f"first start {late[0]:.2f} s, median {statistics.median(late):.2f} s"
    if len(beat_sent) > 1:
        sending = (beat_sent[-1] - beat_sent[0]).total_seconds()
        details += f"; beat sent {len(beat_sent):,} over {sending:.2f} s"
    by_kind = ", ".join(f"{n / len(started):.2f} {kind}" for kind, n in kinds.most_common())
    return [line, f"  {details}; queries per run: {by_kind}"]


def step_copy(setup: Setup, scratch: Path) -> Path:
    """The step copied out alone, with SETUP's patch applied to the copy."""
    folder = scratch / (re.sub(r"\W+", "-", setup.label) if setup.patch else "as-is")
    folder.mkdir(exist_ok=True)
    step = folder / Path.cwd().name
    if step.exists():
        return step
    step = copy_step(folder)
    if setup.patch:
        name, old, new = setup.patch
        source = (step / name).read_text()
        assert old in source, f"{name} no longer holds {old!r}: update the bench's patch"
        (step / name).write_text(source.replace(old, new))
    return step


def machine() -> str:
    """What the figures were measured on: cores, CPU, the servers' versions."""
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        cpuinfo = Path("/proc/cpuinfo").read_text()
        names = [line.split(":", 1)[1] for line in cpuinfo.splitlines() if "model name" in line]
        cpu = names[0].strip() if names else cpu
    with server_connection() as server:
        postgres = server.execute("SHOW server_version").fetchone()[0].split()[0]
    redis = shutil.which("redis-server")
    said = (
        subprocess.run([redis, "--version"], capture_output=True, text=True).stdout if redis else ""
    )
    version = re.search(r"v=(\S+)", said)
    return (
        f"scale: on {os.cpu_count()} cores ({cpu}), PostgreSQL {postgres}, "
        f"Redis {version[1] if version else '?'}, Python {platform.python_version()}"
    )


def run(setups: list[Setup], sizes: set[int]) -> None:
    lifetime.tie_children_to_this_run()  # stopped however, it stops what it started
    print(machine(), flush=True)
    with tempfile.TemporaryDirectory() as folder, postgres_database("scale_template_") as template:
        scratch = Path(folder)
        migrated = manage(
            step_copy(setups[0], scratch),
            "migrate",
            "--noinput",
            env=clean_env(DATABASE_URL=template),
            timeout=300,
        )
        if migrated.returncode != 0:
            print(f"bench_scale: migrate failed:\n{migrated.stderr}")
            return
        for setup in setups:
            step = step_copy(setup, scratch)
            for size in sorted(sizes.intersection(setup.sizes)):
                for line in measure(step, database_name(template), setup, size, scratch):
                    print(line, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--only", help="run only the setups whose label contains this")
    args = parser.parse_args()
    setups = {"step06_production": APSCHEDULER, "step08_celery": CELERY}.get(Path.cwd().name)
    if setups is None:
        print(f"bench_scale: run it from step06_production or step08_celery, not {Path.cwd()}")
        return 2
    setups = [setup for setup in setups if not args.only or args.only in setup.label]
    try:
        run(setups, {int(size) for size in args.sizes.split(",")})
    except pytest.skip.Exception as skip:  # no PostgreSQL, or no redis-server
        print(f"scale: not measured: {skip.msg}")
    except lifetime.Terminated as stopped:  # its processes stopped, its databases dropped
        print(f"scale: {stopped}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
