from django.contrib import admin

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


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    """Read-only: the scheduler writes these, one per period of each job."""

    list_display = ["job_id", "run_time", "started_by", "doubled_by"]
    list_filter = ["job_id"]
    date_hierarchy = "run_time"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
