from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_celery_beat.models import PeriodicTask

from .models import SaveEvent

LATEST_ROWS = 20


def index(request: HttpRequest) -> HttpResponse:
    """The periodic tasks beat sends, when each last ran, and the rows they wrote."""
    periodic_tasks = PeriodicTask.objects.select_related(
        "interval", "crontab", "clocked", "solar"
    ).order_by("name")
    context = {
        "periodic_tasks": periodic_tasks,
        "rows": SaveEvent.objects.all()[:LATEST_ROWS],
        "row_count": SaveEvent.objects.count(),
    }
    return render(request, "eventapp/index.html", context)
