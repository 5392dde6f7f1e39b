import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from eventapp.beat import LOCK_NAME

NO_BEAT = "No scheduler is running: no beat holds the lock. Start `celery -A eventproject beat`."


class Command(BaseCommand):
    help = "Say which beat leads (its lock is extended every tick); exit 1 if none does."

    def handle(self, *args, **options) -> None:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=5)
        try:
            holder = client.get(LOCK_NAME)  # the leader; expires 5 s after its last tick
        except redis.exceptions.RedisError as error:
            raise CommandError(f"No scheduler is running: Redis: {error}", returncode=1) from None
        if holder is None:
            raise CommandError(NO_BEAT, returncode=1)
        self.stdout.write(f"Scheduler running in {holder.decode()}, the beat that leads.")
