"""ASGI entry point, used by servers such as uvicorn or daphne."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eventproject.settings")

application = get_asgi_application()
