"""Project settings. Values a deployment changes come from the environment."""

import math
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
STATIC_ROOT = BASE_DIR / "staticfiles"  # `collectstatic` gathers the files here for a server
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
