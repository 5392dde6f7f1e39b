"""A dead man's switch outside the database: with HEALTHCHECKS_PING_URL set, every run of
every job pings a real local HTTP server in Healthchecks' protocol (/start, then success or
/fail with the error), and a ping server that hangs costs a run one timeout, logged once."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from harness import DEFAULT_START as START
from support.faults import fail_once
from support.pings import Ping, ping_server
from support.processes import STARTED_LINE, clean_env, command, copy_step, manage

from eventapp.models import SaveEvent

KEY = "/ping-key"  # as in https://hc-ping.com/<ping key>/<job id>
PINGS_LOGGER = "eventapp.updater.history"


def pings_of(job_id: str, requests: list[Ping]) -> list[tuple[str, str]]:
    """What JOB_ID's runs told the server, in order: ("start" | "success" | "fail", body)."""
    prefix = f"{KEY}/{job_id}"
    kinds = {prefix + "/start": "start", prefix: "success", prefix + "/fail": "fail"}
    return [(kinds[path], body) for method, path, body in requests if path in kinds]


def ping_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == PINGS_LOGGER]


def test_every_run_pings_its_start_then_its_success(clock, settings):
    with ping_server() as server:
        settings.HEALTHCHECKS_PING_URL = server.url + KEY
        runs = clock.advance(minutes=3)

    assert [run.ok for run in runs] == [True] * 3
    assert pings_of("create_save", server.requests) == [("start", ""), ("success", "")] * 3
    assert [method for method, path, body in server.requests] == ["GET"] * 6


def test_a_failing_run_pings_fail_with_its_error(clock, settings, monkeypatch):
    fail_once(monkeypatch)
    with ping_server() as server:
        settings.HEALTHCHECKS_PING_URL = server.url + KEY
        runs = clock.advance(minutes=2)

    assert [run.ok for run in runs] == [False, True]
    [start, (kind, error), *next_run] = pings_of("create_save", server.requests)
    assert (start, kind, next_run) == (("start", ""), "fail", [("start", ""), ("success", "")])
    assert error.endswith("IntegrityError: NOT NULL constraint failed: eventapp_saveevent.saved\n")
    assert [m for m, path, body in server.requests if path.endswith("/fail")] == ["POST"]


def test_the_error_sent_is_its_last_10_kb(clock, settings, monkeypatch):
    from django.db import IntegrityError

    fail_once(monkeypatch, IntegrityError("x" * 20_000 + " and that is why"))
    with ping_server() as server:
        settings.HEALTHCHECKS_PING_URL = server.url + KEY
        clock.advance(minutes=1)

    [_, (kind, error)] = pings_of("create_save", server.requests)
    assert kind == "fail"
    assert len(error.encode()) == 10_000
    assert error.endswith("xxx and that is why\n")


def test_a_ping_server_that_hangs_costs_a_run_one_timeout_logged_once(clock, settings, caplog):
    with ping_server(hang=True) as server:
        settings.HEALTHCHECKS_PING_URL = server.url + KEY
        runs = clock.advance(minutes=1)  # the clock fails if the run is not done in 10 s

        assert [run.ok for run in runs] == [True]
        assert SaveEvent.objects.count() == 1
        assert pings_of("create_save", server.requests) == [("start", "")]  # and no more
    assert ping_warnings(caplog) == ["Ping create_save/start failed: timed out"]


def test_without_a_ping_url_nothing_is_pinged(clock, settings, caplog):
    with ping_server() as server:
        settings.HEALTHCHECKS_PING_URL = ""
        runs = clock.advance(minutes=1)

    assert [run.ok for run in runs] == [True]
    assert server.requests == []
    assert ping_warnings(caplog) == []  # not even an attempt to reach "" + "/create_save"


def a_cron_job_ran(requests: list[Ping]) -> bool:
    return ("success", "") in pings_of("report_open_campaigns", requests)  # at :20 and :25


def test_a_real_runapscheduler_pings_each_run_of_each_job(set_up_copy, tmp_path):
    step = set_up_copy(tmp_path)
    with ping_server() as server:
        env = clean_env(HEALTHCHECKS_PING_URL=server.url + KEY + "/")  # a trailing / is fine
        with command(step, "runapscheduler", accelerate=True, start=START, env=env) as scheduler:
            scheduler.wait_for(STARTED_LINE)
            server.wait_for(a_cron_job_ran, timeout=30)  # 20 simulated minutes on
            assert scheduler.interrupt() == 0  # Ctrl+C waits for a running job, and its pings

    job_ids = {path.split("/")[2] for method, path, body in server.requests}
    assert {"create_save", "report_open_campaigns"} <= job_ids
    for job_id in job_ids:
        pings = pings_of(job_id, server.requests)
        assert pings == [("start", ""), ("success", "")] * (len(pings) // 2), job_id


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", ""), ("https://hc-ping.com/key/", "https://hc-ping.com/key")],
    ids=["empty: no pings", "a trailing slash"],
)
def test_the_ping_url_from_the_environment(load, value, expected):
    assert load(HEALTHCHECKS_PING_URL=value)["HEALTHCHECKS_PING_URL"] == expected


def test_a_ping_url_without_http_is_refused_without_echoing_it(load):
    with pytest.raises(ImproperlyConfigured, match="HEALTHCHECKS_PING_URL must start with") as e:
        load(HEALTHCHECKS_PING_URL="hc-ping.com/secret-key")
    assert "secret-key" not in str(e.value)


def test_a_bad_ping_url_stops_runapscheduler_with_a_message_naming_it(tmp_path):
    step = copy_step(tmp_path)

    result = manage(step, "runapscheduler", env=clean_env(HEALTHCHECKS_PING_URL="ftp://x/key"))

    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: "
        "HEALTHCHECKS_PING_URL must start with http:// or https://."
    )
    assert "ftp://x/key" not in result.stderr
