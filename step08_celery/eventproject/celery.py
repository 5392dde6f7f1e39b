"""The Celery app, as Celery's "First steps with Django" lays it out.

`celery -A eventproject worker` and `celery -A eventproject beat`, run from this folder,
find it here (eventproject/__init__.py imports it), and read its settings from the
CELERY_* names in eventproject/settings.py.
"""

import os

from celery import Celery

# --8<-- [start:app]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eventproject.settings")

app = Celery("eventproject")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()  # eventapp/tasks.py, and tasks.py of every other installed app
# --8<-- [end:app]
