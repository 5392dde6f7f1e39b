"""The scale bench's arithmetic (tools/bench_scale.py): when the jobs fall due, which start
of a job counts, and the p99 it prints. The bench itself runs only in `make bench`."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from bench_scale import Tail, first_starts, next_minute, p99


def test_the_jobs_fall_due_at_the_next_whole_minute_or_at_this_one_when_it_is_whole():
    half_past = datetime(2026, 12, 3, 11, 59, 30, tzinfo=timezone.utc)
    noon = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)

    assert next_minute(half_past.timestamp()) == noon
    assert next_minute(noon.timestamp()) == noon


def test_a_job_counts_from_its_first_start_and_a_line_still_being_written_waits(tmp_path):
    path = tmp_path / "starts"
    path.write_text("1 10.5\n2 11.0\n1 12.0\n3 13")
    starts = Tail(path)

    assert first_starts(starts) == {1: 10.5, 2: 11.0}
    with path.open("a") as more:
        more.write(".25\n")
    assert first_starts(starts) == {1: 10.5, 2: 11.0, 3: 13.25}


def test_p99_lies_between_the_two_latest_of_a_hundred_and_is_the_one_value_of_one():
    late = [n / 100 for n in range(1, 101)]  # 0.01 s to 1.00 s

    assert p99(late) == pytest.approx(0.9901)
    assert p99([0.5]) == 0.5
