"""make run creates an admin user once, never with a password from the repository."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from support.transcripts import assert_transcript_current


@pytest.fixture
def users(db):
    return get_user_model().objects


def test_creates_admin_with_the_given_password(users, monkeypatch, capsys):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "correct horse battery staple")

    call_command("ensureadmin")

    admin = users.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password("correct horse battery staple")
    assert "correct horse" not in capsys.readouterr().out


def test_generates_and_prints_a_password_once(users, monkeypatch, capsys):
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)

    call_command("ensureadmin")
    first = capsys.readouterr().out
    call_command("ensureadmin")
    second = capsys.readouterr().out

    assert_transcript_current("ensureadmin", first)  # what `make run` prints, in the docs
    password = first.split("password ", 1)[1].split()[0]
    assert len(password) >= 12
    assert users.get(username="admin").check_password(password)
    assert password not in second
    assert users.count() == 1
