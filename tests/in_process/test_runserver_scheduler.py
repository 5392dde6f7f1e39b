"""Steps 1 and 2: the real runserver, autoreloader on: one scheduler, in the serving
process, and rows."""

import sqlite3
import urllib.request

import pytest
from support.processes import runserver, schedulers_started

ROWS_TO_SEE = 3


@pytest.fixture(scope="module")
def step_copy(set_up_copy, tmp_path_factory):
    return set_up_copy(tmp_path_factory.mktemp("runserver"))


def count_rows(step) -> int:
    with sqlite3.connect(step / "db.sqlite3") as db:
        return db.execute("SELECT COUNT(*) FROM eventapp_saveevent").fetchone()[0]


def test_runserver_runs_one_scheduler_in_its_serving_process(step_copy):
    with runserver(step_copy, accelerate=True) as server:
        [started] = server.wait_for("Scheduler started in process")
        server.wait_for("Created Save #", count=ROWS_TO_SEE)  # create_save logs each row
        server.wait_for("Quit the server with")
        page = urllib.request.urlopen(server.url, timeout=10).read().decode()

        assert server.interrupt() == 0
        output = server.text

    [pid] = schedulers_started(started)
    assert pid != server.process.pid, "the autoreloader's parent started a scheduler"
    assert schedulers_started(output) == [pid]
    assert "The scheduler is running in this process" in page
    assert count_rows(step_copy) >= ROWS_TO_SEE
