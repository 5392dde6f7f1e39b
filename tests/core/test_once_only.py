"""Exactly one scheduler: only in the process that serves requests, and only once."""

import importlib
import os
import subprocess
import sys

import pytest
from support.processes import (
    clean_env,
    manage,
    manage_side_by_side,
    schedulers_started,
)
from support.steps import scheduler_module, scheduler_threads

SHOW_THREADS = "import threading; print(sorted(t.name for t in threading.enumerate()))"
SERVE_WSGI = "import eventproject.wsgi; " + SHOW_THREADS


@pytest.fixture(scope="module")
def step_copy(set_up_copy, tmp_path_factory):
    return set_up_copy(tmp_path_factory.mktemp("once"))


def test_pytest_itself_starts_no_scheduler(eventapp_config):
    assert eventapp_config.scheduler is None
    assert scheduler_threads() == []


def test_starting_twice_gives_one_scheduler(start_clock, eventapp_config):
    clock = start_clock()

    scheduler_module().start_scheduler()

    assert eventapp_config.scheduler is clock.scheduler
    assert len(scheduler_threads()) == 1
    job_ids = [job.id for job in clock.scheduler.get_jobs()]
    assert "create_save" in job_ids
    assert len(job_ids) == len(set(job_ids)), "a job was added twice"


def test_stopping_shuts_the_scheduler_down(start_clock, eventapp_config):
    scheduler = start_clock().scheduler

    scheduler_module().stop_scheduler()
    scheduler_module().stop_scheduler()  # a second stop is harmless

    assert not scheduler.running
    assert eventapp_config.scheduler is None


COMMANDS = {
    "migrate": ["migrate", "--noinput"],
    "makemigrations": ["makemigrations", "--check", "--dry-run"],
    "check": ["check"],
    "shell": ["shell", "-c", SHOW_THREADS],
    "createsuperuser": ["createsuperuser", "--noinput", "--username", "someone", "--email", ""],
    "test": ["test", "--noinput"],
}


def test_management_commands_start_no_scheduler(step_copy):
    env = clean_env(DJANGO_SUPERUSER_PASSWORD="a long enough password 1")
    for name, (returncode, output) in manage_side_by_side(step_copy, COMMANDS, env).items():
        assert returncode == 0, f"{name} failed:\n{output}"
        assert schedulers_started(output) == [], f"{name} started a scheduler:\n{output}"
        assert "'APScheduler'" not in output  # the shell prints its threads


def test_a_wsgi_server_process_starts_one_scheduler(step_copy):
    result = subprocess.run(
        [sys.executable, "-c", SERVE_WSGI],
        cwd=step_copy,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "'APScheduler'" in result.stdout
    assert len(schedulers_started(result.stderr)) == 1


@pytest.mark.parametrize(("value", "starts"), [("1", True), ("off", False)])
def test_scheduler_autostart_decides_outside_management_commands(step_copy, value, starts):
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + SHOW_THREADS],
        cwd=step_copy,
        env=clean_env(SCHEDULER_AUTOSTART=value, DJANGO_SETTINGS_MODULE="eventproject.settings"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert ("'APScheduler'" in result.stdout) is starts


def test_scheduler_autostart_on_never_starts_one_in_a_management_command(step_copy):
    """Set for a whole environment, it must not turn `shell` or `migrate` into schedulers."""
    result = manage(step_copy, "shell", "-c", SHOW_THREADS, env=clean_env(SCHEDULER_AUTOSTART="1"))
    assert result.returncode == 0, result.stderr
    assert "'APScheduler'" not in result.stdout


def test_scheduler_autostart_zero_wins_over_a_wsgi_server(step_copy):
    result = subprocess.run(
        [sys.executable, "-c", SERVE_WSGI],
        cwd=step_copy,
        env=clean_env(SCHEDULER_AUTOSTART="0"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "'APScheduler'" not in result.stdout


def test_a_bad_value_stops_start_up_and_names_the_variable(step_copy):
    result = manage(step_copy, "check", env=clean_env(SCHEDULER_AUTOSTART="maybe"))

    assert result.returncode != 0
    assert "SCHEDULER_AUTOSTART='maybe' is not a valid value" in result.stderr
    assert "true/false, 1/0, on/off, yes/no" in result.stderr


def test_ready_starts_the_scheduler_when_autostart_is_on(
    settings, eventapp_config, transactional_db
):
    settings.SCHEDULER_AUTOSTART = True
    try:
        eventapp_config.ready()
        assert eventapp_config.scheduler is not None
        assert len(scheduler_threads()) == 1
    finally:
        scheduler_module().stop_scheduler()
    assert scheduler_threads() == []


@pytest.mark.parametrize("entry_point", ["eventproject.wsgi", "eventproject.asgi"])
def test_server_entry_points_mark_the_process_as_serving(monkeypatch, entry_point):
    monkeypatch.delenv("SCHEDULER_AUTOSTART", raising=False)
    monkeypatch.delitem(sys.modules, entry_point, raising=False)

    module = importlib.import_module(entry_point)

    assert os.environ["SCHEDULER_AUTOSTART"] == "true"
    assert callable(module.application)
