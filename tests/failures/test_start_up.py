"""Before `migrate`, every way of starting a scheduler stops with one clear line and a
non-zero exit; and no management command starts one, whatever SCHEDULER_AUTOSTART says."""

import re
import subprocess
import sys

import pytest
from support.processes import clean_env, copy_step, free_port, manage

NOT_MIGRATED = "The database is not migrated: run `python manage.py migrate` first."


@pytest.fixture(scope="module")
def fresh_step(tmp_path_factory):
    """The step as a reader has it right after cloning: no database yet."""
    return copy_step(tmp_path_factory.mktemp("fresh"))


def run(step, *command: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *command],
        cwd=step,
        env=env or clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("command", "exit_code"),
    [
        (["manage.py", "runserver", "--noreload"], 1),
        (["manage.py", "runserver"], 1),  # the autoreloader's parent exits with its child
        (["manage.py", "runapscheduler"], 1),
        (["-m", "gunicorn", "--no-control-socket", "eventproject.wsgi"], 3),  # failed to boot
    ],
    ids=["runserver --noreload", "runserver", "runapscheduler", "gunicorn"],
)
def test_a_scheduler_refuses_to_start_before_migrate(fresh_step, command, exit_code):
    if command[0] == "-m":
        command = [*command, "--bind", f"127.0.0.1:{free_port()}"]
    elif command[1] == "runserver":
        command = [*command, f"127.0.0.1:{free_port()}"]

    result = run(fresh_step, *command)

    assert result.returncode == exit_code, result.stderr
    assert NOT_MIGRATED in result.stderr
    assert "Traceback" not in result.stderr


def test_autostart_on_for_the_whole_environment_does_not_break_migrate(tmp_path):
    step = copy_step(tmp_path)

    migrated = manage(step, "migrate", "--noinput", env=clean_env(SCHEDULER_AUTOSTART="1"))

    assert migrated.returncode == 0, migrated.stderr
    assert "Scheduler started" not in migrated.stderr + migrated.stdout


def test_the_refusal_in_this_process(monkeypatch, capsys):
    from eventapp import apps

    monkeypatch.setattr(apps, "unapplied_migrations", lambda: ["eventapp.0001_initial"])
    monkeypatch.setattr("sys.argv", ["gunicorn", "eventproject.wsgi"])

    with pytest.raises(SystemExit) as exited:
        apps.stop_if_not_migrated()

    assert exited.value.code == 3
    assert capsys.readouterr().err == NOT_MIGRATED + "\n"


def test_runapscheduler_refuses_in_this_process(monkeypatch):
    from django.core.management import CommandError, call_command

    from eventapp.management.commands import runapscheduler

    monkeypatch.setattr(runapscheduler, "unapplied_migrations", lambda: ["eventapp.0001_initial"])

    with pytest.raises(CommandError, match=re.escape(NOT_MIGRATED)):
        call_command("runapscheduler")
