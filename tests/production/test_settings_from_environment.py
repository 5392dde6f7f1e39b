"""Settings from the environment: yes/no words, lists and numbers, each refused with its
name when it is wrong. Production mode comes from them: `check --deploy` is clean with
it, and a setting production cannot do without stops start-up with a message."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from support.processes import clean_env, manage

from eventproject.settings import env_flag, env_list, env_number

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "a-long-random-production-key-9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a",
    "DJANGO_ALLOWED_HOSTS": "example.com,www.example.com",
}


def test_check_deploy_is_clean_in_production_mode(staff_step_copy):
    result = manage(staff_step_copy, "check", "--deploy", env=clean_env(**PRODUCTION))

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_development_defaults_are_what_check_deploy_warns_about(staff_step_copy):
    result = manage(staff_step_copy, "check", "--deploy", env=clean_env())

    assert "security.W018" in result.stderr  # DEBUG on: fine for runserver, not production


def test_debug_off_without_a_secret_key_stops_start_up(staff_step_copy):
    env = clean_env(**{**PRODUCTION, "DJANGO_SECRET_KEY": ""})

    result = manage(staff_step_copy, "check", env=env)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set, and DJANGO_DEBUG=false needs one" in result.stderr


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("example.com", ["example.com"]), (" a.com , b.com ,", ["a.com", "b.com"])],
)
def test_a_list_from_the_environment(monkeypatch, raw, expected):
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", raw)
    assert env_list("DJANGO_ALLOWED_HOSTS", default=[]) == expected


def test_an_empty_list_is_refused_with_its_name(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", " , ")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_ALLOWED_HOSTS=' , ' is empty"):
        env_list("DJANGO_ALLOWED_HOSTS", default=[])


@pytest.mark.parametrize("raw", ["soon", "-1", "nan", ""])
def test_a_bad_number_is_refused_with_its_name(monkeypatch, raw):
    monkeypatch.setenv("DJANGO_SECURE_HSTS_SECONDS", raw)
    with pytest.raises(ImproperlyConfigured, match=r"DJANGO_SECURE_HSTS_SECONDS=.* at least 0"):
        env_number("DJANGO_SECURE_HSTS_SECONDS", 3600, minimum=0)


def test_numbers_and_their_default(monkeypatch):
    monkeypatch.delenv("DJANGO_SECURE_HSTS_SECONDS", raising=False)
    assert env_number("DJANGO_SECURE_HSTS_SECONDS", 3600, minimum=0) == 3600
    monkeypatch.setenv("DJANGO_SECURE_HSTS_SECONDS", "60")
    assert env_number("DJANGO_SECURE_HSTS_SECONDS", 3600, minimum=0) == 60


TRUE = ["true", "1", "on", "yes", "TRUE", "Yes", " on "]
FALSE = ["false", "0", "off", "no", "FALSE", "No", "Off"]
BAD = ["", "2", "maybe", "enabled", "y", "t", "nope"]


@pytest.mark.parametrize("word", TRUE)
def test_true_words(monkeypatch, word):
    monkeypatch.setenv("DJANGO_SECURE_COOKIES", word)
    assert env_flag("DJANGO_SECURE_COOKIES", default=None) is True


@pytest.mark.parametrize("word", FALSE)
def test_false_words(monkeypatch, word):
    monkeypatch.setenv("DJANGO_SECURE_COOKIES", word)
    assert env_flag("DJANGO_SECURE_COOKIES", default=None) is False


def test_unset_gives_the_default(monkeypatch):
    monkeypatch.delenv("DJANGO_SECURE_COOKIES", raising=False)
    assert env_flag("DJANGO_SECURE_COOKIES", default=None) is None


@pytest.mark.parametrize("word", BAD)
def test_anything_else_is_refused_with_the_name_and_the_choices(monkeypatch, word):
    monkeypatch.setenv("DJANGO_SECURE_COOKIES", word)
    with pytest.raises(ImproperlyConfigured) as error:
        env_flag("DJANGO_SECURE_COOKIES", default=None)
    assert f"DJANGO_SECURE_COOKIES={word!r}" in str(error.value)
    assert "true/false, 1/0, on/off, yes/no" in str(error.value)


def test_debug_off_needs_a_secret_key(load):
    with pytest.raises(ImproperlyConfigured) as error:
        load(DJANGO_DEBUG="false")

    assert "DJANGO_SECRET_KEY is not set, and DJANGO_DEBUG=false needs one" in str(error.value)
    assert "get_random_secret_key" in str(error.value)


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
