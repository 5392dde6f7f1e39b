from django.urls import path, re_path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("jobs/", views.jobs, name="jobs"),
    path("api/jobs/", views.jobs),  # the API: the page's views, answering in JSON
]
for view in (views.change, views.pause, views.resume, views.run, views.remove):
    urlpatterns.append(path(f"jobs/<str:job_id>/{view.__name__}", view, name=view.__name__))
    urlpatterns.append(path(f"api/jobs/<str:job_id>/{view.__name__}", view))
urlpatterns.append(re_path(r"^api/", views.api_not_found))  # JSON, never a redirect
