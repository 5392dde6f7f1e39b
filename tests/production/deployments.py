"""The step copied out and deployed as in production: DEBUG off, a secret key, static
files collected, on SQLite or on a PostgreSQL database of its own."""

from __future__ import annotations

import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
from support.postgres import database_name, postgres_database
from support.processes import clean_env, copy_step, manage_side_by_side

DATABASES = ["sqlite", "postgresql"]
POSTGRES_PREFIX = "tut_step6_"
SECRET_KEY = "tests-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"
# Step 7 marks a run that a killed leader left "Started execution" as interrupted.
INTERRUPTED = "Interrupted: the scheduler process stopped during this run"


LEASE_SECONDS = 2  # a standby takes over within about this long
MINUTE = timedelta(minutes=1)  # create_save's interval
GRACE = timedelta(seconds=30)  # and its misfire_grace_time


def production_env(**overrides: str) -> dict[str, str]:
    """DEBUG off, over plain HTTP (the tests have no TLS), with a short scheduler lease."""
    return clean_env(
        DJANGO_DEBUG="false",
        SCHEDULER_LEASE_SECONDS=str(LEASE_SECONDS),
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_COOKIES="false",
        DJANGO_SECURE_HSTS_SECONDS="0",
        **overrides,
    )


@dataclass
class Periods:
    """create_save's run records and rows, checked: every period once, none twice."""

    periods: int
    saves: int
    cut_short: int  # left "Started execution" by a killed leader, or marked interrupted
    skipped: int
    doubled: int  # run again by the standby: the leader was killed before storing it


@dataclass
class Deployment:
    step: Path
    env: dict[str, str]
    database_url: str | None  # None: SQLite, db.sqlite3 in the step folder

    @property
    def database(self) -> str:
        return "sqlite" if self.database_url is None else "postgresql"

    def query(self, sql: str) -> list[tuple]:
        if self.database_url is None:
            with closing(sqlite3.connect(self.step / "db.sqlite3")) as db:
                return db.execute(sql).fetchall()
        with psycopg.connect(self.database_url) as db:
            return db.execute(sql).fetchall()

    def each_period_once(self, kills: int = 0) -> Periods:
        """Assert that create_save ran each minute, with no gap, and no more rows than
        runs: nothing ran twice. Each run is done, or cut short by a kill (left started;
        from step 7, marked interrupted), or was skipped by APScheduler: the one before
        was still going (max_instances=1), or it started over 30 s late
        (misfire_grace_time). Under the accelerated clock a minute lasts 20 ms, so a busy
        database makes a few of those.

        APScheduler starts a run, then stores the job's next run time, then records the
        run (it fires EVENT_JOB_SUBMITTED once the job store is updated). A leader killed
        between the start and the store leaves the period due, and the standby runs it
        again; killed between the store and the record, it leaves the period with no run
        record (and with its row only if the job had written it). So each of the KILLS
        may leave one period lost from the record or run twice, no more."""
        runs = self.query(
            "SELECT run_time, status, exception FROM django_apscheduler_djangojobexecution"
            " WHERE job_id = 'create_save' ORDER BY run_time"
        )
        times = [utc(run_time) for run_time, _, _ in runs]
        assert times, "create_save never ran"
        saved = [utc(at) for (at,) in self.query("SELECT created_at FROM eventapp_saveevent")]
        expected = [
            times[0] + timedelta(minutes=n) for n in range((times[-1] - times[0]) // MINUTE + 1)
        ]
        unrecorded = sorted(set(expected) - set(times))
        assert len(times) == len(set(times)), f"a period was recorded twice: {runs}"
        assert set(times) <= set(expected), f"a run off the minute's beat: {runs}"
        lost = [at for at in unrecorded if not ran_at(at, saved)]
        rows_per_period = Counter(period_of(at, expected) for at in saved)
        doubled = sum(count - 1 for count in rows_per_period.values())
        assert len(lost) + doubled <= kills, f"periods lost {lost}, run twice: {doubled}"
        executed = sum(status == "Executed" for _, status, _ in runs)
        cut_short = len(unrecorded) + sum(
            status == "Started execution"
            or (status == "Error!" and (exception or "").startswith(INTERRUPTED))
            for _, status, exception in runs
        )
        skipped = sum(status in {"Max instances!", "Missed!"} for _, status, _ in runs)
        assert executed + cut_short + skipped == len(expected), runs
        # A run cut short after its row was written leaves the row.
        once = len(saved) - doubled
        assert executed <= once <= executed + cut_short, (executed, cut_short, saved)
        return Periods(len(expected), len(saved), cut_short, skipped, doubled)

    def rows_per_period(self) -> Counter:
        """How many rows create_save saved in each period, from its first recorded run to
        its last row, every period counted (0: none). A row in no period counts under None."""
        runs = self.query(
            "SELECT run_time FROM django_apscheduler_djangojobexecution"
            " WHERE job_id = 'create_save' ORDER BY run_time"
        )
        assert runs, "create_save never ran"
        saved = [utc(at) for (at,) in self.query("SELECT created_at FROM eventapp_saveevent")]
        first = utc(runs[0][0])
        last = max([utc(runs[-1][0]), *saved])
        periods = [first + n * MINUTE for n in range((last - first) // MINUTE + 1)]
        counts = Counter(dict.fromkeys(periods, 0))
        counts.update(period_of(at, periods) for at in saved)
        return counts


def period_of(at: datetime, periods: list[datetime]) -> datetime | None:
    """The period whose run saved a row AT: within its misfire grace time of 30 s."""
    return next((period for period in periods if period <= at < period + GRACE), None)


def ran_at(period: datetime, saved: list[datetime]) -> bool:
    """A row was saved in PERIOD's run: within its misfire grace time of 30 s."""
    return any(period <= at < period + GRACE for at in saved)


def utc(stored: datetime | str) -> datetime:
    """PostgreSQL gives aware date-times; SQLite, UTC text without an offset."""
    if isinstance(stored, datetime):
        return stored.astimezone(timezone.utc)
    return datetime.fromisoformat(stored).replace(tzinfo=timezone.utc)


@contextmanager
def deployed(destination: Path, database: str) -> Iterator[Deployment]:
    """The step in DESTINATION, migrated and with its static files collected."""
    in_postgres = postgres_database(POSTGRES_PREFIX) if database == "postgresql" else nullcontext()
    with in_postgres as database_url:
        yield deployed_on(destination, database_url)


def deployed_on(destination: Path, database_url: str | None, static: bool = True) -> Deployment:
    """The step in DESTINATION on the database at DATABASE_URL (None: SQLite), migrated
    and (if STATIC) with its static files collected."""
    step = copy_step(destination)
    env = production_env(**({"DATABASE_URL": database_url} if database_url else {}))
    commands = {"migrate": ["migrate", "--noinput"]}
    if static:
        commands["collectstatic"] = ["collectstatic", "--noinput"]
    for returncode, output in manage_side_by_side(step, commands, env).values():
        assert returncode == 0, output
    return Deployment(step, env, database_url)


@contextmanager
def copied(deployment: Deployment, destination: Path) -> Iterator[Deployment]:
    """A copy of DEPLOYMENT with a database of its own, as it was after `migrate`."""
    step = Path(shutil.copytree(deployment.step, destination / deployment.step.name))
    if deployment.database_url is None:
        yield Deployment(step, deployment.env, None)
        return
    template = database_name(deployment.database_url)
    with postgres_database(POSTGRES_PREFIX, template=template) as database_url:
        yield Deployment(step, deployment.env | {"DATABASE_URL": database_url}, database_url)
