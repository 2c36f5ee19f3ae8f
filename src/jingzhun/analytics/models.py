"""Analytics: registry snapshots (Parquet, reproducible) and the dimension sets of multidimensional poverty."""

import shutil

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from jingzhun.core.scoping import scoped_queryset

from .indicators import INDICATOR_CHOICES


class SnapshotKind(models.TextChoices):
    YEAR_END = "year_end", _("Year-end")
    ON_DEMAND = "on_demand", _("On demand")


class Snapshot(models.Model):
    """A frozen copy of the registry under one area, as one Parquet file of person-years per year.

    Files live under ``VAR_DIR/snapshots/<id>/``; ``files`` maps each year to its file name, rows and
    SHA-256, so that a report made from a snapshot can be reproduced and checked later.
    """

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    kind = models.CharField(_("kind"), max_length=10, choices=SnapshotKind.choices, default=SnapshotKind.ON_DEMAND)
    as_of = models.DateField(_("registry as of"))
    first_year = models.PositiveSmallIntegerField(_("first year"))
    last_year = models.PositiveSmallIntegerField(_("last year"))
    persons = models.PositiveIntegerField(_("persons"), default=0)
    files = models.JSONField(_("files"), default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(_("seconds"), default=0)

    objects = scoped_queryset("area__code").as_manager()

    class Meta:
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(first_year__lte=models.F("last_year")), name="snapshot_years_ordered")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.area_id} {self.as_of}"

    @property
    def directory(self):
        return settings.VAR_DIR / "snapshots" / str(self.pk)

    def path(self, year: int):
        entry = self.files.get(str(year))
        return self.directory / entry["file"] if entry else None


class DimensionSet(models.Model):
    """Indicators with weights and a cutoff k on the weights' scale (Alkire-Foster): editable data."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    cutoff = models.DecimalField(_("poverty cutoff k (on the weights' scale)"), max_digits=9, decimal_places=4,
                                 validators=[MinValueValidator(0)])
    source = models.CharField(_("source"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("dimension set")
        verbose_name_plural = _("dimension sets")
        ordering = ["order", "code"]
        constraints = [models.CheckConstraint(condition=Q(cutoff__gt=0), name="dimension_set_cutoff_positive")]

    def __str__(self) -> str:
        return self.code


class Indicator(models.Model):
    dimension_set = models.ForeignKey(DimensionSet, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("indicator"), max_length=30, choices=INDICATOR_CHOICES)
    dimension_zh = models.CharField(_("dimension (Chinese)"), max_length=40)
    dimension_en = models.CharField(_("dimension (English)"), max_length=40)
    weight = models.DecimalField(_("weight"), max_digits=9, decimal_places=4)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["dimension_set", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dimension_set", "code"], name="uniq_indicator_per_set"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="indicator_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.dimension_set_id}:{self.code}"


@receiver(post_delete, sender=Snapshot)
def _remove_snapshot_files(sender, instance: Snapshot, **kwargs) -> None:
    directory = instance.directory
    transaction.on_commit(lambda: shutil.rmtree(directory, ignore_errors=True))
