"""Settings from the environment: what a deployment sets, what it gets, and what is
refused with a message that names the variable."""

import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from support.processes import clean_env, copy_step, manage

SETTINGS = Path("eventproject/settings.py").resolve()  # the step's, read afresh each time
VARIABLES = [
    "DATABASE_URL",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_SECURE_COOKIES",
    "DJANGO_SECURE_HSTS_SECONDS",
    "DJANGO_SECURE_PROXY_SSL_HEADER",
    "DJANGO_SECURE_SSL_REDIRECT",
    "SCHEDULER_HEARTBEAT_SECONDS",
    "SCHEDULER_SHUTDOWN_WAIT",
]
A_SECRET_KEY = "tests-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"
PRODUCTION = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": A_SECRET_KEY}


@pytest.fixture
def load(monkeypatch):
    """The settings module as a process with exactly these variables would see it."""

    def load(**env: str) -> dict:
        for name in VARIABLES:
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS))

    return load


def test_development_defaults(load):
    settings = load()

    assert settings["DEBUG"] is True
    assert settings["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]
    database = settings["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(SETTINGS.parent.parent / "db.sqlite3")
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert database["OPTIONS"]["timeout"] == 20
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]
    assert settings["SECURE_SSL_REDIRECT"] is False
    assert settings["SCHEDULER_HEARTBEAT_SECONDS"] == 5
    assert settings["SCHEDULER_SHUTDOWN_WAIT"] == 25


def test_postgresql_from_database_url(load):
    settings = load(DATABASE_URL="postgres://scheduler:pw@db.internal:5433/events")

    database = settings["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["NAME"], database["USER"], database["HOST"], database["PORT"]) == (
        "events",
        "scheduler",
        "db.internal",
        5433,
    )
    assert database["CONN_HEALTH_CHECKS"] is True
    assert "transaction_mode" not in database.get("OPTIONS", {})


def test_an_sqlite_url_keeps_the_sqlite_options(load):
    database = load(DATABASE_URL="sqlite:////srv/events/db.sqlite3")["DATABASES"]["default"]

    assert database["NAME"] == "/srv/events/db.sqlite3"
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_a_bad_database_url_is_refused_without_echoing_it(load):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL is not a database URL") as error:
        load(DATABASE_URL="postgress://scheduler:hunter2@db/events")
    assert "hunter2" not in str(error.value)


def test_allowed_hosts_is_a_comma_separated_list(load):
    settings = load(DJANGO_ALLOWED_HOSTS="events.example.com, www.events.example.com")

    assert settings["ALLOWED_HOSTS"] == ["events.example.com", "www.events.example.com"]


def test_an_empty_allowed_hosts_is_refused(load):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_ALLOWED_HOSTS=' , ' is empty"):
        load(DJANGO_ALLOWED_HOSTS=" , ")


def test_debug_off_needs_a_secret_key(load):
    with pytest.raises(ImproperlyConfigured) as error:
        load(DJANGO_DEBUG="false")

    assert "DJANGO_SECRET_KEY is not set, and DJANGO_DEBUG=false needs one" in str(error.value)
    assert "get_random_secret_key" in str(error.value)


def test_production_is_https_only_with_hashed_static_files(load):
    settings = load(**PRODUCTION)

    assert settings["DEBUG"] is False
    assert settings["SECRET_KEY"] == A_SECRET_KEY
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SESSION_COOKIE_SECURE"] is settings["CSRF_COOKIE_SECURE"] is True
    assert settings["SECURE_HSTS_SECONDS"] == 3600
    assert "SECURE_PROXY_SSL_HEADER" not in settings
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings["MIDDLEWARE"]
    assert settings["STORAGES"]["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )


def test_behind_plain_http_or_a_proxy(load):
    settings = load(
        **PRODUCTION,
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_COOKIES="false",
        DJANGO_SECURE_HSTS_SECONDS="0",
        DJANGO_SECURE_PROXY_SSL_HEADER="true",
    )

    assert settings["SECURE_SSL_REDIRECT"] is False
    assert settings["SESSION_COOKIE_SECURE"] is settings["CSRF_COOKIE_SECURE"] is False
    assert settings["SECURE_HSTS_SECONDS"] == 0
    assert settings["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


def test_scheduler_timings_from_the_environment(load):
    settings = load(SCHEDULER_HEARTBEAT_SECONDS="1", SCHEDULER_SHUTDOWN_WAIT="0.5")

    assert settings["SCHEDULER_HEARTBEAT_SECONDS"] == 1
    assert settings["SCHEDULER_SHUTDOWN_WAIT"] == 0.5


@pytest.mark.parametrize("value", ["0", "-1", "soon", "", "nan", "inf"])
def test_a_bad_heartbeat_interval_is_refused(load, value):
    with pytest.raises(ImproperlyConfigured, match=f"SCHEDULER_HEARTBEAT_SECONDS={value!r}"):
        load(SCHEDULER_HEARTBEAT_SECONDS=value)


@pytest.fixture(scope="module")
def step_copy(tmp_path_factory):
    return copy_step(tmp_path_factory.mktemp("environment"))


def test_check_deploy_is_clean_in_production(step_copy):
    env = clean_env(**PRODUCTION, DJANGO_ALLOWED_HOSTS="events.example.com")

    result = manage(step_copy, "check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (1 silenced)." in result.stdout


def test_debug_off_without_a_secret_key_refuses_to_start(step_copy):
    result = manage(step_copy, "check", env=clean_env(DJANGO_DEBUG="false"))

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set, and DJANGO_DEBUG=false needs one" in result.stderr
