from django.contrib import admin

from .models import SaveEvent


@admin.register(SaveEvent)
class SaveEventAdmin(admin.ModelAdmin):
    list_display = ["id", "saved", "created_at"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
