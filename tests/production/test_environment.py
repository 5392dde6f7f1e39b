"""Settings from the environment: what a deployment sets, what it gets, and what is
refused with a message that names the variable."""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

A_SECRET_KEY = "tests-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"
PRODUCTION = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": A_SECRET_KEY}


def test_development_defaults(load):
    settings = load()

    assert settings["DEBUG"] is True
    assert settings["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]
    database = settings["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == Path("db.sqlite3").resolve()  # in the step's folder
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert database["OPTIONS"]["timeout"] == 20
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]
    assert settings["SECURE_SSL_REDIRECT"] is False
    assert "STORAGES" not in settings  # Django's own: no collectstatic needed


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


def test_an_empty_database_url_is_the_default(load):
    database = load(DATABASE_URL="")["DATABASES"]["default"]

    assert database["ENGINE"] == "django.db.backends.sqlite3"


def test_a_bad_database_url_is_refused_without_echoing_it(load):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL is not a database URL") as error:
        load(DATABASE_URL="postgress://scheduler:hunter2@db/events")
    assert "hunter2" not in str(error.value)


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
