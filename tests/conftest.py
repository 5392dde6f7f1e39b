"""Fixtures shared by every step's run of the suite."""

from __future__ import annotations

import logging
import os
import runpy
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from harness import DEFAULT_START, AcceleratedClock
from support import lifetime
from support.processes import clean_env, copy_step, hear_ctrl_c, manage
from support.steps import start_step_scheduler
from support.web import ADMIN_PASSWORD


def fast_tmp_dir(tmp_path_factory) -> Path:
    """A folder in memory where there is one (Linux), so commits need not wait for a disk."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return Path(tempfile.mkdtemp(prefix="scheduled-jobs-tests-", dir=shm))
    return tmp_path_factory.mktemp("db")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true a skip is a failure: CI installs everything a test needs."""
    report = yield
    if report.skipped and os.environ.get("CI") == "true" and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, but CI=true does not allow skips: {reason}"
    return report


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--screenshots",
        metavar="DIR",
        default=None,
        help="browser tests also save screenshots of the pages into DIR",
    )


def pytest_configure(config) -> None:
    hear_ctrl_c()  # the tests press Ctrl+C (SIGINT) on the servers they start
    lifetime.tie_children_to_this_run()  # what the run starts ends with it, however it ends
    # Python 3.13 warns when an unclosed sqlite3 connection is collected. Django keeps one
    # connection per thread and closes it at the end of a request; the scheduler's own
    # threads (its loop, the workers that write the run history) hold theirs until the
    # scheduler stops and the thread ends. One per thread, at shutdown: not a leak.
    for unclosed in (
        "ignore:unclosed database in <sqlite3.Connection:ResourceWarning",
        "ignore:Exception ignored in. <sqlite3.Connection:pytest.PytestUnraisableExceptionWarning",
    ):
        config.addinivalue_line("filterwarnings", unclosed)

    from django.conf import settings

    if not settings.configured:  # a run without a step (the docs checks)
        return
    # Hashing a password the secure way takes half a second; tests need no security.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def quiet_scheduler_logs():
    """The steps log every run at INFO for the reader's console. A simulated day would
    format thousands of lines nobody reads: tests that read a log ask for INFO."""
    loggers = [logging.getLogger(name) for name in ("apscheduler", "eventapp")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


# The settings module, loaded as a process with given environment variables would load it.
SETTINGS = Path("eventproject/settings.py").resolve()  # the step's, read afresh each time
VARIABLES = [
    "DATABASE_URL",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_SECURE_COOKIES",
    "DJANGO_SECURE_HSTS_SECONDS",
    "DJANGO_SECURE_PROXY_SSL_HEADER",
    "DJANGO_SECURE_SSL_REDIRECT",
    "HEALTHCHECKS_PING_URL",
    "SCHEDULER_LEASE_SECONDS",
]


@pytest.fixture
def load(monkeypatch):
    """The settings module as a process with exactly these variables would see it."""

    def load(**env: str) -> dict:
        for name in VARIABLES:
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS))

    return load


@pytest.fixture(scope="session")
def django_db_modify_db_settings(tmp_path_factory) -> None:
    """A real SQLite file, not an in-memory database: the scheduler's threads open
    their own connections, close them, and compete for locks, as under runserver."""
    from django.conf import settings

    path = fast_tmp_dir(tmp_path_factory) / "test.sqlite3"
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = str(path)


@pytest.fixture
def signal_handlers():
    """runapscheduler installs its own SIGINT and SIGTERM handlers; put pytest's back."""
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


# --8<-- [start:start_clock]
@pytest.fixture
def start_clock(transactional_db) -> Iterator[Callable[..., AcceleratedClock]]:
    """Start the step's own scheduler at a simulated time and hand back its clock."""
    with ExitStack() as stack:

        def start(at: datetime = DEFAULT_START) -> AcceleratedClock:
            traveller = stack.enter_context(time_machine.travel(at, tick=False))
            clock = AcceleratedClock.starting(start_step_scheduler, traveller)
            stack.callback(clock.stop)
            return clock

        yield start


# --8<-- [end:start_clock]


@pytest.fixture
def clock(start_clock) -> AcceleratedClock:
    return start_clock()


@pytest.fixture(scope="session")
def set_up_copy(tmp_path_factory) -> Callable[[Path], Path]:
    """Copy the step, alone, into a folder, as `make run` leaves it: migrated, with the
    admin user. `migrate` and `ensureadmin` run once per test run, in a first copy;
    every other copy is a copy of its files."""
    first = copy_step(tmp_path_factory.mktemp("set-up"))
    migrated = manage(first, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    created = manage(first, "ensureadmin", env=clean_env(DJANGO_SUPERUSER_PASSWORD=ADMIN_PASSWORD))
    assert created.returncode == 0, created.stderr

    def copy(destination: Path) -> Path:
        return Path(shutil.copytree(first, destination / first.name))

    return copy


@pytest.fixture(scope="module")
def staff_step_copy(set_up_copy, tmp_path_factory) -> Path:
    """The step set up, with a staff user to log in as, for the tests of one module."""
    return set_up_copy(tmp_path_factory.mktemp("staff-step"))
