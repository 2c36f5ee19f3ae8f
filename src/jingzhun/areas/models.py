"""The area tree: province > prefecture > county > township > village, 12-digit codes."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhun.core.scoping import SIGNIFICANT_DIGITS, scoped_queryset


class Level(models.IntegerChoices):
    PROVINCE = 1, _("Province")
    PREFECTURE = 2, _("Prefecture")
    COUNTY = 3, _("County")
    TOWNSHIP = 4, _("Township")
    VILLAGE = 5, _("Village")


class Region(models.TextChoices):
    EAST = "east", _("East")
    CENTRAL = "central", _("Central")
    WEST = "west", _("West")


class Area(models.Model):
    code = models.CharField(_("code"), max_length=12, primary_key=True)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    pinyin = models.CharField(_("pinyin"), max_length=300, blank=True)
    initials = models.CharField(_("initials"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=8, choices=Region.choices, blank=True)
    valid_from = models.PositiveSmallIntegerField(_("valid from (year)"), null=True, blank=True)
    valid_to = models.PositiveSmallIntegerField(_("valid to (year)"), null=True, blank=True)
    successor = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source = models.CharField(_("source"), max_length=200, blank=True)

    objects = scoped_queryset("code").as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return self.code[: SIGNIFICANT_DIGITS[self.level]]

    @property
    def short_code(self) -> str:
        """The code without trailing zero groups, e.g. 522633 for a county."""
        return self.prefix

    def ancestor_codes(self) -> list[str]:
        """Codes of this area and every ancestor, widest first (derived from the code)."""
        return [self.code[:n].ljust(12, "0") for n in SIGNIFICANT_DIGITS.values() if n <= SIGNIFICANT_DIGITS[self.level]]


class Designation(models.TextChoices):
    POOR_COUNTY = "poor_county", _("National poor county")
    DEEP_POVERTY_COUNTY = "deep_county", _("Deep-poverty county")
    POOR_VILLAGE = "poor_village", _("Poor village")


class AreaDesignation(models.Model):
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="designations", verbose_name=_("area"))
    kind = models.CharField(_("designation"), max_length=16, choices=Designation.choices)
    designated_year = models.PositiveSmallIntegerField(_("designated in"))
    exited_year = models.PositiveSmallIntegerField(_("exited in"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    objects = scoped_queryset("area__code").as_manager()

    class Meta:
        verbose_name = _("area designation")
        verbose_name_plural = _("area designations")
        constraints = [models.UniqueConstraint(fields=["area", "kind"], name="uniq_area_designation")]

    def __str__(self) -> str:
        return f"{self.area} {self.get_kind_display()}"


def pad(code: str) -> str:
    return code.ljust(12, "0")
