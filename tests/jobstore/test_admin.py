"""The admin shows each job's run history. Until step 6 it also runs a job on demand, in
the web request; from step 6 on, where a lease makes one process the scheduler, it has
no such action: "Run now" on the jobs page asks the scheduler that holds the lease."""

import importlib.util
from datetime import datetime, timezone

from django_apscheduler.models import DjangoJobExecution
from django_apscheduler.util import get_local_dt_format
from support.faults import fail_once

from eventapp.models import SaveEvent

FIRST_RUN = datetime(2026, 3, 2, 9, 1, 30, tzinfo=timezone.utc)
SECOND_RUN = datetime(2026, 3, 2, 9, 2, 30, tzinfo=timezone.utc)
EXECUTIONS = "/admin/django_apscheduler/djangojobexecution/"
JOBS = "/admin/django_apscheduler/djangojob/"
HAS_A_LEASE = importlib.util.find_spec("eventapp.leader") is not None


def test_the_history_shows_status_run_time_and_duration(clock, admin_client, monkeypatch):
    fail_once(monkeypatch)
    clock.advance(minutes=2)

    page = admin_client.get(EXECUTIONS).content.decode()

    assert "2 django job executions" in page
    assert ">Executed<" in page and ">Error!<" in page
    # The admin shows times in the step's TIME_ZONE, as "March 2, 2026, 9:01:30 a.m." in UTC.
    assert get_local_dt_format(FIRST_RUN) in page  # run time of the failed run
    assert get_local_dt_format(SECOND_RUN) in page
    assert "Duration (sec)" in page


def test_a_failed_run_shows_its_traceback(clock, admin_client, monkeypatch):
    fail_once(monkeypatch)
    clock.advance(minutes=1)
    failed = DjangoJobExecution.objects.get(status=DjangoJobExecution.ERROR)

    page = admin_client.get(f"{EXECUTIONS}{failed.pk}/change/").content.decode()

    assert "NOT NULL constraint failed" in page
    assert "raise error" in page


def test_run_selected_jobs_runs_the_job_in_the_request_unless_a_lease_forbids_it(
    clock, admin_client
):
    response = admin_client.post(
        JOBS, {"action": "run_selected_jobs", "_selected_action": ["create_save"]}, follow=True
    )

    if HAS_A_LEASE:  # a run in the web request would be outside the lease: no such action
        assert "No action selected." in response.content.decode()
        assert SaveEvent.objects.count() == 0 and not DjangoJobExecution.objects.exists()
        assert "run_selected_jobs" not in admin_client.get(JOBS).content.decode()
        return
    assert "Executed job 'create_save'!" in response.content.decode()
    assert SaveEvent.objects.count() == 1
    [execution] = DjangoJobExecution.objects.all()
    assert (execution.job_id, execution.status) == ("create_save", DjangoJobExecution.SUCCESS)
    assert clock.runs == []  # the scheduler itself ran nothing


def test_the_job_list_shows_the_next_run_time(clock, admin_client):
    page = admin_client.get(JOBS).content.decode()

    assert "create_save" in page and "delete_old_job_executions" in page
    assert get_local_dt_format(FIRST_RUN) in page
