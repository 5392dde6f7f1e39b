"""The project's schedules, as rows that beat reads and staff change in the admin.

A migration runs once: a later `migrate` leaves the rows as staff left them.
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

TASKS = ["create_save", "close_finished_campaigns", "delete_old_saves"]


# --8<-- [start:schedules]
def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")

    def crontab(minute, hour, day_of_week="*"):
        # A crontab counts in its own time zone: 05:20 in Berlin, winter and summer.
        schedule, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week=day_of_week,
            day_of_month="*",
            month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        return schedule

    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    schedules = {
        "create_save": {"interval": every_minute},
        "close_finished_campaigns": {"crontab": crontab("20", "5")},
        "delete_old_saves": {"crontab": crontab("0", "0", day_of_week="1")},  # Mondays
    }
    for name, schedule in schedules.items():
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": f"eventapp.tasks.{name}", **schedule}
        )
    # Tell a beat that is already running to read the schedule again.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


# --8<-- [end:schedules]


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=TASKS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("eventapp", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
