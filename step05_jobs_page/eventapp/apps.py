from django.apps import AppConfig


class EventappConfig(AppConfig):
    # The scheduler no longer starts here: `manage.py runapscheduler` runs it.
    default_auto_field = "django.db.models.BigAutoField"
    name = "eventapp"
