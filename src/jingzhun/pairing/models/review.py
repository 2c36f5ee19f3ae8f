"""Reconciliation claims and the east-west assessment (issue 6), as data.

A ``Claim`` is a published figure with its source; its ``statements`` are JSON objects, each either a piece of the
claim's own arithmetic (``total``, ``average``, ``share``, ``increase``, ``multiple``: see ``pairing.claims``) or a
``record`` statement (an indicator of ``pairing.indicators`` with the published value) checked against the rollup
of the claim's partnerships, area and period.

An ``AssessmentTemplate`` (the 2017 six areas, the 2021 eight items, or any other) holds indicators with weights and
targets and the grading bands; all are editable because the official weights were never published.  A partnership's
annual ``AssessmentScore`` keeps the per-indicator detail it was computed from.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingzhun.core.scoping import VIEW, prefix_q, user_prefixes

from .core import Partnership


class ClaimQuerySet(models.QuerySet):
    """Claims about a partnership the user sees, or about an area in the user's scope."""

    def visible_to(self, user, action: str = VIEW):
        prefixes = user_prefixes(user, action)
        if prefixes is None:
            return self
        if not prefixes:
            return self.none()
        return self.filter(Q(partnership__in=Partnership.objects.visible_to(user, action).values("pk")) | prefix_q(prefixes, "area__code"))


class Claim(models.Model):
    title = models.CharField(_("title"), max_length=200)
    source = models.CharField(_("source"), max_length=500)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, null=True, blank=True, related_name="claims", verbose_name=_("partnership"))
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("area"))
    start = models.DateField(_("period start"))
    end = models.DateField(_("period end"))
    statements = models.JSONField(_("statements"), default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["-start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="claim_period_ordered"),
            models.CheckConstraint(condition=Q(partnership__isnull=False) | Q(area__isnull=False), name="claim_partnership_or_area"),
        ]

    def __str__(self) -> str:
        return self.title


class Grade(models.TextChoices):
    GOOD = "good", _("Good (好)")
    FAIRLY_GOOD = "fairly_good", _("Fairly good (较好)")
    AVERAGE = "average", _("Average (一般)")
    POOR = "poor", _("Poor (差)")


class TargetSource(models.TextChoices):
    AGREEMENT = "agreement", _("The partnership's agreement for the year")
    FIXED = "fixed", _("A fixed target in the template")
    MANUAL = "manual", _("Scored by the assessors")


class AssessmentTemplate(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    year_from = models.PositiveSmallIntegerField(_("first year"))
    year_to = models.PositiveSmallIntegerField(_("last year"), null=True, blank=True)
    bands = models.JSONField(_("grading bands"), default=list)  # [{"grade": "good", "min": "90"}, ...] highest first
    source = models.TextField(_("source"), blank=True)

    class Meta:
        verbose_name = _("assessment template")
        verbose_name_plural = _("assessment templates")
        ordering = ["year_from", "code"]

    def __str__(self) -> str:
        return self.code


class AssessmentIndicator(models.Model):
    template = models.ForeignKey(AssessmentTemplate, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("template"))
    part = models.CharField(_("part"), max_length=100)  # e.g. "talent" / "人才支援"; the 2021 template's two parts
    code = models.SlugField(_("code"), max_length=50)
    label_en = models.CharField(_("label (English)"), max_length=200)
    label_zh = models.CharField(_("label (Chinese)"), max_length=200)
    weight = models.DecimalField(_("weight"), max_digits=8, decimal_places=3)
    indicator = models.CharField(_("measured by"), max_length=40, blank=True)  # a code of pairing.indicators; blank when manual
    target_source = models.CharField(_("target from"), max_length=10, choices=TargetSource.choices)
    target = models.DecimalField(_("fixed target"), max_digits=16, decimal_places=2, null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("assessment indicator")
        verbose_name_plural = _("assessment indicators")
        ordering = ["template", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="uniq_assessment_indicator"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="assessment_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.template.code}:{self.code}"


class AssessmentInput(models.Model):
    """The assessors' score (0 to 100) of a manual indicator for a partnership and year, with the reason."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+", verbose_name=_("partnership"))
    year = models.PositiveSmallIntegerField(_("year"))
    indicator = models.ForeignKey(AssessmentIndicator, on_delete=models.CASCADE, related_name="inputs", verbose_name=_("indicator"))
    score = models.DecimalField(_("score (0 to 100)"), max_digits=6, decimal_places=2)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("assessment input")
        verbose_name_plural = _("assessment inputs")
        constraints = [
            models.UniqueConstraint(fields=["partnership", "year", "indicator"], name="uniq_assessment_input"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=100), name="assessment_input_range"),
        ]


class AssessmentScore(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="assessment_scores", verbose_name=_("partnership"))
    year = models.PositiveSmallIntegerField(_("year"))
    template = models.ForeignKey(AssessmentTemplate, on_delete=models.PROTECT, related_name="+", verbose_name=_("template"))
    total = models.DecimalField(_("total score"), max_digits=7, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=12, choices=Grade.choices)
    detail = models.JSONField(_("detail"), default=list)  # one object per indicator: target, actual, ratio, score, weight
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("assessment score")
        verbose_name_plural = _("assessment scores")
        ordering = ["-year", "partnership"]
        constraints = [models.UniqueConstraint(fields=["partnership", "year", "template"], name="uniq_assessment_score")]

    def __str__(self) -> str:
        return f"{self.partnership} {self.year} {self.grade}"
