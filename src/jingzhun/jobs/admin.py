from django.contrib import admin

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "area", "status", "progress", "total", "created_at")
    list_filter = ("status", "kind")
    raw_id_fields = ("area",)
