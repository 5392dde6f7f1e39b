"""Steps 1 and 2: exactly one scheduler, in runserver's serving process, started once."""

import subprocess
import sys

import pytest
from support.processes import clean_env, manage_side_by_side, schedulers_started
from support.steps import scheduler_module, scheduler_threads

SHOW_THREADS = "import threading; print(sorted(t.name for t in threading.enumerate()))"


@pytest.fixture(scope="module")
def step_copy(set_up_copy, tmp_path_factory):
    return set_up_copy(tmp_path_factory.mktemp("once"))


def test_pytest_itself_starts_no_scheduler():
    assert scheduler_threads() == []


def test_starting_twice_gives_one_scheduler(clock):
    scheduler_module().start_scheduler()

    assert scheduler_module().scheduler is clock.scheduler
    assert len(scheduler_threads()) == 1
    job_ids = [job.id for job in clock.scheduler.get_jobs()]
    assert job_ids == ["create_save"]


def test_stopping_shuts_the_scheduler_down(clock):
    scheduler_module().stop_scheduler()
    scheduler_module().stop_scheduler()  # a second stop is harmless

    assert not clock.scheduler.running
    assert scheduler_threads() == []


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


def test_a_wsgi_server_process_starts_no_scheduler(step_copy):
    """gunicorn loads wsgi.py: four workers must not mean four schedulers."""
    result = subprocess.run(
        [sys.executable, "-c", "import eventproject.wsgi; " + SHOW_THREADS],
        cwd=step_copy,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "'APScheduler'" not in result.stdout
    assert schedulers_started(result.stderr) == []


def test_ready_starts_the_scheduler_in_runserver_serving_process(monkeypatch, transactional_db):
    from django.apps import apps

    monkeypatch.setattr("sys.argv", ["manage.py", "runserver", "--noreload"])
    try:
        apps.get_app_config("eventapp").ready()
        assert len(scheduler_threads()) == 1
    finally:
        scheduler_module().stop_scheduler()
    assert scheduler_threads() == []
