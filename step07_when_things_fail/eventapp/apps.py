from django.apps import AppConfig


class EventappConfig(AppConfig):
    # The scheduler no longer starts here: `manage.py runapscheduler` runs it.
    default_auto_field = "django.db.models.BigAutoField"
    name = "eventapp"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
