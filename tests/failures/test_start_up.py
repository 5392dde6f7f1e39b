"""Before `migrate`, runapscheduler stops with one clear line and a non-zero exit."""

import re

import pytest
from django.core.management import CommandError, call_command
from support.processes import copy_step, manage

NOT_MIGRATED = "The database is not migrated: run `python manage.py migrate` first."


@pytest.fixture(scope="module")
def fresh_step(tmp_path_factory):
    """The step as a reader has it right after cloning: no database yet."""
    return copy_step(tmp_path_factory.mktemp("fresh"))


def test_runapscheduler_refuses_to_start_before_migrate(fresh_step):
    result = manage(fresh_step, "runapscheduler")

    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == f"CommandError: {NOT_MIGRATED}"


def test_runapscheduler_refuses_in_this_process(transactional_db, monkeypatch):
    from eventapp.management.commands import runapscheduler

    monkeypatch.setattr(
        runapscheduler.MigrationExecutor,
        "migration_plan",
        lambda self, targets: [("eventapp.0004_jobrun", False)],
    )

    with pytest.raises(CommandError, match=re.escape(NOT_MIGRATED)):
        call_command("runapscheduler")
