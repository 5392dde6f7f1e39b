from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_apscheduler.jobstores import DjangoJobStore

from .models import SaveEvent

LATEST_ROWS = 20


def index(request: HttpRequest) -> HttpResponse:
    """The jobs as the scheduler process stored them, and the rows they wrote."""
    context = {
        "jobs": DjangoJobStore().get_all_jobs(),  # read only: this process runs no jobs
        "rows": SaveEvent.objects.all()[:LATEST_ROWS],
        "row_count": SaveEvent.objects.count(),
    }
    return render(request, "eventapp/index.html", context)
