"""Policy parameters as data: lines by year with an optional area scope (the most specific area wins)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ScopedYearValue(models.Model):
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("area (blank: national)"))
    source = models.CharField(_("source"), max_length=300)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        abstract = True
        ordering = ["year", models.F("area_id").asc(nulls_first=True)]  # national row first on every database


class PovertyLine(ScopedYearValue):
    amount = models.DecimalField(_("yuan per person per year"), max_digits=10, decimal_places=2)
    price_basis = models.CharField(_("price basis"), max_length=60, blank=True)

    class Meta(ScopedYearValue.Meta):
        verbose_name = _("poverty line")
        verbose_name_plural = _("poverty lines")
        constraints = [
            models.UniqueConstraint(fields=["year", "area"], name="uniq_poverty_line_year_area"),
            models.UniqueConstraint(fields=["year"], condition=Q(area__isnull=True), name="uniq_poverty_line_year_national"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="poverty_line_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.amount}"


class MonitoringLine(ScopedYearValue):
    amount = models.DecimalField(_("yuan per person per year"), max_digits=10, decimal_places=2)

    class Meta(ScopedYearValue.Meta):
        verbose_name = _("monitoring line")
        verbose_name_plural = _("monitoring lines")
        constraints = [
            models.UniqueConstraint(fields=["year", "area"], name="uniq_monitoring_line_year_area"),
            models.UniqueConstraint(fields=["year"], condition=Q(area__isnull=True), name="uniq_monitoring_line_year_national"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="monitoring_line_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.amount}"


class IncomeComponentRule(ScopedYearValue):
    """Whether an income component counts towards net income (some counties exclude some transfers)."""

    component = models.CharField(_("income component"), max_length=20)
    counts = models.BooleanField(_("counts towards income"), default=True)

    class Meta(ScopedYearValue.Meta):
        verbose_name = _("income component rule")
        verbose_name_plural = _("income component rules")
        constraints = [
            models.UniqueConstraint(fields=["year", "area", "component"], name="uniq_income_rule"),
        ]
