from django.core.management.base import BaseCommand, CommandError

from eventapp.status import scheduler_status


class Command(BaseCommand):
    help = "Say whether the scheduler runs and the jobs' last runs succeeded; exit 1 if not."

    def handle(self, *args, **options) -> None:
        healthy, message = scheduler_status()
        if not healthy:
            raise CommandError(message, returncode=1)
        self.stdout.write(message)
