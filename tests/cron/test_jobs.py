"""Step 4's jobs, run by the step's own scheduler in Europe/Berlin: a daily job at
05:20 local time all year round, a job at minutes 20 and 25, and the campaign sweep."""

import threading
from collections import Counter
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext

from eventapp.models import Campaign

LOCAL = ZoneInfo(settings.TIME_ZONE)
NEW_YEAR = datetime(2026, 1, 1, 0, 0, 30, tzinfo=LOCAL)
DAILY = "close_finished_campaigns"
TWICE_HOURLY = "report_open_campaigns"


def only(clock, job_id: str) -> None:
    """Pause every other job of the step's scheduler, through the scheduler."""
    for job in clock.scheduler.get_jobs():
        if job.id != job_id:
            clock.scheduler.pause_job(job.id)


def test_the_step_runs_in_a_zone_with_daylight_saving_time():
    assert LOCAL.utcoffset(datetime(2026, 1, 15)) != LOCAL.utcoffset(datetime(2026, 7, 15))


def test_the_daily_job_runs_once_a_local_day_at_0520_for_a_year(start_clock):
    clock = start_clock(at=NEW_YEAR)
    only(clock, DAILY)

    runs = clock.advance_to(datetime(2027, 1, 1, tzinfo=LOCAL))

    local_times = [run.scheduled_at.astimezone(LOCAL) for run in runs]
    assert all(run.ok and run.job_id == DAILY for run in runs)
    assert len(local_times) == 365
    assert Counter(t.date() for t in local_times).most_common(1)[0][1] == 1
    assert {(t.hour, t.minute) for t in local_times} == {(5, 20)}
    # The same local time is a different UTC time in summer: both changes were crossed.
    assert {t.astimezone(timezone.utc).hour for t in local_times} == {3, 4}


@pytest.mark.parametrize(
    ("day", "local_hours"),
    [
        (datetime(2026, 3, 29, tzinfo=LOCAL), 23),  # 02:00 -> 03:00: the day has 23 hours
        (datetime(2026, 10, 25, tzinfo=LOCAL), 25),  # 03:00 -> 02:00: it has 25
    ],
)
def test_minutes_20_and_25_run_in_every_hour_the_day_has(start_clock, day, local_hours):
    clock = start_clock(at=day - timedelta(seconds=30))
    only(clock, TWICE_HOURLY)

    runs = clock.advance_to(day + timedelta(days=1) - timedelta(seconds=1))

    assert all(run.ok and run.job_id == TWICE_HOURLY for run in runs)
    assert len(runs) == 2 * local_hours
    assert {run.scheduled_at.astimezone(LOCAL).minute for run in runs} == {20, 25}
    instants = [run.scheduled_at.timestamp() for run in runs]
    assert len(set(instants)) == len(instants)


def campaign(name: str, ends_at: datetime, status=Campaign.Status.OPEN) -> Campaign:
    return Campaign.objects.create(name=name, ends_at=ends_at, status=status)


def test_finished_campaigns_are_closed_at_0520(start_clock):
    clock = start_clock(at=datetime(2026, 3, 2, 5, 0, tzinfo=LOCAL))
    ended = campaign("spring sale", clock.now() - timedelta(days=1))
    ends_at_dawn = campaign("night owls", clock.now() + timedelta(minutes=10))
    running = campaign("summer sale", clock.now() + timedelta(days=30))

    clock.advance_to(datetime(2026, 3, 2, 5, 19, tzinfo=LOCAL))
    assert Campaign.objects.get(pk=ended.pk).status == Campaign.Status.OPEN

    clock.advance_to(datetime(2026, 3, 2, 5, 21, tzinfo=LOCAL))
    statuses = dict(Campaign.objects.values_list("name", "status"))
    assert statuses == {"spring sale": "closed", "night owls": "closed", "summer sale": "open"}
    closed = Campaign.objects.get(pk=ends_at_dawn.pk)
    assert closed.closed_at == datetime(2026, 3, 2, 5, 20, tzinfo=LOCAL)
    assert Campaign.objects.get(pk=running.pk).closed_at is None


def in_a_job_thread(job):
    """Run JOB as the scheduler does, in a thread of its own; return its result and
    the SQL it sent (the job closes its connection when done, as jobs should)."""
    outcome = {}

    def work():
        with CaptureQueriesContext(connections["default"]) as queries:
            outcome["result"] = job()
        outcome["sql"] = [query["sql"] for query in queries.captured_queries]

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=10)
    return outcome["result"], outcome["sql"]


def test_closing_campaigns_is_one_update_query(transactional_db):
    from eventapp.campaigns import close_finished_campaigns

    now = datetime.now(timezone.utc)
    for n in range(20):
        campaign(f"ended {n}", now - timedelta(hours=n + 1))
    already = campaign("closed long ago", now - timedelta(days=9), Campaign.Status.CLOSED)
    campaign("still running", now + timedelta(days=1))

    closed, sql = in_a_job_thread(close_finished_campaigns)

    assert closed == 20
    assert len(sql) == 1 and sql[0].startswith("UPDATE")
    assert Campaign.objects.filter(status=Campaign.Status.OPEN).count() == 1
    assert Campaign.objects.get(pk=already.pk).closed_at is None  # left as it was


def test_campaigns_are_in_the_admin(admin_client):
    campaign("spring sale", datetime(2026, 3, 1, tzinfo=LOCAL))

    page = admin_client.get("/admin/eventapp/campaign/").content.decode()

    assert "spring sale" in page and "1 campaign" in page


def test_a_campaign_reads_well():
    row = Campaign(name="spring sale", ends_at=datetime(2026, 3, 1, 18, tzinfo=timezone.utc))
    assert str(row) == "spring sale (open, ends 2026-03-01 18:00 UTC)"


def test_the_home_page_shows_each_jobs_zone_and_next_runs(start_clock, client):
    start_clock(at=datetime(2026, 3, 27, 12, 0, 30, tzinfo=LOCAL))  # two days before DST

    page = client.get("/").content.decode()

    row = page.split("<td>close_finished_campaigns</td>", 1)[1].split("</tr>", 1)[0]
    assert "<td>Europe/Berlin</td>" in row
    # Local terms: 05:20 before and after the change of the clock, no microseconds.
    assert "2026-03-28 05:20:00 CET<br>2026-03-29 05:20:00 CEST<br>2026-03-30 05:20:00 CEST" in row
    assert "cron[hour=&#x27;5&#x27;, minute=&#x27;20&#x27;]" in row or "cron[hour='5'" in row


def test_the_home_page_shows_a_one_off_job_in_its_own_zone(clock, client):
    from django.db import transaction

    from eventapp.scheduling import schedule_extra_save

    tokyo = ZoneInfo("Asia/Tokyo")
    with transaction.atomic():
        schedule_extra_save(clock.scheduler, datetime(2026, 3, 3, 9, 0, tzinfo=tokyo))

    row = client.get("/").content.decode().split("<td>extra_save_20260303T090000</td>", 1)[1]
    assert "<td>Asia/Tokyo</td>" in row.split("</tr>", 1)[0]
    assert "2026-03-03 09:00:00 JST" in row.split("</tr>", 1)[0]
