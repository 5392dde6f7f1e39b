import os

from django.apps import apps
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import SaveEvent

LATEST_ROWS = 20


def index(request: HttpRequest) -> HttpResponse:
    """What the scheduler in this process is doing, and the rows it wrote."""
    scheduler = apps.get_app_config("eventapp").scheduler
    context = {
        "pid": os.getpid(),
        "scheduler_state": scheduler_state(scheduler),
        "jobs": scheduler.get_jobs() if scheduler else [],
        "rows": SaveEvent.objects.all()[:LATEST_ROWS],
        "row_count": SaveEvent.objects.count(),
    }
    return render(request, "eventapp/index.html", context)


def scheduler_state(scheduler) -> str:
    """'running', 'none' in this process, or 'died': an error the scheduler did not
    expect ended the thread that runs it (the log has the traceback)."""
    if scheduler is None:
        return "none"
    return "running" if scheduler._thread.is_alive() else "died"
