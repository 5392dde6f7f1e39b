"""The JSON API behind the jobs page: staff only, strict about input, never a 500,
and never a partial change."""

import json
from datetime import datetime, timedelta, timezone
from itertools import pairwise

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django_apscheduler.models import DjangoJob, DjangoJobExecution
from support.faults import fail_once

JOBS = "/api/jobs/"
PREVIEW = "/api/cron/preview"


def post(client, path, body, **extra):
    return client.post(path, json.dumps(body), content_type="application/json", **extra)


def patch(client, path, body):
    return client.patch(path, json.dumps(body), content_type="application/json")


def future(**delta) -> str:
    return (datetime.now(timezone.utc) + timedelta(**delta)).isoformat()


@pytest.fixture
def cron_job(admin_client):
    response = post(
        admin_client,
        JOBS,
        {"task": "create_save", "trigger": "cron", "crontab": "20 5 * * *", "id": "morning"},
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_cron_job_is_added_with_its_next_run_time_and_offset(admin_client, cron_job):
    assert cron_job["id"] == "morning"
    assert cron_job["task"] == "create_save"
    assert cron_job["trigger"] == "cron[20 5 * * *]"
    assert cron_job["timezone"] == "Europe/Berlin"
    assert cron_job["paused"] is False
    next_run = datetime.fromisoformat(cron_job["next_run_time"])
    assert next_run.utcoffset() in {timedelta(hours=1), timedelta(hours=2)}
    assert (next_run.hour, next_run.minute) == (5, 20)

    listed = admin_client.get(JOBS).json()["jobs"]
    assert [job["id"] for job in listed] == ["morning"]
    assert set(listed[0]) >= {"id", "task", "trigger", "next_run_time"}


def test_interval_and_date_jobs_and_a_generated_id(admin_client):
    every = post(
        admin_client, JOBS, {"task": "report_open_campaigns", "trigger": "interval", "minutes": 90}
    )
    once = post(
        admin_client,
        JOBS,
        {
            "task": "close_finished_campaigns",
            "trigger": "date",
            "run_date": future(hours=2),
            "timezone": "Asia/Tokyo",
        },
    )

    assert every.status_code == once.status_code == 201
    assert every.json()["id"].startswith("report_open_campaigns-")
    assert every.json()["trigger"] == "interval[1:30:00]"
    assert once.json()["timezone"] == "Asia/Tokyo"
    assert once.json()["next_run_time"].endswith("+09:00")
    assert DjangoJob.objects.count() == 2


BAD_REQUESTS = [
    ("not json", "body: not valid JSON"),
    ([1, 2], "body: must be a JSON object"),
    (
        {"task": "create_save", "trigger": "cron", "crontab": "* * * * *", "func": "os:system"},
        "func: unknown field",
    ),
    ({"trigger": "cron", "crontab": "* * * * *"}, "task: must be one of"),
    ({"task": "os:system", "trigger": "cron", "crontab": "* * * * *"}, "task: must be one of"),
    ({"task": ["create_save"], "trigger": "cron", "crontab": "* * * * *"}, "task: must be one of"),
    ({"task": "create_save"}, "trigger: must be 'cron', 'interval' or 'date'"),
    ({"task": "create_save", "trigger": "every"}, "trigger: must be"),
    ({"task": "create_save", "trigger": "cron"}, "crontab: must be a string"),
    ({"task": "create_save", "trigger": "cron", "crontab": 5}, "crontab: must be a string"),
    (
        {"task": "create_save", "trigger": "cron", "crontab": "61 * * * *"},
        "crontab: minute: not a value cron knows",
    ),
    ({"task": "create_save", "trigger": "cron", "crontab": "@reboot"}, "crontab: @reboot"),
    (
        {"task": "create_save", "trigger": "cron", "crontab": "0 0 5 * * *"},
        "crontab: expected 5 fields",
    ),
    (
        {"task": "create_save", "trigger": "cron", "crontab": "0 5 * * *", "minutes": 5},
        "minutes: does not go with",
    ),
    (
        {"task": "create_save", "trigger": "cron", "crontab": "0 5 * * *", "timezone": "Mars/Base"},
        "timezone: unknown time zone",
    ),
    (
        {"task": "create_save", "trigger": "cron", "crontab": "0 5 * * *", "timezone": 1},
        "timezone: must be a string",
    ),
    ({"task": "create_save", "trigger": "interval"}, "interval: give one of"),
    ({"task": "create_save", "trigger": "interval", "minutes": 0}, "interval: give one of"),
    ({"task": "create_save", "trigger": "interval", "minutes": -5}, "minutes: a whole number"),
    ({"task": "create_save", "trigger": "interval", "minutes": 1.5}, "minutes: a whole number"),
    ({"task": "create_save", "trigger": "interval", "minutes": True}, "minutes: a whole number"),
    ({"task": "create_save", "trigger": "interval", "minutes": "5"}, "minutes: a whole number"),
    (
        {"task": "create_save", "trigger": "interval", "weeks": 999999},
        "interval: at most ten years",
    ),
    ({"task": "create_save", "trigger": "date"}, "run_date: an ISO 8601 date-time"),
    (
        {"task": "create_save", "trigger": "date", "run_date": "tomorrow"},
        "run_date: 'tomorrow' is not",
    ),
    (
        {"task": "create_save", "trigger": "date", "run_date": "2030-01-01T09:00:00"},
        "run_date: has no offset",
    ),
    (
        {"task": "create_save", "trigger": "date", "run_date": "2020-01-01T09:00:00+01:00"},
        "run_date: is in the past",
    ),
    (
        {"task": "create_save", "trigger": "interval", "minutes": 5, "id": "a b"},
        "id: 1 to 64 letters",
    ),
    (
        {"task": "create_save", "trigger": "interval", "minutes": 5, "id": "x" * 65},
        "id: 1 to 64 letters",
    ),
    ({"task": "create_save", "trigger": "interval", "minutes": 5, "id": 7}, "id: 1 to 64 letters"),
    (
        {"task": "create_save", "trigger": "interval", "minutes": 5, "id": "morning"},
        "id: a job with id 'morning' exists",
    ),
    (
        {"task": "create_save", "trigger": "cron", "crontab": "0 5 * * *", "pad": "x" * 5000},
        "body: larger than 4096 bytes",
    ),
]


@pytest.mark.parametrize(("body", "message"), BAD_REQUESTS)
def test_bad_input_is_refused_with_the_field_and_changes_nothing(
    admin_client, cron_job, body, message
):
    before = list(DjangoJob.objects.values_list("id", "next_run_time", "job_state"))
    raw = body if isinstance(body, str) else json.dumps(body)

    response = admin_client.post(JOBS, raw, content_type="application/json")

    assert response.status_code == 400
    assert message in response.json()["error"]
    assert list(DjangoJob.objects.values_list("id", "next_run_time", "job_state")) == before


ODD_BODIES = [
    b"\xff\xfe\x00garbage",
    b"",
    b"null",
    b'"a string"',
    json.dumps({"task": {"nested": 1}, "trigger": "cron", "crontab": "* * * * *"}).encode(),
    json.dumps(
        {"task": "create_save", "trigger": "cron", "crontab": "* * * * *", "timezone": "a" * 3000}
    ).encode(),
    json.dumps(
        {"task": "create_save", "trigger": "cron", "crontab": "1-99999999999999999999 * * * *"}
    ).encode(),
    json.dumps({"task": "create_save", "trigger": "cron", "crontab": "\u0000 * * * *"}).encode(),
    json.dumps({"task": "create_save", "trigger": "interval", "minutes": 10**30}).encode(),
    json.dumps(
        {
            "task": "create_save",
            "trigger": "date",
            "run_date": "9999-12-31T23:59:59-12:00",
            "timezone": "Asia/Tokyo",
        }
    ).encode(),
    json.dumps(
        {"task": "create_save", "trigger": "date", "run_date": "0001-01-01T00:00:00+14:00"}
    ).encode(),
]


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("body", ODD_BODIES)
def test_odd_bodies_get_a_400_never_a_500(admin_client, settings, body, debug):
    settings.DEBUG = debug
    response = admin_client.post(JOBS, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]
    assert not DjangoJob.objects.exists()


def test_a_body_past_djangos_own_limit_is_a_400_too(admin_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = admin_client.post(JOBS, "x" * 2000, content_type="application/json")

    assert response.status_code == 400
    assert "body: larger than" in response.json()["error"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/jobs/nope/"),
        ("delete", "/api/jobs/nope/"),
        ("post", "/api/jobs/nope/pause"),
        ("post", "/api/jobs/nope/resume"),
        ("post", "/api/jobs/nope/run"),
    ],
)
def test_an_unknown_id_is_a_404(admin_client, method, path):
    response = getattr(admin_client, method)(path)

    assert response.status_code == 404
    assert response.json() == {"error": "no job with id 'nope'"}


def test_patch_of_an_unknown_id_is_a_404(admin_client):
    response = patch(admin_client, "/api/jobs/nope/", {"trigger": "cron", "crontab": "0 5 * * *"})
    assert response.status_code == 404


def test_pause_resume_run_and_remove(admin_client, cron_job):
    paused = admin_client.post("/api/jobs/morning/pause").json()
    assert (paused["paused"], paused["next_run_time"]) == (True, None)
    assert DjangoJob.objects.get(id="morning").next_run_time is None

    refused = admin_client.post("/api/jobs/morning/run")
    assert refused.status_code == 400
    assert "paused" in refused.json()["error"]

    resumed = admin_client.post("/api/jobs/morning/resume").json()
    assert resumed["next_run_time"] == cron_job["next_run_time"]

    ran = admin_client.post("/api/jobs/morning/run")
    assert ran.status_code == 202
    assert datetime.fromisoformat(ran.json()["next_run_time"]) <= datetime.now(timezone.utc)

    assert admin_client.delete("/api/jobs/morning/").json()["removed"] == "morning"
    assert admin_client.get("/api/jobs/morning/").status_code == 404
    assert not DjangoJob.objects.exists()


def test_patch_changes_the_trigger_and_keeps_a_paused_job_paused(admin_client, cron_job):
    changed = patch(
        admin_client, "/api/jobs/morning/", {"trigger": "cron", "crontab": "0 7 * * sat,sun"}
    )
    assert changed.status_code == 200
    assert changed.json()["trigger"] == "cron[0 7 * * sat,sun]"
    assert datetime.fromisoformat(changed.json()["next_run_time"]).strftime("%a %H:%M") in {
        "Sat 07:00",
        "Sun 07:00",
    }

    admin_client.post("/api/jobs/morning/pause")
    still_paused = patch(
        admin_client, "/api/jobs/morning/", {"trigger": "interval", "hours": 2}
    ).json()
    assert (still_paused["trigger"], still_paused["paused"]) == ("interval[2:00:00]", True)


def test_a_bad_patch_changes_nothing(admin_client, cron_job):
    before = DjangoJob.objects.values_list("next_run_time", "job_state").get(id="morning")

    response = patch(
        admin_client, "/api/jobs/morning/", {"trigger": "cron", "crontab": "0 0 30 2 *"}
    )

    assert response.status_code == 400
    assert response.json()["error"].startswith("crontab: never fires")
    assert DjangoJob.objects.values_list("next_run_time", "job_state").get(id="morning") == before


def test_patch_cannot_change_the_task(admin_client, cron_job):
    response = patch(
        admin_client,
        "/api/jobs/morning/",
        {"task": "close_finished_campaigns", "trigger": "cron", "crontab": "0 5 * * *"},
    )

    assert response.status_code == 400
    assert response.json()["error"].startswith("task: unknown field")


def test_the_preview_lists_the_next_fire_times(admin_client):
    response = admin_client.get(PREVIEW, {"crontab": "0 12 * * 0", "timezone": "Europe/Berlin"})

    times = [datetime.fromisoformat(t) for t in response.json()["next"]]
    assert len(times) == 5
    assert {t.strftime("%A %H:%M") for t in times} == {"Sunday 12:00"}  # 0 is Sunday
    assert all(later - earlier == timedelta(days=7) for earlier, later in pairwise(times))


@pytest.mark.parametrize(("count", "length"), [("1", 1), ("50", 50)])
def test_the_preview_count_goes_from_1_to_50(admin_client, count, length):
    response = admin_client.get(PREVIEW, {"crontab": "*/5 * * * *", "count": count})
    assert len(response.json()["next"]) == length


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"crontab": "* * * * *", "count": "0"}, "count: a whole number from 1 to 50"),
        ({"crontab": "* * * * *", "count": "51"}, "count: a whole number from 1 to 50"),
        ({"crontab": "* * * * *", "count": "five"}, "count: a whole number from 1 to 50"),
        ({"crontab": "* * * * *", "count": "²"}, "count: a whole number from 1 to 50"),
        ({"crontab": "0 5 * *"}, "crontab: expected 5 fields"),
        ({}, "crontab: expected 5 fields"),
        ({"crontab": "0 5 * * *", "timezone": "Nowhere"}, "timezone: unknown time zone 'Nowhere'"),
    ],
)
def test_a_bad_preview_request_names_the_field(admin_client, query, message):
    response = admin_client.get(PREVIEW, query)

    assert response.status_code == 400
    assert message in response.json()["error"]


STAFF_ONLY = [
    ("get", JOBS),
    ("post", JOBS),
    ("get", PREVIEW + "?crontab=*+*+*+*+*"),
    ("post", "/api/jobs/create_save/run"),
    ("delete", "/api/jobs/create_save/"),
]


@pytest.mark.parametrize(("method", "path"), STAFF_ONLY)
def test_anonymous_users_get_403(client, db, method, path):
    response = getattr(client, method)(path)

    assert response.status_code == 403
    assert "staff only" in response.json()["error"]


@pytest.mark.parametrize(("method", "path"), STAFF_ONLY)
def test_users_who_are_not_staff_get_403(client, db, method, path):
    client.force_login(User.objects.create_user("reader", password="a long enough password 1"))

    response = getattr(client, method)(path)

    assert response.status_code == 403


def test_other_methods_are_405(admin_client):
    assert admin_client.put(JOBS).status_code == 405
    assert admin_client.get("/api/jobs/x/pause").status_code == 405


@pytest.fixture
def csrf_client(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    return client


def test_unsafe_methods_need_the_csrf_token(csrf_client):
    body = {"task": "create_save", "trigger": "interval", "minutes": 5, "id": "guarded"}

    refused = post(csrf_client, JOBS, body)
    assert refused.status_code == 403
    assert refused.json()["error"].startswith("CSRF check failed")
    assert not DjangoJob.objects.exists()

    csrf_client.get("/jobs/")  # the page sets the csrftoken cookie its script sends back
    token = csrf_client.cookies["csrftoken"].value
    accepted = post(csrf_client, JOBS, body, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201

    assert csrf_client.delete("/api/jobs/guarded/").status_code == 403
    assert (
        csrf_client.patch("/api/jobs/guarded/", "{}", content_type="application/json").status_code
        == 403
    )
    assert csrf_client.post("/api/jobs/guarded/pause").status_code == 403
    assert DjangoJob.objects.filter(id="guarded").exists()


def test_the_admin_login_form_keeps_djangos_csrf_page(db):
    response = Client(enforce_csrf_checks=True).post("/admin/login/", {"username": "x"})

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


def test_the_jobs_page_is_for_staff(client, admin_client, db):
    assert client.get("/jobs/")["Location"].startswith("/admin/login/")

    page = admin_client.get("/jobs/").content.decode()

    assert '<option value="close_finished_campaigns">' in page
    assert "<option selected>Europe/Berlin</option>" in page
    assert 'id="preview"' in page


def test_run_now_runs_in_the_background_and_its_outcome_shows(clock, admin_client, monkeypatch):
    fail_once(monkeypatch)

    response = admin_client.post("/api/jobs/create_save/run")
    assert response.status_code == 202
    [failed] = clock.wait_for_runs("create_save")  # time stands still: it runs now

    assert (failed.job_id, failed.ok) == ("create_save", False)
    last = admin_client.get("/api/jobs/create_save/").json()["last_run"]
    assert last["status"] == DjangoJobExecution.ERROR
    assert "NOT NULL constraint failed" in last["error"]
    assert isinstance(last["duration"], float)

    clock.advance(seconds=10)  # a run's record is keyed by its time: a later run, a new record
    admin_client.post("/api/jobs/create_save/run")
    [succeeded] = clock.wait_for_runs("create_save")
    assert succeeded.ok
    last = admin_client.get("/api/jobs/create_save/").json()["last_run"]
    assert (last["status"], last["error"]) == (DjangoJobExecution.SUCCESS, None)


def test_a_job_added_through_the_api_runs_in_the_running_scheduler(clock, admin_client):
    post(
        admin_client,
        JOBS,
        {"task": "create_save", "trigger": "cron", "crontab": "*/10 * * * *", "id": "tens"},
    )

    runs = clock.advance(minutes=30)

    tens = [run for run in runs if run.job_id == "tens"]
    assert [run.scheduled_at.minute for run in tens] == [10, 20, 30]
    assert all(run.ok for run in tens)


# --- Permissions: the admin's own, not just is_staff -------------------------------

ENDPOINTS = [
    ("view", "get", JOBS, None),
    ("view", "get", "/api/jobs/morning/", None),
    ("view", "get", PREVIEW + "?crontab=*+*+*+*+*", None),
    ("add", "post", JOBS, {"task": "create_save", "trigger": "interval", "minutes": 5}),
    ("change", "patch", "/api/jobs/morning/", {"trigger": "interval", "hours": 2}),
    ("change", "post", "/api/jobs/morning/pause", None),
    ("change", "post", "/api/jobs/morning/resume", None),
    ("change", "post", "/api/jobs/morning/run", None),
    ("delete", "delete", "/api/jobs/morning/", None),
]


def staff_client(*actions: str) -> Client:
    from django.contrib.auth.models import Permission

    user = User.objects.create_user(
        f"staff-{'-'.join(actions) or 'none'}", password="a long enough password 1"
    )
    user.is_staff = True
    user.save()
    codenames = [f"{action}_djangojob" for action in actions]
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


def call(client, method: str, path: str, body):
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(("action", "method", "path", "body"), ENDPOINTS)
def test_staff_without_permissions_are_refused_everything(cron_job, action, method, path, body):
    before = list(DjangoJob.objects.values_list("id", "next_run_time", "job_state"))

    response = call(staff_client(), method, path, body)

    assert response.status_code == 403
    assert response.json()["error"] == f"permission denied: you may not {action} jobs"
    assert list(DjangoJob.objects.values_list("id", "next_run_time", "job_state")) == before


@pytest.mark.parametrize(("action", "method", "path", "body"), ENDPOINTS)
def test_the_matching_permission_is_enough(cron_job, action, method, path, body):
    response = call(staff_client(action), method, path, body)

    assert response.status_code in {200, 201, 202}, response.content


def test_the_jobs_page_needs_the_view_permission(db):
    assert staff_client().get("/jobs/").status_code == 403
    assert staff_client("view").get("/jobs/").status_code == 200


# --- Hostile bodies and ids -----------------------------------------------------------

DEEP = ("[" * 1000 + "]" * 1000).encode()  # 2 KB


@pytest.mark.parametrize("debug", [True, False])
def test_deeply_nested_json_is_a_400_never_a_500(admin_client, settings, debug):
    settings.DEBUG = debug

    response = admin_client.post(JOBS, DEEP, content_type="application/json")

    assert response.status_code == 400
    # Python 3.11 runs out of recursion parsing it; 3.12 and later parse it into a list.
    assert response.json()["error"] in {"body: nested too deeply", "body: must be a JSON object"}
    assert not DjangoJob.objects.exists()


@pytest.mark.parametrize("job_id", [".", "..", "...", "name\n", "tab\tid", "ü"])
def test_ids_the_page_could_not_address_are_refused(admin_client, job_id):
    body = {"task": "create_save", "trigger": "interval", "minutes": 5, "id": job_id}

    response = post(admin_client, JOBS, body)

    assert response.status_code == 400
    assert response.json()["error"].startswith("id: 1 to 64 letters")
    assert not DjangoJob.objects.exists()


@pytest.mark.parametrize("job_id", ["a.b", "x..y", ".hidden", "v1.2-beta_3"])
def test_every_accepted_id_can_be_used_in_a_url(admin_client, job_id):
    body = {"task": "create_save", "trigger": "interval", "minutes": 5, "id": job_id}
    assert post(admin_client, JOBS, body).status_code == 201

    assert admin_client.post(f"/api/jobs/{job_id}/pause").status_code == 200
    assert admin_client.delete(f"/api/jobs/{job_id}/").json()["removed"] == job_id


# --- Removing a job, and a floor under how often ---------------------------------------


def test_removing_a_job_says_how_many_run_records_go_with_it(clock, admin_client):
    from eventapp.models import JobRun

    clock.advance(minutes=3)
    listed = {job["id"]: job for job in admin_client.get(JOBS).json()["jobs"]}
    assert listed["create_save"]["run_records"] == 3  # what the page's warning shows

    removed = admin_client.delete("/api/jobs/create_save/").json()

    assert removed == {"removed": "create_save", "run_records_deleted": 3}
    assert not DjangoJobExecution.objects.filter(job_id="create_save").exists()
    assert JobRun.objects.filter(job_id="create_save").count() == 3  # who ran what stays


@pytest.mark.parametrize(
    "body",
    [
        {"task": "create_save", "trigger": "interval", "seconds": 1},
        {"task": "create_save", "trigger": "interval", "seconds": 59},
    ],
)
def test_a_job_more_often_than_the_floor_is_refused(admin_client, body):
    response = post(admin_client, JOBS, body)

    assert response.status_code == 400
    assert "the least allowed is 60 s (SCHEDULER_MIN_INTERVAL_SECONDS)" in response.json()["error"]
    assert not DjangoJob.objects.exists()


def test_the_floor_is_a_setting_and_applies_to_crontab_strings(admin_client, settings):
    every_minute = {"task": "create_save", "trigger": "cron", "crontab": "* * * * *"}
    assert post(admin_client, JOBS, {**every_minute, "id": "a"}).status_code == 201

    settings.SCHEDULER_MIN_INTERVAL_SECONDS = 300
    refused = post(admin_client, JOBS, {**every_minute, "id": "b"})

    assert refused.status_code == 400
    assert "runs every 60 s; the least allowed is 300 s" in refused.json()["error"]


def test_the_job_list_costs_the_same_queries_for_2_jobs_or_40(admin_client):
    def add(count: int) -> None:
        for n in range(DjangoJob.objects.count(), DjangoJob.objects.count() + count):
            body = {"task": "create_save", "trigger": "interval", "hours": 1, "id": f"j{n}"}
            post(admin_client, JOBS, body)

    def list_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(JOBS).status_code == 200
        return len(queries)

    add(2)
    few = list_queries()
    add(40)
    assert len(admin_client.get(JOBS).json()["jobs"]) == 42
    assert list_queries() == few


def test_with_debug_off_no_page_shows_debug_details(admin_client, settings):
    settings.DEBUG = False

    missing = admin_client.get("/no/such/page/")
    unknown_job = admin_client.get("/api/jobs/nope/")

    assert missing.status_code == 404
    assert "URLconf" not in missing.content.decode()  # Django's debug 404 lists the URLs
    assert unknown_job.json() == {"error": "no job with id 'nope'"}
