"""The real runserver, autoreloader on: one scheduler, in the serving process, and rows."""

import sqlite3
import urllib.request

import pytest
from support.processes import (
    STEP_DIR,
    clean_env,
    lines_through,
    runserver,
    schedulers_started,
)
from support.transcripts import assert_transcript_current

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
    assert f"running in this process (pid {pid})" in page
    assert count_rows(step_copy) >= ROWS_TO_SEE
    assert f"Scheduler stopped in process {pid}" in output


def test_runserver_with_autostart_off_runs_no_scheduler(step_copy):
    with runserver(step_copy, "--noreload", env=clean_env(SCHEDULER_AUTOSTART="0")) as server:
        server.wait_for("Quit the server with")
        page = urllib.request.urlopen(server.url, timeout=10).read().decode()
        server.interrupt()

    assert "No scheduler runs in this process" in page
    assert schedulers_started(server.text) == []


def test_what_the_reader_sees_when_runserver_starts(set_up_copy, tmp_path):
    """The docs show this output: runserver at its real pace, up to the banner, in a
    step just set up, as `make run` leaves it."""
    step = set_up_copy(tmp_path)
    with runserver(step) as server:
        server.wait_for("For more information on production servers")
        server.interrupt()

    started = lines_through(server.text, "For more information on production servers")
    assert schedulers_started(started)
    assert_transcript_current(f"{STEP_DIR.name[:6]}-runserver", started)
