"""Dimension sets are edited here (national staff); snapshots are listed read-only."""

from django.contrib import admin

from .models import DimensionSet, Indicator, Snapshot


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ("code", "dimension_zh", "dimension_en", "weight", "order")


@admin.register(DimensionSet)
class DimensionSetAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "cutoff", "order")
    inlines = [IndicatorInline]


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = ("id", "area", "kind", "as_of", "first_year", "last_year", "persons", "seconds", "created_at")
    list_filter = ("kind",)
    raw_id_fields = ("area",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
