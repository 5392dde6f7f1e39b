"""The Celery app, as Celery's "First steps with Django" lays it out: `celery -A eventproject`."""

import os

from celery import Celery

# --8<-- [start:app]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eventproject.settings")

app = Celery("eventproject", task_cls="eventapp.pings:PingedTask")  # each run pings
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()  # eventapp/tasks.py, and tasks.py of every other installed app
# --8<-- [end:app]
