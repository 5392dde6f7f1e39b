from django.urls import path

from . import api, views

urlpatterns = [
    path("", views.index, name="index"),
    path("jobs/", views.jobs_page, name="jobs"),
    path("api/jobs/", api.jobs, name="api-jobs"),
    path("api/jobs/<str:job_id>/", api.job, name="api-job"),
    path("api/jobs/<str:job_id>/pause", api.pause, name="api-job-pause"),
    path("api/jobs/<str:job_id>/resume", api.resume, name="api-job-resume"),
    path("api/jobs/<str:job_id>/run", api.run, name="api-job-run"),
    path("api/cron/preview", api.cron_preview, name="api-cron-preview"),
]
