"""tests/support/transcripts.py: captured console output, compared but for volatile values."""

import tempfile

import pytest
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
