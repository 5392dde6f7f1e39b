"""Django settings for eventproject: what `startproject` wrote, plus the app and a log.

See https://docs.djangoproject.com/en/5.2/ref/settings/
"""

import contextlib
import math
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

# Build paths inside the project like this: BASE_DIR / 'subdir'.
BASE_DIR = Path(__file__).resolve().parent.parent


# --8<-- [start:parsers]
def env_flag(name: str, default: bool) -> bool:
    """Read a yes/no environment variable; refuse anything we would have to guess."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in {"true", "1", "on", "yes", "false", "0", "off", "no"}:
        return raw.strip().lower() in {"true", "1", "on", "yes"}
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a valid value. Use one of: true/false, 1/0, on/off, yes/no."
    )


def env_list(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated list, such as DJANGO_ALLOWED_HOSTS=example.com,www.example.com."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    if items := [item.strip() for item in raw.split(",") if item.strip()]:
        return items
    raise ImproperlyConfigured(f"{name}={raw!r} is empty. Give a comma-separated list.")


def env_number(name: str, default: float, *, minimum: float) -> float:
    """Read a number (of seconds, say); refuse what is not one, or is too small."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    with contextlib.suppress(ValueError):
        if math.isfinite(value := float(raw)) and value >= minimum:
            return value
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a valid value. Use a number, at least {minimum:g}."
    )


# --8<-- [end:parsers]


# Quick-start development settings - unsuitable for production
# See https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/

# --8<-- [start:secrets]
# SECURITY WARNING: keep the secret key used in production secret!
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "django-insecure-tutorial-only-not-a-secret"

# SECURITY WARNING: don't run with debug turned on in production!
DEBUG = env_flag("DJANGO_DEBUG", default=True)
if not DEBUG and not os.environ.get("DJANGO_SECRET_KEY"):  # the key above is public
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set, and DJANGO_DEBUG=false needs one. Generate one with: "
        "python -c 'from django.core.management.utils import get_random_secret_key; "
        "print(get_random_secret_key())'"
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
# --8<-- [end:secrets]


# Application definition

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",  # runserver serves static files as gunicorn does
    "django.contrib.staticfiles",
    "django_celery_beat",  # the schedules, in the database and the admin
    "eventapp",
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


# Database
# https://docs.djangoproject.com/en/5.2/ref/settings/#databases

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
        # The scheduler process and the web both write. IMMEDIATE makes a writer wait for
        # the lock (up to `timeout` s) instead of failing half-way; WAL lets reads go on.
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
}
# --8<-- [start:database]
# Or DATABASE_URL, such as postgres://USER:PASSWORD@HOST:5432/NAME (psycopg 3).
if os.environ.get("DATABASE_URL"):
    try:
        DATABASES["default"] = dj_database_url.parse(
            os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True
        )
    except ValueError as error:  # not echoed: the URL may hold a password
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {error}") from None
# --8<-- [end:database]


# Password validation
# https://docs.djangoproject.com/en/5.2/ref/settings/#auth-password-validators

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
    },
    {
        "NAME": "django.contrib.auth.password_validation.CommonPasswordValidator",
    },
    {
        "NAME": "django.contrib.auth.password_validation.NumericPasswordValidator",
    },
]


# Internationalization
# https://docs.djangoproject.com/en/5.2/topics/i18n/

LANGUAGE_CODE = "en-us"

TIME_ZONE = "Europe/Berlin"  # with DST: cron jobs keep local times; the database, UTC

USE_I18N = True

USE_TZ = True


# Static files (CSS, JavaScript, Images)
# https://docs.djangoproject.com/en/5.2/howto/static-files/

STATIC_URL = "static/"
# --8<-- [start:static]
# `manage.py collectstatic` gathers the files here, and WhiteNoise serves them. With DEBUG
# off, under hashed names with long cache times (which need collectstatic first).
STATIC_ROOT = BASE_DIR / "staticfiles"
if not DEBUG:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
# --8<-- [end:static]

# Default primary key field type
# https://docs.djangoproject.com/en/5.2/ref/settings/#default-auto-field

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --8<-- [start:https]
# With DEBUG off, HTTPS only (as `check --deploy` asks); each can be turned off for a try.
SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_flag("DJANGO_SECURE_COOKIES", default=not DEBUG)
SECURE_HSTS_SECONDS = int(env_number("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 3600, minimum=0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Only behind a proxy that ends HTTPS and sets X-Forwarded-Proto: a client that reaches
# gunicorn directly could set the header itself.
if env_flag("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = ["security.W021"]  # HSTS preload: a decision of its own, hard to undo
# --8<-- [end:https]

# --8<-- [start:celery]
# Celery reads every CELERY_* setting here (eventproject/celery.py): `celery` needs no flags.
# A Redis that keeps each task on disk before it answers (redis.conf): none lost to a restart.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_TIMEZONE = TIME_ZONE  # crontab schedules without a zone of their own count in it
CELERY_TASK_IGNORE_RESULT = True  # no result backend: the tasks write what they do
CELERY_RESULT_EXPIRES = None  # and so no celery.backend_cleanup task to schedule

# At least once: a worker acknowledges a task once it has run, and takes one at a time. If
# it dies first the task comes back: at once if only its pool process died, else after
# visibility_timeout. So the tasks are idempotent, and none may run longer than that.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,  # seconds: an hour, Redis's default, said out loud
    # Every 10 s a worker looks for tasks past it (kombu's default: once in about 100 s).
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}

# Beat: the schedules are rows (the admin edits them); the beat holding a Redis lock sends.
CELERY_BEAT_SCHEDULER = "eventapp.beat:LeaderScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 1  # seconds: beat looks at the schedule and the lock this often
CELERY_BEAT_SYNC_EVERY = 1  # write last_run_at after every task sent, for a standby to read
HEALTHCHECKS_PING_URL = os.environ.get("HEALTHCHECKS_PING_URL", "").rstrip("/")  # "": no pings
if HEALTHCHECKS_PING_URL and not HEALTHCHECKS_PING_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("HEALTHCHECKS_PING_URL must start with http:// or https://.")
# --8<-- [end:celery]

# Show what the tasks do in the console (Celery logs its own lines).
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
