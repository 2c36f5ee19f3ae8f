"""Procedure cases (identification, exit, monitoring identification, risk elimination), their steps, notices,
objections, evidence, monitoring records and the departments' alerts.

A case moves only through ``services.case_act`` along its procedure's state table (``workflows.py``); every
move is a ``CaseStep`` row (who, when, comment, step data) written in the same transaction as the case and
the audit row.  ``area`` is the household's village code, denormalised for scoping.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingzhun.core.fields import CodeField
from jingzhun.core.scoping import scoped_queryset
from jingzhun.policy.models import ScopedYearValue


class Procedure(models.TextChoices):
    IDENTIFICATION = "identification", _("Poor household identification")
    EXIT = "exit", _("Household exit")
    MONITORING = "monitoring", _("Monitoring identification")
    ELIMINATION = "elimination", _("Risk elimination")


class MonitoringCategory(models.TextChoices):
    UNSTABLE = "unstable", _("Unstable exited household")
    MARGINAL = "marginal", _("Marginal household at risk")
    HARDSHIP = "hardship", _("Sudden serious hardship")


class ProcedurePeriod(ScopedYearValue):
    """A notice period or a deadline in days, by year and area (the most specific area wins)."""

    procedure = models.CharField(_("procedure"), max_length=16, choices=Procedure.choices)
    name = models.CharField(_("period"), max_length=20)  # "first_notice", "second_notice", "notice", "deadline"
    days = models.PositiveSmallIntegerField(_("days"))

    class Meta(ScopedYearValue.Meta):
        verbose_name = _("procedure period")
        verbose_name_plural = _("procedure periods")
        constraints = [
            models.UniqueConstraint(fields=["year", "area", "procedure", "name"], name="uniq_procedure_period"),
            models.UniqueConstraint(fields=["year", "procedure", "name"], condition=Q(area__isnull=True), name="uniq_procedure_period_national"),
            models.CheckConstraint(condition=Q(days__gte=1), name="procedure_period_positive"),
        ]


class Case(models.Model):
    procedure = models.CharField(_("procedure"), max_length=16, choices=Procedure.choices)
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="cases", verbose_name=_("household"))
    area = models.CharField(_("village"), max_length=12, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    state = models.CharField(_("state"), max_length=24)
    category = models.CharField(_("category"), max_length=10, choices=MonitoringCategory.choices, blank=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)  # codes from the evaluation or the scan
    first_clue = models.DateField(_("first risk clue"), null=True, blank=True)
    due_date = models.DateField(_("due by"), null=True, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, blank=True)  # "completed", "rejected", "withdrawn"
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_queryset("area").as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at", "-id"]
        constraints = [  # one open case per household and procedure: a flag updates it, never a duplicate
            models.UniqueConstraint(fields=["household", "procedure"], condition=Q(closed_at__isnull=True), name="one_open_case_per_procedure"),
        ]
        indexes = [models.Index(fields=["procedure", "state"]), models.Index(fields=["due_date"])]

    def __str__(self) -> str:
        return f"{self.get_procedure_display()} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class CaseStep(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("action"), max_length=24)
    from_state = models.CharField(max_length=24)
    to_state = models.CharField(max_length=24)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    role = models.CharField(_("role"), max_length=16, blank=True)
    at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(default=dict, blank=True)  # e.g. an appraisal's attendance and votes

    class Meta:
        ordering = ["case", "at", "id"]


class Notice(models.Model):
    """A public notice (公示) or announcement (公告) in a village, listing one or more cases."""

    class Kind(models.TextChoices):
        FIRST = "first_notice", _("First notice")
        SECOND = "second_notice", _("Second notice")
        NOTICE = "notice", _("Notice")
        ANNOUNCEMENT = "announcement", _("Announcement")

    procedure = models.CharField(_("procedure"), max_length=16, choices=Procedure.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    area = models.CharField(_("village"), max_length=12, db_index=True)
    start_date = models.DateField(_("start date"))
    days = models.PositiveSmallIntegerField(_("days"))
    cases = models.ManyToManyField(Case, related_name="notices")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_queryset("area").as_manager()

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-start_date", "-id"]

    @property
    def end_date(self):
        """The last day of the period (a notice of 7 days from 1 March runs to 7 March inclusive)."""
        import datetime as dt

        return self.start_date + dt.timedelta(days=self.days - 1)


class Objection(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="objections")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="objections")
    received_on = models.DateField(_("received on"))
    objector = models.CharField(_("objector"), max_length=100, blank=True)  # may stay anonymous
    text = models.TextField(_("objection"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_on", "id"]


class Evidence(models.Model):
    """An attachment of a case (a signed consent, minutes of an appraisal, a photo of the notice)."""

    class Kind(models.TextChoices):
        CONSENT = "consent", _("Signed consent")
        MINUTES = "minutes", _("Minutes of the appraisal")
        NOTICE_PHOTO = "notice_photo", _("Photo of the posted notice")
        DOCUMENT = "document", _("Other document")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    step = models.ForeignKey(CaseStep, on_delete=models.SET_NULL, null=True, blank=True, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]


class MonitoringRecord(models.Model):
    """A household identified as a monitoring target (监测对象), until its risk is eliminated."""

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="monitoring", verbose_name=_("household"))
    area = models.CharField(_("village"), max_length=12, db_index=True)
    category = models.CharField(_("category"), max_length=10, choices=MonitoringCategory.choices)
    identified_on = models.DateField(_("identified on"))
    identification = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    eliminated_on = models.DateField(_("risk eliminated on"), null=True, blank=True)
    elimination = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = scoped_queryset("area").as_manager()

    class Meta:
        verbose_name = _("monitoring target")
        verbose_name_plural = _("monitoring targets")
        constraints = [models.UniqueConstraint(fields=["household"], condition=Q(eliminated_on__isnull=True), name="one_open_monitoring_per_household")]


class DepartmentAlert(models.Model):
    """An alert from another department's data (hospital bills, disasters, unemployment), by identity number."""

    id_number = CodeField(_("identity number"), max_length=18, db_index=True)
    alert_type = models.CharField(_("alert type"), max_length=30)
    alert_date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("department alert")
        verbose_name_plural = _("department alerts")
        constraints = [models.UniqueConstraint(fields=["id_number", "alert_type", "alert_date"], name="one_alert_per_person_type_date")]


class Measure(models.Model):
    """An assistance measure delivered to a household (帮扶措施): what risk elimination requires at least one of."""

    class Category(models.TextChoices):
        INDUSTRY = "industry", _("Industry")
        EMPLOYMENT = "employment", _("Employment")
        EDUCATION = "education", _("Education")
        HEALTH = "health", _("Health")
        HOUSING = "housing", _("Housing")
        SOCIAL = "social", _("Social assistance")
        FINANCE = "finance", _("Small loans")
        OTHER = "other", _("Other")

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="measures", verbose_name=_("household"))
    area = models.CharField(_("village"), max_length=12, db_index=True)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    description = models.CharField(_("description"), max_length=200)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    provider = models.CharField(_("provider"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_queryset("area").as_manager()

    class Meta:
        verbose_name = _("assistance measure")
        verbose_name_plural = _("assistance measures")
        ordering = ["household", "start_date", "id"]
