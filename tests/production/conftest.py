"""The step's settings module, loaded as a process with given environment variables
would load it (steps 6 and 7)."""

import runpy
from pathlib import Path

import pytest

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
