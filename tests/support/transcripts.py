"""Console output the docs show, captured by the tests and kept current.

A test that runs what a page talks about checks its output against the page's copy:

    assert_transcript_current("step01-runserver", process_output)

docs/output/step01-runserver.txt is what a page shows with ``<!-- output: step01-runserver -->``.
The file keeps the real values of the run that wrote it (but for the port: below). Values
that change from run to run (times, pids, ports, passwords, durations, temporary paths,
addresses) are compared as placeholders, so a run that prints the same with other values
passes and leaves the file alone. With UPDATE_TRANSCRIPTS=1 a transcript that differs
otherwise, or is missing, is written instead of failing the test.

One value is written as the reader's run prints it, not as the test's: the port. The
tests serve on a free port (suites run side by side); given it, the transcript shows
8000 in its place, where `make run` serves:

    assert_transcript_current("step01-runserver", server.text, port=server.port)
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
from pathlib import Path

TRANSCRIPTS = Path(__file__).resolve().parents[2] / "docs" / "output"
READERS_PORT = 8000  # where `make run` serves, as the pages say
HOST = r"(127\.0\.0\.1|localhost|0\.0\.0\.0|\[::1?\])"
NAME = re.compile(r"^[\w.-]+$")
MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
TIME = r"\d{2}:\d{2}:\d{2}(?:[.,]\d+)?"
# In this order: a whole timestamp before the time of day inside it.
VOLATILE = [
    (rf"\d{{4}}-\d{{2}}-\d{{2}}[ T]{TIME}(?:Z| ?[+-]\d{{2}}:?\d{{2}})?", "<time>"),
    (rf"\b{MONTH} \d{{1,2}}, \d{{4}} - {TIME}", "<time>"),  # runserver's start line
    (rf"\b{TIME}\b", "<time>"),
    (r"(?i)\b(pid|process)(\s*[:=]?\s*)\d+\b", r"\1\2<pid>"),
    (r"\[\d{2,7}\]", "[<pid>]"),  # gunicorn's "[12345] [INFO]"
    (rf"\b{HOST}:\d+", r"\1:<port>"),
    (r"(?i)\b(password[ \t]*[:=]?[ \t]+)\S+", r"\1<password>"),
    (
        r"\b\d+(?:\.\d+)?[ \t]?(?:ms|µs|us|s|sec|secs|seconds?|milliseconds?|min|minutes?)\b",
        "<duration>",
    ),
    (rf"{re.escape(tempfile.gettempdir())}/[^\s'\"]*", "<tmp>"),
    (r"\b0x[0-9a-f]{6,}\b", "<address>"),
    # The docs show the pinned Django's banner; the Django 6.1 leg prints its own.
    (r"Django version \d+\.\d+(?:\.\d+)?", "Django version <version>"),
    (r"Starting (?:WSGI )?development server", "Starting development server"),
    (r"docs\.djangoproject\.com/en/\d+\.\d+/", "docs.djangoproject.com/en/<version>/"),
]
PATTERNS = [(re.compile(pattern), placeholder) for pattern, placeholder in VOLATILE]


def normalise(text: str) -> str:
    """``text`` with each value that changes from run to run replaced by a placeholder."""
    text = tidy(text)
    for pattern, placeholder in PATTERNS:
        text = pattern.sub(placeholder, text)
    return text


def tidy(text: str) -> str:
    """No trailing spaces, one newline at the end."""
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines()) + "\n"


def transcript_path(name: str) -> Path:
    if not NAME.match(name):
        raise ValueError(f"{name!r} is not a transcript name: use letters, digits, '.', '-', '_'")
    return TRANSCRIPTS / f"{name}.txt"


def save_transcript(name: str, text: str) -> Path:
    """Write ``text`` as the transcript ``name``, with its real values."""
    path = transcript_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tidy(text), encoding="utf-8")
    return path


def as_the_reader_runs_it(text: str, port: int | None) -> str:
    """``text`` with the test server's PORT shown as the reader's, 8000."""
    if port is None:
        return text
    return re.sub(rf"{HOST}:{port}(?!\d)", rf"\g<1>:{READERS_PORT}", text)


def assert_transcript_current(name: str, text: str, *, port: int | None = None) -> None:
    """``text`` prints what the committed transcript shows, but for volatile values.

    PORT: the port the test's server listened on; the transcript shows 8000 instead.
    """
    text = as_the_reader_runs_it(text, port)
    path = transcript_path(name)
    updating = os.environ.get("UPDATE_TRANSCRIPTS") == "1"
    if not path.is_file():
        if updating:
            save_transcript(name, text)
            return
        raise AssertionError(f"{path} is missing: run the test with UPDATE_TRANSCRIPTS=1")
    committed = normalise(path.read_text(encoding="utf-8"))
    current = normalise(text)
    if committed == current:
        return
    if updating:
        save_transcript(name, text)
        return
    changes = difflib.unified_diff(
        committed.splitlines(), current.splitlines(), str(path), "this run", lineterm=""
    )
    raise AssertionError(
        f"the output differs from {path} (rewrite it with UPDATE_TRANSCRIPTS=1):\n"
        + "\n".join(changes)
    )
