"""Project settings. Values a deployment changes come from the environment."""

import math
import os
from pathlib import Path

import dj_database_url
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


def env_list(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated list, such as DJANGO_ALLOWED_HOSTS=example.com,www.example.com."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured(f"{name}={raw!r} is empty. Give a comma-separated list.")
    return items


def env_number(name: str, default: float, *, minimum: float) -> float:
    """Read a number of seconds (or a count); refuse what is not a number or too small."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= minimum):
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a valid value. Use a number, at least {minimum:g}."
        )
    return value


# --8<-- [start:secrets]
# Development defaults. In production set DJANGO_DEBUG=false, and then DJANGO_SECRET_KEY
# is required: a key everyone can read in this repository signs nobody's sessions.
DEBUG = env_flag("DJANGO_DEBUG", default=True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set, and DJANGO_DEBUG=false needs one. Generate one with: "
            "python -c 'from django.core.management.utils import get_random_secret_key; "
            "print(get_random_secret_key())'"
        )
    SECRET_KEY = "django-insecure-tutorial-only-not-a-secret"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
# --8<-- [end:secrets]

INSTALLED_APPS = [
    "eventapp.apps.EventappConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",  # runserver serves static files the way gunicorn does
    "django.contrib.staticfiles",
    "django_celery_beat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, from gunicorn too
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

# --8<-- [start:database]
# DATABASE_URL, e.g. postgres://USER:PASSWORD@HOST:5432/NAME (psycopg 3); SQLite by default.
try:
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
            conn_health_checks=True,
        )
    }
except ValueError as error:  # not echoed: the URL may hold a password
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {error}") from None

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Workers and beat write while requests do. IMMEDIATE takes the write lock as a
    # transaction begins, so a writer waits for another (up to `timeout` seconds)
    # instead of failing with "database is locked" half-way; WAL lets reads go on.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# --8<-- [end:database]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# A zone with daylight saving time: crontab schedules run at local times (05:20 stays
# 05:20 in summer and winter). Stored date-times stay UTC (USE_TZ).
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# --8<-- [start:static]
# `manage.py collectstatic` gathers the files here; WhiteNoise serves them with
# hashed names and long cache times. Hashed names need collectstatic first, so
# development (and the tests) keep Django's plain storage.
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# --8<-- [end:static]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --8<-- [start:https]
# With DEBUG off the site is served over HTTPS only (what `check --deploy` asks for).
# Each can be turned off from the environment, e.g. to try DEBUG off over plain HTTP.
SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_flag("DJANGO_SECURE_COOKIES", default=not DEBUG)
SECURE_HSTS_SECONDS = int(env_number("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 3600, minimum=0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Behind a proxy that ends HTTPS (nginx, a load balancer) and sets X-Forwarded-Proto.
# Only there: a client that reaches gunicorn directly could set the header itself.
if env_flag("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Asking browsers to preload HSTS is a separate decision, hard to undo (hstspreload.org).
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# --8<-- [end:https]

# Show what the tasks and beat do in the console of each process. Celery puts its own
# handler on the root logger in a worker and in beat: propagate=False keeps a line from
# being printed twice there.
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
        "eventapp": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --8<-- [start:celery]
# Celery reads every CELERY_* setting here (eventproject/celery.py), so `celery -A
# eventproject worker` and `celery -A eventproject beat` need no other flags.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_TIMEZONE = TIME_ZONE  # crontab schedules without a zone of their own count in it
CELERY_TASK_IGNORE_RESULT = True  # no result backend: the tasks write what they do
CELERY_RESULT_EXPIRES = None  # and so no celery.backend_cleanup task to schedule

# At-least-once delivery: a worker acknowledges a task when it has run, not when it takes
# it, and takes one at a time. A task whose worker dies before that is delivered again:
# at once if only the pool process died (reject_on_worker_lost); if the whole worker
# died, once it has been unacknowledged for visibility_timeout seconds. So the tasks
# are idempotent (eventapp/tasks.py), and no task may run longer than visibility_timeout.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,  # seconds: an hour, Redis's default, said out loud
    # Every 10 s a worker looks for tasks past their visibility timeout (kombu's default
    # looks only on every 10th of these passes, so once in about 100 s).
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}

# Beat: the schedules are rows in the database (django-celery-beat), edited in the admin.
# Only the beat process that holds a lock in Redis sends tasks (eventapp/beat.py).
CELERY_BEAT_SCHEDULER = "eventapp.beat:LeaderScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 1  # seconds: beat looks at the schedule and the lock this often
CELERY_BEAT_SYNC_EVERY = 1  # write last_run_at after every task sent, for a standby to read
# --8<-- [end:celery]
