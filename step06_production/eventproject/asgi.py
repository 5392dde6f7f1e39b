"""ASGI entry point, used by servers such as uvicorn or daphne."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eventproject.settings")
# A process that loads this file serves requests, so it runs the scheduler
# (unless SCHEDULER_AUTOSTART says otherwise). See eventapp/apps.py.
os.environ.setdefault("SCHEDULER_AUTOSTART", "true")

application = get_asgi_application()
