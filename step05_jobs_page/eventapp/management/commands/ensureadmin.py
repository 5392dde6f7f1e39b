import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the superuser 'admin' unless a superuser exists (make run calls this)."

    def handle(self, *args, **options) -> None:
        users = get_user_model().objects
        if users.filter(is_superuser=True).exists():
            self.stdout.write("A superuser already exists; nothing to do.")
            return
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if password:
            users.create_superuser("admin", "", password)
            self.stdout.write("Created superuser 'admin' with DJANGO_SUPERUSER_PASSWORD.")
            return
        password = secrets.token_urlsafe(12)
        users.create_superuser("admin", "", password)
        self.stdout.write(
            self.style.WARNING(
                f"Created superuser 'admin' with password {password}\n"
                "It is shown only this once: note it down, or change it with "
                "'python manage.py changepassword admin'."
            )
        )
