from django.apps import AppConfig


class EventappConfig(AppConfig):
    # No scheduler starts here: Celery beat and workers are processes of their own.
    default_auto_field = "django.db.models.BigAutoField"
    name = "eventapp"
