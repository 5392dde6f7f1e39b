"""What the reader sees when runserver starts, as `make run` leaves the step."""

from support.processes import (
    STEP_DIR,
    lines_through,
    on_the_pages_day,
    runserver,
    schedulers_started,
)
from support.steps import runs_in_the_web_process
from support.transcripts import assert_transcript_current

BANNER_END = "For more information on production servers"


def test_what_the_reader_sees_when_runserver_starts(set_up_copy, tmp_path):
    """The docs show this output: runserver at its real pace on the pages' day, from its
    first line to the banner's last, at 127.0.0.1:8000 as `make run` serves it."""
    step = set_up_copy(tmp_path)
    with runserver(step, env=on_the_pages_day()) as server:
        server.wait_for(BANNER_END)
        server.interrupt()

    started = lines_through(server.text, BANNER_END)
    # Steps 1 and 2 start the scheduler here; from step 3 on, runapscheduler does.
    assert bool(schedulers_started(started)) is runs_in_the_web_process()
    assert_transcript_current(f"{STEP_DIR.name[:6]}-runserver", started, port=server.port)
