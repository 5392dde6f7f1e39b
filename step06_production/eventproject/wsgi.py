"""WSGI entry point, used by runserver and by servers such as gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eventproject.settings")
# A process that loads this file serves requests, so it runs the scheduler
# (unless SCHEDULER_AUTOSTART says otherwise). See eventapp/apps.py.
os.environ.setdefault("SCHEDULER_AUTOSTART", "true")

application = get_wsgi_application()
