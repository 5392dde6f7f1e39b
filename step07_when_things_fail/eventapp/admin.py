from django.contrib import admin
from django_apscheduler.admin import DjangoJobAdmin
from django_apscheduler.models import DjangoJob

from .models import Campaign, JobRun, SaveEvent


@admin.register(SaveEvent)
class SaveEventAdmin(admin.ModelAdmin):
    list_display = ["id", "saved", "created_at"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "ends_at", "status", "closed_at"]
    list_filter = ["status"]
    search_fields = ["name"]
    date_hierarchy = "ends_at"


admin.site.register(JobRun, list_display=["job_id", "run_time", "started_by", "doubled_by"])
admin.site.unregister(DjangoJob)


@admin.register(DjangoJob)
class JobAdmin(DjangoJobAdmin):
    actions = []  # not "Run the selected django jobs": it runs them in the web, outside the lease
