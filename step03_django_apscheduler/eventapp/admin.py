from django.contrib import admin

from .models import JobRun, SaveEvent


@admin.register(SaveEvent)
class SaveEventAdmin(admin.ModelAdmin):
    list_display = ["id", "saved", "created_at"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]


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
