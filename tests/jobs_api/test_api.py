"""The jobs API: the jobs page's own views, answering in JSON under /api/. Staff with
the admin's permissions only; one form checks the input; a bad request changes nothing."""

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django_apscheduler.models import DjangoJob
from support.faults import fail_once

JOBS = "/api/jobs/"
MORNING = {"task": "create_save", "crontab": "20 5 * * *", "timezone": "Europe/Berlin"}


def stored() -> list:
    return list(DjangoJob.objects.values_list("id", "next_run_time", "job_state"))


def errors(response) -> dict[str, str]:
    """The form's errors in the answer, one text per field."""
    answer = response.json()["errors"]
    return {field: " ".join(error["message"] for error in found) for field, found in answer.items()}


@pytest.fixture
def cron_job(admin_client):
    response = admin_client.post(JOBS, {**MORNING, "id": "morning"})
    assert response.status_code == 201, response.content
    return response.json()


def test_a_cron_job_is_added_with_its_next_runs_in_its_zone(admin_client, cron_job):
    assert (cron_job["id"], cron_job["task"]) == ("morning", "create_save")
    assert (cron_job["trigger"], cron_job["timezone"]) == ("cron[20 5 * * *]", "Europe/Berlin")
    runs = [datetime.fromisoformat(run) for run in cron_job["next_runs"]]
    assert len(runs) == 3
    assert {(run.hour, run.minute) for run in runs} == {(5, 20)}
    assert {run.utcoffset() for run in runs} <= {timedelta(hours=1), timedelta(hours=2)}

    listed = admin_client.get(JOBS).json()["jobs"]
    assert [job["id"] for job in listed] == ["morning"]


def test_a_job_counts_in_its_own_zone_and_gets_an_id_if_none_is_given(admin_client):
    tokyo = {**MORNING, "timezone": "Asia/Tokyo", "task": "report_open_campaigns"}

    added = admin_client.post(JOBS, tokyo).json()

    assert added["timezone"] == "Asia/Tokyo"
    assert all(run.endswith("T05:20:00+09:00") for run in added["next_runs"])
    assert len(added["id"]) == 32  # APScheduler's own: a UUID's hex


BAD_REQUESTS = [
    ({}, dict.fromkeys(["task", "crontab", "timezone"], "This field is required.")),
    ({**MORNING, "task": "os:system"}, {"task": "Select a valid choice."}),
    ({**MORNING, "crontab": "61 * * * *"}, {"crontab": "minute: not a value cron knows"}),
    ({**MORNING, "crontab": "@reboot"}, {"crontab": "@reboot runs once at start-up"}),
    ({**MORNING, "crontab": "0 0 5 * * *"}, {"crontab": "expected 5 fields"}),
    ({**MORNING, "crontab": "0 0 30 2 *"}, {"crontab": "never fires"}),
    ({**MORNING, "crontab": "0 0 ? * MON"}, {"crontab": "Quartz syntax"}),
    ({**MORNING, "crontab": "1-99999999999999999999 * * * *"}, {"crontab": "minute: not a"}),
    ({**MORNING, "crontab": "\x00 * * * *"}, {"crontab": "Null characters are not allowed."}),
    ({**MORNING, "timezone": "Mars/Base"}, {"timezone": "unknown time zone 'Mars/Base'"}),
    ({**MORNING, "timezone": "a" * 3000}, {"timezone": "at most 64 characters"}),
    ({**MORNING, "id": "a b"}, {"id": "1 to 64 letters"}),
    ({**MORNING, "id": "x" * 65}, {"id": "1 to 64 letters"}),
    ({**MORNING, "id": "morning"}, {"id": "a job with id 'morning' exists already"}),
]


@pytest.mark.parametrize(("fields", "expected"), BAD_REQUESTS)
def test_bad_input_is_refused_field_by_field_and_changes_nothing(
    admin_client, cron_job, fields, expected
):
    before = stored()

    response = admin_client.post(JOBS, fields)

    assert response.status_code == 400
    found = errors(response)
    assert set(found) == set(expected)
    assert all(expected[field] in found[field] for field in expected)
    assert stored() == before


ODD_BODIES = [
    (b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"),
    (b"", "application/x-www-form-urlencoded"),
    (b"task=create_save&task=os:system&crontab=* * * * *&timezone=UTC", "text/plain"),
    (b'{"task": "create_save", "crontab": "* * * * *", "timezone": "UTC"}', "application/json"),
    (("[" * 1000 + "]" * 1000).encode(), "application/json"),
]


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize(("body", "content_type"), ODD_BODIES)
def test_odd_bodies_get_a_400_never_a_500(admin_client, settings, body, content_type, debug):
    """The API reads the fields a form posts; JSON, or anything else, is no form."""
    settings.DEBUG = debug

    response = admin_client.post(JOBS, body, content_type=content_type)

    assert response.status_code == 400
    assert "task" in response.json()["errors"]
    assert not DjangoJob.objects.exists()


def test_a_body_past_djangos_limit_is_a_400(admin_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = admin_client.post(JOBS, {**MORNING, "pad": "x" * 2000})

    assert response.status_code == 400
    assert not DjangoJob.objects.exists()


@pytest.mark.parametrize("action", ["change", "pause", "resume", "run", "remove"])
def test_an_unknown_id_is_a_404(admin_client, action):
    response = admin_client.post(f"/api/jobs/nope/{action}", MORNING)

    assert response.status_code == 404
    assert response.json() == {"error": "No job by the id of nope was found"}


@pytest.mark.parametrize("path", ["/api/nothing", "/api/jobs", "/api/jobs/morning/"])
def test_anything_else_under_api_is_a_json_404_never_a_redirect(admin_client, settings, path):
    """Not even a POST without the trailing slash: APPEND_SLASH would redirect it, or
    with DEBUG on fail, since a redirect loses the body."""
    assert admin_client.post(path, MORNING).json() == {"error": f"no API at {path}"}
    assert admin_client.get(path).status_code == 404


def test_pause_resume_and_remove(admin_client, cron_job):
    paused = admin_client.post("/api/jobs/morning/pause").json()
    assert paused["next_runs"] == []
    assert DjangoJob.objects.get(id="morning").next_run_time is None

    resumed = admin_client.post("/api/jobs/morning/resume").json()
    assert resumed["next_runs"] == cron_job["next_runs"]

    assert admin_client.post("/api/jobs/morning/remove").json() == {"removed": "morning"}
    assert not DjangoJob.objects.exists()


def test_change_sets_a_new_trigger_and_keeps_a_paused_job_paused(admin_client, cron_job):
    weekends = {"crontab": "0 7 * * sat,sun", "timezone": "Europe/Berlin"}
    changed = admin_client.post("/api/jobs/morning/change", weekends)
    assert changed.status_code == 200
    assert changed.json()["trigger"] == "cron[0 7 * * sat,sun]"
    runs = [datetime.fromisoformat(run) for run in changed.json()["next_runs"]]
    assert {run.strftime("%a %H:%M") for run in runs} <= {"Sat 07:00", "Sun 07:00"}

    admin_client.post("/api/jobs/morning/pause")
    hourly = admin_client.post("/api/jobs/morning/change", {**weekends, "crontab": "@hourly"})
    assert (hourly.json()["trigger"], hourly.json()["next_runs"]) == ("cron[0 * * * *]", [])


def test_a_bad_change_changes_nothing_and_the_task_stays(admin_client, cron_job):
    before = stored()

    response = admin_client.post("/api/jobs/morning/change", {**MORNING, "crontab": "0 0 31 4 *"})
    assert response.status_code == 400
    assert errors(response)["crontab"].startswith("never fires")
    assert stored() == before

    other_task = {**MORNING, "task": "close_finished_campaigns"}
    assert admin_client.post("/api/jobs/morning/change", other_task).json()["task"] == "create_save"


# --8<-- [start:run_now]
def test_run_now_runs_once_more_and_leaves_the_schedule_as_it_was(clock, admin_client, monkeypatch):
    """A one-off job runs in the scheduler, now; create_save still runs at :30 past."""
    fail_once(monkeypatch)
    before = DjangoJob.objects.get(id="create_save").next_run_time

    response = admin_client.post("/api/jobs/create_save/run")
    assert (response.status_code, response.json()["id"]) == (202, "create_save@now")
    [ran] = clock.advance(seconds=0)  # no time passes: it runs at once

    assert (ran.job_id, ran.scheduled_at, ran.ok) == ("create_save@now", clock.now(), False)
    assert DjangoJob.objects.get(id="create_save").next_run_time == before
    assert not DjangoJob.objects.filter(id="create_save@now").exists()  # a one-off: gone
    later = clock.advance(minutes=2)
    assert [(run.job_id, run.scheduled_at.second, run.ok) for run in later] == [
        ("create_save", 30, True),
        ("create_save", 30, True),
    ]


# --8<-- [end:run_now]


def test_a_paused_job_runs_now_and_stays_paused(clock, admin_client):
    admin_client.post("/api/jobs/create_save/pause")

    admin_client.post("/api/jobs/create_save/run")
    [ran] = clock.advance(seconds=0)

    assert (ran.job_id, ran.ok) == ("create_save@now", True)
    assert DjangoJob.objects.get(id="create_save").next_run_time is None


def test_a_job_added_through_the_api_runs_in_the_scheduler(clock, admin_client):
    admin_client.post(JOBS, {**MORNING, "crontab": "*/10 * * * *", "id": "tens"})

    runs = clock.advance(minutes=30)

    tens = [run for run in runs if run.job_id == "tens"]
    assert [run.scheduled_at.minute for run in tens] == [10, 20, 30]
    assert all(run.ok for run in tens)


# --- Who may do what: the admin's own permissions, not just is_staff ----------------

ENDPOINTS = [
    ("view", "get", JOBS, None),
    ("add", "post", JOBS, {**MORNING, "id": "more"}),
    ("change", "post", "/api/jobs/morning/change", MORNING),
    ("change", "post", "/api/jobs/morning/pause", None),
    ("change", "post", "/api/jobs/morning/resume", None),
    ("change", "post", "/api/jobs/morning/run", None),
    ("delete", "post", "/api/jobs/morning/remove", None),
]


def user_client(*actions: str, staff: bool = True) -> Client:
    user = User.objects.create_user(
        f"user-{'-'.join(actions) or 'none'}", password="a long enough password 1"
    )
    user.is_staff = staff
    user.save()
    codenames = [f"{action}_djangojob" for action in actions]
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


def call(client, method: str, path: str, fields):
    return getattr(client, method)(path, fields) if fields else getattr(client, method)(path)


@pytest.mark.parametrize(("action", "method", "path", "fields"), ENDPOINTS)
def test_staff_without_the_permission_are_refused(cron_job, action, method, path, fields):
    before = stored()
    others = [other for other in ("view", "add", "change", "delete") if other != action]

    response = call(user_client(*others), method, path, fields)

    assert response.status_code == 403
    assert response.json() == {"error": f"staff who may {action} jobs only; log in at /admin/"}
    assert stored() == before


@pytest.mark.parametrize(("action", "method", "path", "fields"), ENDPOINTS)
def test_the_matching_permission_is_enough(cron_job, action, method, path, fields):
    response = call(user_client(action), method, path, fields)

    assert response.status_code in {200, 201, 202}, response.content


@pytest.mark.parametrize(("action", "method", "path", "fields"), ENDPOINTS)
def test_anonymous_users_and_users_who_are_not_staff_are_refused(
    client, cron_job, action, method, path, fields
):
    not_staff = user_client("view", "add", "change", "delete", staff=False)

    for refused in (client, not_staff):
        assert call(refused, method, path, fields).status_code == 403
    assert DjangoJob.objects.count() == 1


def test_other_methods_are_405(admin_client):
    assert admin_client.put(JOBS).json() == {"error": "PUT is not allowed here"}
    assert admin_client.get("/api/jobs/x/pause").status_code == 405
    assert admin_client.delete("/api/jobs/x/remove").status_code == 405


def test_the_jobs_page_needs_the_view_permission(client, db):
    assert client.get("/jobs/").status_code == 403
    assert user_client().get("/jobs/").status_code == 403
    assert user_client("view").get("/jobs/").status_code == 200


# --- CSRF, ids, and no debug details ---------------------------------------------------


@pytest.fixture
def csrf_client(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    return client


def test_every_change_needs_the_csrf_token(csrf_client):
    refused = csrf_client.post(JOBS, {**MORNING, "id": "guarded"})
    assert refused.status_code == 403
    assert not DjangoJob.objects.exists()

    csrf_client.get("/jobs/")  # the page sets the csrftoken cookie
    token = csrf_client.cookies["csrftoken"].value
    accepted = csrf_client.post(JOBS, {**MORNING, "id": "guarded"}, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201

    for action in ("change", "pause", "run", "remove"):
        assert csrf_client.post(f"/api/jobs/guarded/{action}", MORNING).status_code == 403
    assert DjangoJob.objects.get(id="guarded").next_run_time is not None  # not paused either


@pytest.mark.parametrize("job_id", [".", "..", "...", "name\n", "tab\tid", "ü", " lead"])
def test_ids_a_url_could_not_address_are_refused(admin_client, job_id):
    response = admin_client.post(JOBS, {**MORNING, "id": job_id})

    assert errors(response)["id"].startswith("1 to 64 letters")
    assert not DjangoJob.objects.exists()


@pytest.mark.parametrize("job_id", ["a.b", "x..y", ".hidden", "v1.2-beta_3"])
def test_every_accepted_id_can_be_used_in_a_url(admin_client, job_id):
    assert admin_client.post(JOBS, {**MORNING, "id": job_id}).status_code == 201

    assert admin_client.post(f"/api/jobs/{job_id}/pause").status_code == 200
    assert admin_client.post(f"/api/jobs/{job_id}/remove").json() == {"removed": job_id}


def test_the_job_list_costs_the_same_queries_for_2_jobs_or_42(admin_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_with(count: int) -> int:
        while DjangoJob.objects.count() < count:
            admin_client.post(JOBS, {**MORNING, "id": f"j{DjangoJob.objects.count()}"})
        with CaptureQueriesContext(connection) as queries:
            assert len(admin_client.get(JOBS).json()["jobs"]) == count
        return len(queries)

    assert queries_with(2) == queries_with(42)


def test_with_debug_off_no_page_shows_debug_details(admin_client, settings):
    settings.DEBUG = False

    missing = admin_client.get("/no/such/page/")

    assert missing.status_code == 404
    assert "URLconf" not in missing.content.decode()  # Django's debug 404 lists the URLs
    assert admin_client.post("/api/jobs/nope/pause").status_code == 404
