"""Django admin for pairing assistance (issue 6): every pairing model, for superusers' inspection and repair.

The admin is not the way records are kept (the web pages, the API and imports go through the audited services), with
two deliberate exceptions: assessment templates and their indicators (weights, targets, bands) are edited here,
because the official weights were never published; and fund entries are read-only (the ledger is append-only:
no change, no delete; corrections are recorded through the services).
"""

from __future__ import annotations

from django.contrib import admin

from .models import (
    Agreement,
    AssessmentIndicator,
    AssessmentInput,
    AssessmentScore,
    AssessmentTemplate,
    Beneficiary,
    Claim,
    EnterpriseInvestment,
    FundEntry,
    LabourTransfer,
    Partnership,
    PlacedWorker,
    Project,
    ProjectOutput,
    Purchase,
    Secondment,
    Trainee,
    TrainingSession,
    VocationalStudent,
)


class AgreementInline(admin.TabularInline):
    model = Agreement
    extra = 0


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "east_area", "east_party", "west_area", "start_date", "end_date", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "east_party", "east_area__name", "west_area__name", "east_area__code", "west_area__code")
    raw_id_fields = ("east_area", "west_area", "parent")
    date_hierarchy = "start_date"
    inlines = [AgreementInline]


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ("partnership", "year", "indicator", "target", "unit")
    list_filter = ("year", "indicator")
    search_fields = ("partnership__name", "indicator")
    raw_id_fields = ("partnership",)


@admin.register(FundEntry)
class FundEntryAdmin(admin.ModelAdmin):
    """Read-only: the fund ledger is append-only (record and correct entries through the services)."""

    list_display = ("date", "partnership", "kind", "source", "amount", "project", "corrects", "recorded_by", "recorded_at")
    list_filter = ("kind", "source")
    search_fields = ("partnership__name", "project__code", "project__name", "note")
    date_hierarchy = "date"
    list_select_related = ("partnership", "project", "corrects", "recorded_by")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProjectOutputInline(admin.TabularInline):
    model = ProjectOutput
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "partnership", "status", "budget", "village", "start_date", "end_date")
    list_filter = ("status",)
    search_fields = ("code", "name", "partnership__name", "village__name", "village__code")
    raw_id_fields = ("partnership", "village")
    inlines = [ProjectOutputInline]


@admin.register(ProjectOutput)
class ProjectOutputAdmin(admin.ModelAdmin):
    list_display = ("project", "kind", "count")
    list_filter = ("kind",)
    search_fields = ("project__code", "project__name")
    raw_id_fields = ("project",)


@admin.register(Beneficiary)
class BeneficiaryAdmin(admin.ModelAdmin):
    list_display = ("project", "household", "benefit", "amount")
    list_filter = ("benefit",)
    search_fields = ("project__code", "project__name", "household__number")
    raw_id_fields = ("project", "household")


class LedgerAdmin(admin.ModelAdmin):
    list_filter = ("date",)
    date_hierarchy = "date"
    raw_id_fields = ("partnership",)
    readonly_fields = ("recorded_by", "recorded_at")
    list_select_related = ("partnership",)


@admin.register(Secondment)
class SecondmentAdmin(LedgerAdmin):
    list_display = ("person_name", "partnership", "kind", "specialty", "direction", "home_unit", "post", "date", "end_date")
    list_filter = ("kind", "specialty", "direction", "date")
    search_fields = ("person_name", "home_unit", "post", "partnership__name")


class TraineeInline(admin.TabularInline):
    model = Trainee
    extra = 0
    raw_id_fields = ("person",)


@admin.register(TrainingSession)
class TrainingSessionAdmin(LedgerAdmin):
    list_display = ("title", "partnership", "kind", "trainees", "organiser", "location", "date", "end_date")
    list_filter = ("kind", "date")
    search_fields = ("title", "organiser", "location", "partnership__name")
    inlines = [TraineeInline]


@admin.register(Trainee)
class TraineeAdmin(admin.ModelAdmin):
    list_display = ("session", "person", "registered")
    list_filter = ("registered",)
    search_fields = ("session__title", "person__name")
    raw_id_fields = ("session", "person")


class PlacedWorkerInline(admin.TabularInline):
    model = PlacedWorker
    extra = 0
    raw_id_fields = ("person",)


@admin.register(LabourTransfer)
class LabourTransferAdmin(LedgerAdmin):
    list_display = ("employer", "partnership", "workers", "destination", "destination_area", "transport", "date")
    list_filter = ("transport", "date")
    search_fields = ("employer", "employer_uscc", "destination", "partnership__name")
    raw_id_fields = ("partnership", "destination_area")
    inlines = [PlacedWorkerInline]


@admin.register(PlacedWorker)
class PlacedWorkerAdmin(admin.ModelAdmin):
    list_display = ("transfer", "person", "registered")
    list_filter = ("registered",)
    search_fields = ("transfer__employer", "person__name")
    raw_id_fields = ("transfer", "person")


@admin.register(VocationalStudent)
class VocationalStudentAdmin(LedgerAdmin):
    list_display = ("name", "partnership", "school", "major", "date", "end_date", "employed", "registered")
    list_filter = ("employed", "registered", "date")
    search_fields = ("name", "school", "major", "partnership__name")
    raw_id_fields = ("partnership", "person")


@admin.register(EnterpriseInvestment)
class EnterpriseInvestmentAdmin(LedgerAdmin):
    list_display = ("enterprise", "uscc", "partnership", "area", "sector", "amount", "jobs", "poor_employed", "date")
    list_filter = ("sector", "date")
    search_fields = ("enterprise", "uscc", "sector", "partnership__name")
    raw_id_fields = ("partnership", "area")


@admin.register(Purchase)
class PurchaseAdmin(LedgerAdmin):
    list_display = ("product", "buyer", "partnership", "channel", "amount", "buyer_area", "product_code", "date")
    list_filter = ("channel", "date")
    search_fields = ("product", "product_code", "buyer", "partnership__name")
    raw_id_fields = ("partnership", "buyer_area")


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ("title", "source", "published_on", "partnership", "area", "start", "end", "created_by", "created_at")
    list_filter = ("published_on",)
    search_fields = ("title", "source", "partnership__name", "area__name")
    raw_id_fields = ("partnership", "area")
    readonly_fields = ("created_by", "created_at")


class AssessmentIndicatorInline(admin.TabularInline):
    """The indicators of a template, weights and targets editable in place."""

    model = AssessmentIndicator
    extra = 0
    fields = ("position", "part", "code", "label_en", "label_zh", "weight", "indicator", "target_source", "target")
    ordering = ("position", "code")


@admin.register(AssessmentTemplate)
class AssessmentTemplateAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_zh", "year_from", "year_to")
    search_fields = ("code", "name_en", "name_zh")
    inlines = [AssessmentIndicatorInline]


@admin.register(AssessmentIndicator)
class AssessmentIndicatorAdmin(admin.ModelAdmin):
    list_display = ("template", "position", "code", "label_en", "label_zh", "weight", "indicator", "target_source", "target")
    list_filter = ("template", "target_source")
    search_fields = ("code", "label_en", "label_zh", "indicator")


@admin.register(AssessmentInput)
class AssessmentInputAdmin(admin.ModelAdmin):
    list_display = ("partnership", "year", "indicator", "score")
    list_filter = ("year",)
    search_fields = ("partnership__name", "indicator__code", "note")
    raw_id_fields = ("partnership", "indicator")


@admin.register(AssessmentScore)
class AssessmentScoreAdmin(admin.ModelAdmin):
    list_display = ("partnership", "year", "template", "total", "grade", "computed_by", "computed_at")
    list_filter = ("year", "grade", "template")
    search_fields = ("partnership__name",)
    raw_id_fields = ("partnership",)
    readonly_fields = ("detail", "computed_by", "computed_at")
