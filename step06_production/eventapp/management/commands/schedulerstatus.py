"""Is a scheduler running? For systemd, a container health check or a monitoring system."""

from django.core.management.base import BaseCommand, CommandError

from eventapp.heartbeat import scheduler_status


# --8<-- [start:command]
class Command(BaseCommand):
    help = (
        "Say which process runs the scheduled jobs, from its heartbeat. Exits with 1 when "
        "the heartbeat is stale or missing, or the scheduler has stopped."
    )

    def handle(self, *args, **options) -> None:
        status = scheduler_status()
        if not status.healthy:
            raise CommandError(status.message, returncode=1)
        self.stdout.write(status.message)


# --8<-- [end:command]
