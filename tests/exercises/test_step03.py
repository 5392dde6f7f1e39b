"""Step 3's exercise, checked: what an outage around a due run leaves in the history."""

from datetime import timedelta

import pytest
from django_apscheduler.models import DjangoJobExecution


@pytest.mark.parametrize(
    ("back_after", "status"),
    [
        (timedelta(seconds=15), DjangoJobExecution.SUCCESS),  # 15 s late: within 30 s
        (timedelta(seconds=45), DjangoJobExecution.MISSED),  # 45 s late: past the grace
    ],
)
def test_a_run_due_while_the_scheduler_was_down(start_clock, back_after, status):
    clock = start_clock()
    clock.advance(minutes=2)
    due = clock.next_fire_time()  # 09:03:30
    clock.stop()  # stopped at 09:02:30, before it

    clock = start_clock(at=due + back_after)
    clock.wait_for_runs("create_save")

    recorded = DjangoJobExecution.objects.get(job_id="create_save", run_time=due)
    assert recorded.status == status
    assert clock.next_fire_time() == due + timedelta(minutes=1)  # the rhythm is kept
