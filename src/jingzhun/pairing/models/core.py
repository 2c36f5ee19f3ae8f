"""Pairing assistance (issue 6): partnerships between two parties, their annual agreements and the
append-only fund ledger.

Scope: a partnership is visible to a user when *either* side's area lies in the user's scope (the
eastern area for area pairings, the western area always).  Rows of ``FundEntry`` are never updated or
deleted: a mistake is reversed by a correction entry (``corrects``), at most one per entry.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import Q, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jingzhun.areas.models import Level
from jingzhun.core.scoping import VIEW, prefix_q, user_prefixes


class PartnershipKind(models.TextChoices):
    PROVINCE = "province", _("Province pairing")
    PREFECTURE = "prefecture", _("Prefecture pairing")
    COUNTY = "county", _("County pairing (携手奔小康)")
    ENTERPRISE_VILLAGE = "enterprise_village", _("Enterprise-village (万企帮万村)")
    INSTITUTION = "institution", _("Institution pairing (school, hospital)")
    UNIT_VILLAGE = "unit_village", _("Designated unit assistance (定点帮扶)")


AREA_KINDS = {PartnershipKind.PROVINCE, PartnershipKind.PREFECTURE, PartnershipKind.COUNTY}

#: The area levels each kind pairs (rules as data): (eastern levels, western levels); 1 province .. 5 village.
#: An enterprise, institution or unit may name its own area on the eastern side at any level.
KIND_LEVELS: dict[str, tuple[set[int], set[int]]] = {
    PartnershipKind.PROVINCE: ({1}, {1}),
    PartnershipKind.PREFECTURE: ({2}, {2}),
    PartnershipKind.COUNTY: ({3}, {3}),
    PartnershipKind.ENTERPRISE_VILLAGE: ({1, 2, 3, 4, 5}, {5}),
    PartnershipKind.INSTITUTION: ({1, 2, 3, 4, 5}, {2, 3, 4, 5}),
    PartnershipKind.UNIT_VILLAGE: ({1, 2, 3, 4, 5}, {3, 4, 5}),
}


class PartnershipQuerySet(models.QuerySet):
    """``visible_to`` ORs the prefixes over both sides' area codes (a null eastern side never matches)."""

    area_fields = ("east_area__code", "west_area__code")  # the code is the primary key: no join

    def visible_to(self, user, action: str = VIEW):
        prefixes = user_prefixes(user, action)
        if prefixes is None:
            return self
        if not prefixes:
            return self.none()
        return self.filter(prefix_q(prefixes, *self.area_fields))

    def with_side_in(self, prefix: str):
        """The partnerships with either side's area under the area code prefix (no scope: chain ``visible_to``)."""
        return self.filter(prefix_q([prefix], *self.area_fields))

    def active_in(self, year: int):
        """The partnerships whose period overlaps the calendar year."""
        return self.filter(Q(start_date__lte=dt.date(year, 12, 31)), Q(end_date__isnull=True) | Q(end_date__gte=dt.date(year, 1, 1)))


class Partnership(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=PartnershipKind.choices)
    name = models.CharField(_("name"), max_length=200)
    east_area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("eastern area"))
    west_area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("western area"))
    east_party = models.CharField(_("eastern party"), max_length=200, blank=True)  # the enterprise, institution or unit
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent partnership"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        ordering = ["kind", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")), name="partnership_period_ordered"),
        ]

    def __str__(self) -> str:
        return self.name

    def area_codes(self) -> list[str]:
        return [c for c in (self.east_area_id, self.west_area_id) if c]

    def covers(self, date) -> bool:
        return self.start_date <= date and (self.end_date is None or date <= self.end_date)

    def clean(self) -> None:
        errors = {}
        if self.kind in AREA_KINDS and not self.east_area_id:
            errors["east_area"] = gettext("An area pairing needs the eastern area.")
        if self.kind not in AREA_KINDS and not self.east_area_id and not self.east_party.strip():
            errors["east_party"] = gettext("Name the enterprise, institution or unit.")
        if self.end_date and self.end_date < self.start_date:
            errors["end_date"] = gettext("The end date is before the start date.")
        for field, levels in zip(("east_area", "west_area"), KIND_LEVELS.get(self.kind, (set(), set())), strict=True):
            area = getattr(self, field) if getattr(self, f"{field}_id") else None
            if area is not None and area.level not in levels:
                names = [str(Level(v).label).lower() for v in sorted(levels)]
                either = names[-1] if len(names) == 1 else ", ".join(names[:-1]) + gettext(" or ") + names[-1]
                errors.setdefault(field, gettext("%(kind)s: the area on this side must be a %(levels)s.") % {"kind": self.get_kind_display(), "levels": either})
        if self.parent_id:
            parent = self.parent
            if parent.pk == self.pk:
                errors["parent"] = gettext("A partnership cannot be its own parent.")
            else:
                for parent_area, child_area in ((parent.east_area, self.east_area), (parent.west_area, self.west_area)):
                    if parent_area is None:
                        continue
                    if child_area is None or not child_area.code.startswith(parent_area.prefix):
                        errors.setdefault("parent", gettext("The parent partnership's areas must contain this partnership's areas."))
        if errors:
            raise ValidationError(errors)


class Agreement(models.Model):
    """A partnership's annual target for one indicator (e.g. fiscal_funds, cadres_sent, trained, purchases)."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="agreements", verbose_name=_("partnership"))
    year = models.PositiveSmallIntegerField(_("year"))
    indicator = models.CharField(_("indicator"), max_length=32)
    target = models.DecimalField(_("target"), max_digits=16, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["partnership", "year", "indicator"]
        constraints = [models.UniqueConstraint(fields=["partnership", "year", "indicator"], name="uniq_agreement_indicator")]

    def __str__(self) -> str:
        return f"{self.partnership} {self.year} {self.indicator}"


class FundKind(models.TextChoices):
    PLEDGED = "pledged", _("Pledged")
    ALLOCATED = "allocated", _("Allocated")
    DISBURSED = "disbursed", _("Disbursed")
    RETURNED = "returned", _("Returned")


class FundSource(models.TextChoices):
    FISCAL = "fiscal", _("Fiscal assistance")
    DONATION = "donation", _("Social donation")
    ENTERPRISE = "enterprise", _("Enterprise investment")


class AppendOnlyError(Exception):
    """A ledger row was to be updated or deleted: the ledger only grows (write a correction instead)."""


class FundEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(gettext("Fund entries are never changed: record a correction instead."))

    def delete(self):
        raise AppendOnlyError(gettext("Fund entries are never deleted: record a correction instead."))


class FundEntry(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="fund_entries", verbose_name=_("partnership"))
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=FundKind.choices)
    source = models.CharField(_("source"), max_length=10, choices=FundSource.choices)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    project = models.ForeignKey("Project", on_delete=models.PROTECT, null=True, blank=True, related_name="fund_entries", verbose_name=_("project"))
    note = models.TextField(_("note"), blank=True)
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections", verbose_name=_("corrects"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = FundEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("fund entry")
        verbose_name_plural = _("fund entries")
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["corrects"], name="fund_entry_corrected_once"),
            models.CheckConstraint(condition=Q(corrects__isnull=True, amount__gt=0) | Q(corrects__isnull=False, amount__lt=0), name="fund_entry_amount_sign"),
        ]
        indexes = [models.Index(fields=["partnership", "source", "project", "kind"]), models.Index(fields=["partnership", "date"], name="fund_pair_date"),
                   models.Index(fields=["project"], name="fund_project")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} ({self.date})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(gettext("Fund entries are never changed: record a correction instead."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(gettext("Fund entries are never deleted: record a correction instead."))


CENT = Decimal("0.01")


def money_by(qs: models.QuerySet, keys: list[str], field: str = "amount") -> dict[tuple, Decimal]:
    """{key tuple: exact sum of the decimal `field` to the cent} grouped by `keys` (zero for a missing key; no `keys`:
    the single key ()).  PostgreSQL sums numerics exactly; SQLite stores and sums them as binary floats, so there the
    rows (each read back exactly at 16 digits) are added in Python."""
    qs = qs.order_by()
    out: dict[tuple, Decimal] = defaultdict(lambda: Decimal("0.00"))
    if connections[qs.db].vendor == "postgresql":
        rows = qs.values(*keys).annotate(_total=Sum(field)) if keys else [qs.aggregate(_total=Sum(field))]
        for row in rows:
            if row["_total"] is not None:
                out[tuple(row[k] for k in keys)] = row["_total"].quantize(CENT)
    else:
        for row in qs.values_list(*keys, field):
            if row[-1] is not None:
                out[tuple(row[:-1])] += row[-1]
    return out


class ProjectStatus(models.TextChoices):
    LIBRARY = "library", _("In the project library")
    APPROVED = "approved", _("Approved")
    UNDER_CONSTRUCTION = "under_construction", _("Under construction")
    COMPLETED = "completed", _("Completed")
    ACCEPTED = "accepted", _("Accepted")


PROJECT_ORDER = [s.value for s in ProjectStatus]


class Project(models.Model):
    """A pairing project built in a village of the partnership's western area; its status only moves forward."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="projects", verbose_name=_("partnership"))
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=50)
    status = models.CharField(_("status"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.LIBRARY)
    budget = models.DecimalField(_("budget"), max_digits=16, decimal_places=2)
    village = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("village"))
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["partnership", "code"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "code"], name="uniq_project_code"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="project_budget_non_negative"),
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(start_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                                   name="project_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        errors = {}
        if self.village_id and self.partnership_id and not self.village_id.startswith(self.partnership.west_area.prefix):
            errors["village"] = gettext("The project must be built in the partnership's western area.")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = gettext("The end date is before the start date.")
        if errors:
            raise ValidationError(errors)


class OutputKind(models.TextChoices):
    SCHOOL = "school", _("School")
    CLINIC = "clinic", _("Clinic")
    ROAD_KM = "road_km", _("Road (km)")
    WATER_WORKS = "water_works", _("Water works")
    PRODUCTION_BASE = "production_base", _("Production base")
    OTHER = "other", _("Other")


class ProjectOutput(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="outputs", verbose_name=_("project"))
    kind = models.CharField(_("kind"), max_length=20, choices=OutputKind.choices)
    count = models.DecimalField(_("count"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("project output")
        verbose_name_plural = _("project outputs")
        ordering = ["project", "kind", "id"]
        constraints = [models.CheckConstraint(condition=Q(count__gt=0), name="project_output_count_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.count}"


class BenefitType(models.TextChoices):
    INCOME = "income", _("Income")
    EMPLOYMENT = "employment", _("Employment")
    HOUSING = "housing", _("Housing")
    WATER = "water", _("Water")
    EDUCATION = "education", _("Education")
    HEALTH = "health", _("Health")
    OTHER = "other", _("Other")


class Beneficiary(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="beneficiaries", verbose_name=_("project"))
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("household"))
    benefit = models.CharField(_("benefit type"), max_length=12, choices=BenefitType.choices)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("beneficiary")
        verbose_name_plural = _("beneficiaries")
        ordering = ["project", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "household"], name="uniq_project_beneficiary")]

    def __str__(self) -> str:
        return f"{self.project} {self.household_id}"
