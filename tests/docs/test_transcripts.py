"""tests/support/transcripts.py: captured console output, compared but for volatile values."""

import re
import tempfile
from datetime import date, datetime

import pytest
from harness import DEFAULT_START
from support import transcripts
from support.transcripts import assert_transcript_current, normalise, save_transcript

RUN = """\
Watching for file changes with StatReloader
Performing system checks...

System check identified no issues (0 silenced).
March 02, 2026 - 09:00:30
Django version 5.2.8, using settings 'eventproject.settings'
Starting development server at http://127.0.0.1:8000/
Scheduler started in process 48213
2026-03-02 09:01:00,004 INFO Job "create_save" executed successfully
[2026-03-02 09:00:30 +0000] [48214] [INFO] Booting worker with pid: 48214
Created superuser 'admin' with password q1W-e2R_t3Y
5 passed in 1.23s; waited 250 ms
"""


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setattr(transcripts, "TRANSCRIPTS", tmp_path)
    monkeypatch.delenv("UPDATE_TRANSCRIPTS", raising=False)
    return tmp_path


def test_volatile_values_become_placeholders():
    text = normalise(RUN)

    assert "<time>\nDjango version <version>," in text  # 5.2 here, 6.1 in the other leg
    assert "at http://127.0.0.1:<port>/" in text
    assert "in process <pid>\n" in text
    assert '<time> INFO Job "create_save" executed successfully' in text
    assert "[<time>] [<pid>] [INFO] Booting worker with pid: <pid>" in text
    assert "with password <password>\n" in text
    assert "5 passed in <duration>; waited <duration>" in text


def test_what_the_output_says_is_kept():
    text = normalise(RUN)

    for kept in ("System check identified no issues (0 silenced).", "create_save", "5 passed"):
        assert kept in text


def test_temporary_paths_and_addresses_are_volatile_too():
    line = f"copied to {tempfile.gettempdir()}/pytest-3/step0/db.sqlite3 at 0x7f3a2b1c9d80"

    assert normalise(line) == "copied to <tmp> at <address>\n"


def test_a_run_with_other_values_is_current(folder):
    save_transcript("runserver", RUN)
    again = RUN.replace("48213", "50001").replace("09:01:00,004", "09:01:00,011")

    assert_transcript_current("runserver", again)

    assert (folder / "runserver.txt").read_text() == RUN  # the real values stay


def test_a_run_that_prints_something_else_fails_with_the_difference(folder):
    save_transcript("runserver", RUN)
    changed = RUN.replace("executed successfully", "raised an exception")

    with pytest.raises(AssertionError, match=r"UPDATE_TRANSCRIPTS=1[\s\S]*\+.*raised an excep"):
        assert_transcript_current("runserver", changed)


def test_update_rewrites_a_transcript_that_changed(folder, monkeypatch):
    save_transcript("runserver", RUN)
    changed = RUN.replace("executed successfully", "raised an exception")
    monkeypatch.setenv("UPDATE_TRANSCRIPTS", "1")

    assert_transcript_current("runserver", changed)

    assert "raised an exception" in (folder / "runserver.txt").read_text()


def test_a_missing_transcript_fails_unless_updating(folder, monkeypatch):
    with pytest.raises(AssertionError, match="missing: run the test with UPDATE_TRANSCRIPTS=1"):
        assert_transcript_current("new-one", "hello\n")

    monkeypatch.setenv("UPDATE_TRANSCRIPTS", "1")
    assert_transcript_current("new-one", "hello   \n\n")

    assert (folder / "new-one.txt").read_text() == "hello\n"


def test_a_name_is_a_file_name_not_a_path(folder):
    with pytest.raises(ValueError, match="not a transcript name"):
        save_transcript("../escape", "x")


def test_the_test_servers_port_is_written_as_the_readers(folder, monkeypatch):
    monkeypatch.setenv("UPDATE_TRANSCRIPTS", "1")

    assert_transcript_current("served", "http://127.0.0.1:60077/ 127.0.0.1:600771\n", port=60077)

    assert (folder / "served.txt").read_text() == "http://127.0.0.1:8000/ 127.0.0.1:600771\n"


# What the step pages show of the processes they run, each from the tests.
SHOWN = re.compile(r"^step0[1-7]-(?:runserver|runapscheduler|run-now|first-run)$")


def dates_in(text: str) -> set[date]:
    iso = {date.fromisoformat(day) for day in re.findall(r"\b\d{4}-\d{2}-\d{2}\b", text)}
    banner = re.findall(r"\b[A-Z][a-z]+ \d{2}, \d{4}\b", text)  # runserver's "March 02, 2026"
    return iso | {datetime.strptime(day, "%B %d, %Y").date() for day in banner}


def test_the_transcripts_serve_where_make_run_serves():
    for path in sorted(transcripts.TRANSCRIPTS.glob("*.txt")):
        assert set(re.findall(r"127\.0\.0\.1:(\d+)", path.read_text())) <= {"8000"}, path.name


def test_the_processes_the_steps_show_run_on_the_pages_day():
    shown = [p for p in sorted(transcripts.TRANSCRIPTS.glob("*.txt")) if SHOWN.match(p.stem)]

    assert len(shown) == 7 * 2 + 5 + 1  # runserver and first run, runapscheduler, run now
    for path in shown:
        assert dates_in(path.read_text()) == {DEFAULT_START.date()}, path.name
