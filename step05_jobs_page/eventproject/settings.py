"""Project settings. Values a deployment changes come from the environment."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

TRUE_WORDS = {"true", "1", "on", "yes"}
FALSE_WORDS = {"false", "0", "off", "no"}


def env_flag(name: str, default: bool | None) -> bool | None:
    """Read a yes/no environment variable; refuse anything we would have to guess."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a valid value. Use one of: true/false, 1/0, on/off, yes/no."
    )


# Development defaults: set DJANGO_SECRET_KEY and DJANGO_DEBUG=false in production.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "django-insecure-tutorial-only-not-a-secret")
DEBUG = env_flag("DJANGO_DEBUG", default=True)
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

# None: run the scheduler only in the process that serves requests (eventapp/apps.py).
SCHEDULER_AUTOSTART = env_flag("SCHEDULER_AUTOSTART", default=None)

INSTALLED_APPS = [
    "eventapp.apps.EventappConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_apscheduler",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "eventproject.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "eventproject.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
        # The scheduler writes while requests do. IMMEDIATE takes the write lock as a
        # transaction begins, so a writer waits for another (up to `timeout` seconds)
        # instead of failing with "database is locked" half-way; WAL lets reads go on.
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# A zone with daylight saving time: cron jobs run at local times (05:20 stays 05:20
# in summer and winter). Stored date-times stay UTC (USE_TZ).
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The shortest interval between two runs that the jobs page accepts.
SCHEDULER_MIN_INTERVAL_SECONDS = 60

# The JSON API answers a failed CSRF check with JSON (eventapp/api.py).
CSRF_FAILURE_VIEW = "eventapp.api.csrf_failure"

# Show what the scheduler does in the runserver console.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "loggers": {
        "apscheduler": {"handlers": ["console"], "level": "INFO"},
        "eventapp": {"handlers": ["console"], "level": "INFO"},
    },
}
