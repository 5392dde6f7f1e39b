import os

from django.apps import apps
from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from .crontab import known_time_zones
from .models import SaveEvent

LATEST_ROWS = 20


def index(request: HttpRequest) -> HttpResponse:
    """What the scheduler in this process is doing, and the rows it wrote."""
    scheduler = apps.get_app_config("eventapp").scheduler
    context = {
        "pid": os.getpid(),
        "scheduler_running": scheduler is not None,
        "jobs": scheduler.get_jobs() if scheduler else [],
        "rows": SaveEvent.objects.all()[:LATEST_ROWS],
        "row_count": SaveEvent.objects.count(),
    }
    return render(request, "eventapp/index.html", context)


@staff_member_required
@ensure_csrf_cookie
def jobs_page(request: HttpRequest) -> HttpResponse:
    """Staff manage the jobs here; the page's script talks to the JSON API (api.py)."""
    from .updater.updater import TASKS

    context = {
        "tasks": list(TASKS),
        "time_zones": sorted(known_time_zones()),
        "default_time_zone": settings.TIME_ZONE,
    }
    return render(request, "eventapp/jobs.html", context)
