from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import SaveEvent
from .updater import updater

LATEST_ROWS = 20


def index(request: HttpRequest) -> HttpResponse:
    """The scheduler in this process, its job, and the rows it wrote."""
    scheduler = updater.scheduler
    running = scheduler is not None and scheduler.running
    context = {
        "scheduler_running": running,
        "jobs": scheduler.get_jobs() if running else [],
        "rows": SaveEvent.objects.all()[:LATEST_ROWS],
        "row_count": SaveEvent.objects.count(),
    }
    return render(request, "eventapp/index.html", context)
