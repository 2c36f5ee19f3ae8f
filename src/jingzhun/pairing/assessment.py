"""The east-west cooperation assessment (issue 6): templates as data, assessors' inputs, annual scoring.

Templates
---------
``data/assessment_templates.json`` holds the 2017 six-area template ("2017-six-areas") and the 2021 two-part,
eight-item template ("2021-eight-items").  Migration 0004 loads it; ``load_templates()`` (command
``jingzhun pairing_templates``) reloads it.  The loader *resets to the file*: every template and indicator named in the
file gets the file's names, weights, targets and bands back, matched by template code and indicator code; indicators
the admin added under other codes are left alone (with their inputs).  So: edit weights in the admin after loading, and
do not rerun the loader unless you mean to go back to the file.  The official weights were never published: all
weights, targets and bands are defaults.

Scoring
-------
``assessment_score`` scores one partnership for one calendar year against one template.  Per indicator:

- target: ``agreement`` the partnership's own agreement of the year for the indicator's code; ``fixed`` the template's
  target; a missing (or zero) target leaves the indicator out (flag ``no_target``) and the weights are renormalised
  over the rest;
- actual: ``rollups.rollup`` of the partnership and all its descendants over the calendar year;
- score: 100 * min(actual / target, 1), exact (rational);
- ``manual`` indicators (leadership) are scored by the assessors (``assessment_input_set``, 0 to 100); a missing input
  scores 0 (flag ``missing_input``) and keeps its weight.

total = sum(weight * score) / sum(weight) over the scored indicators, computed exactly and rounded half-up to 0.01;
the grade is the first band (highest first) whose ``min`` the total reaches, else ``poor``.  The result is stored in
``AssessmentScore`` (one per partnership, year and template, recomputed in place) with the detail of every indicator;
in the detail ``ratio`` is rounded half-up to 0.0001 and ``score`` to 0.01 for display (the total uses the exact values).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jingzhun.core.audit import audit, diff

from . import indicators
from .models import Agreement, AssessmentIndicator, AssessmentInput, AssessmentScore, AssessmentTemplate, Grade, Partnership, TargetSource
from .rollups import descendant_ids, rollup
from .services import require_side

__all__ = ["TEMPLATES_FILE", "assessment_input_set", "assessment_score", "grade_for", "load_templates"]

TEMPLATES_FILE = Path(__file__).resolve().parent / "data" / "assessment_templates.json"
TEMPLATE_FIELDS = ("name_en", "name_zh", "year_from", "year_to", "bands", "source")
HUNDRED = Fraction(100)
CENT = Decimal("0.01")
RATIO_PLACES = Decimal("0.0001")


def _dec(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _round_exact(value: Fraction, quantum: Decimal) -> Decimal:
    """Half-up rounding decided on the exact rational (no intermediate decimal division)."""
    steps = Fraction(quantum)
    count = abs(value) / steps
    whole = int(count + Fraction(1, 2))
    return (Decimal(whole if value >= 0 else -whole) * quantum).quantize(quantum)


# -- templates -----------------------------------------------------------------------------------------------------


def _validate_spec(spec: dict) -> None:
    for item in spec["indicators"]:
        if item.get("target_source") not in TargetSource.values:
            raise ValueError(f"{spec['code']}:{item['code']}: unknown target_source {item.get('target_source')!r}")
        if item.get("indicator") and item["indicator"] not in indicators.BY_CODE:
            raise ValueError(f"{spec['code']}:{item['code']}: unknown indicator {item['indicator']!r}")
        if _dec(item.get("weight")) is None or _dec(item["weight"]) <= 0:
            raise ValueError(f"{spec['code']}:{item['code']}: the weight must be positive")
        if item["target_source"] != TargetSource.MANUAL and not item.get("indicator"):
            raise ValueError(f"{spec['code']}:{item['code']}: a measured indicator needs an indicator code")
    for band in spec["bands"]:
        if band.get("grade") not in Grade.values:
            raise ValueError(f"{spec['code']}: unknown grade {band.get('grade')!r}")


@transaction.atomic
def load_templates(path: Path | str | None = None) -> int:
    """Create or reset the templates of the file (default ``data/assessment_templates.json``); idempotent.

    Returns the number of templates and indicators created or changed (0 when the database already matches the file).
    """
    data = json.loads(Path(path or TEMPLATES_FILE).read_text(encoding="utf-8"))
    changed = 0
    for spec in data["templates"]:
        _validate_spec(spec)
        values = {f: spec.get(f) for f in TEMPLATE_FIELDS}
        template = AssessmentTemplate.objects.filter(code=spec["code"]).first()
        if template is None:
            template = AssessmentTemplate.objects.create(code=spec["code"], **values)
            changed += 1
        elif any(getattr(template, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(template, f, v)
            template.save()
            changed += 1
        existing = {i.code: i for i in template.indicators.all()}
        for position, item in enumerate(spec["indicators"]):
            wanted = {f: item.get(f) or "" for f in ("part", "label_en", "label_zh", "indicator", "target_source")}
            wanted.update(weight=_dec(item["weight"]), target=_dec(item.get("target")), position=position)
            row = existing.get(item["code"])
            if row is None:
                AssessmentIndicator.objects.create(template=template, code=item["code"], **wanted)
                changed += 1
            elif any(getattr(row, f) != v for f, v in wanted.items()):
                for f, v in wanted.items():
                    setattr(row, f, v)
                row.save()
                changed += 1
    return changed


# -- inputs --------------------------------------------------------------------------------------------------------


def _year_in(template: AssessmentTemplate, year: int) -> bool:
    return year >= template.year_from and (template.year_to is None or year <= template.year_to)


@transaction.atomic
def assessment_input_set(*, actor, partnership: Partnership, year: int, indicator: AssessmentIndicator, score, note: str = "") -> AssessmentInput:
    """Set the assessors' score (0 to 100, at most two decimals) of a manual indicator for a partnership and year."""
    require_side(actor, partnership)
    errors = {}
    try:
        value = Decimal(str(score).strip())
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite():
        errors["score"] = _("Enter a number.")
    elif not Decimal(0) <= value <= Decimal(100):
        errors["score"] = _("The score is between 0 and 100.")
    elif value != value.quantize(CENT):
        errors["score"] = _("The score has at most two decimal places.")
    if indicator.target_source != TargetSource.MANUAL:
        errors["indicator"] = _("This indicator is computed from the records, not scored by the assessors.")
    if not _year_in(indicator.template, year):
        errors["year"] = _("The template does not apply to this year.")
    if errors:
        raise ValidationError(errors)
    row = AssessmentInput.objects.select_for_update().filter(partnership=partnership, year=year, indicator=indicator).first()
    before = {"partnership": partnership.pk, "year": year, "indicator": indicator.pk, "score": str(row.score), "note": row.note} if row else {}
    if row is None:
        row = AssessmentInput(partnership=partnership, year=year, indicator=indicator)
    row.score, row.note = value.quantize(CENT), note
    row.full_clean(validate_unique=False)
    row.save()
    after = {"partnership": partnership.pk, "year": year, "indicator": indicator.pk, "score": str(row.score), "note": note}
    audit(actor=actor, action="pairing.assessment_input_set", obj=row, area_code=partnership.west_area_id, changes=diff(before, after))
    return row


# -- scoring -------------------------------------------------------------------------------------------------------


def grade_for(total: Decimal, bands: list[dict]) -> str:
    """The first band (highest first) whose ``min`` the total reaches; ``poor`` when none."""
    for band in sorted(bands, key=lambda b: Decimal(str(b["min"])), reverse=True):
        if total >= Decimal(str(band["min"])):
            return band["grade"]
    return Grade.POOR


def _plain(value) -> str | None:
    return None if value is None else str(value)


@transaction.atomic
def assessment_score(*, actor, partnership: Partnership, year: int, template: AssessmentTemplate) -> AssessmentScore:
    """Score the partnership for the calendar year against the template (see the module docstring); stored and audited."""
    require_side(actor, partnership)
    if not _year_in(template, year):
        raise ValidationError({"year": _("The template does not apply to this year.")})
    rows = list(template.indicators.order_by("position", "code"))
    if not rows:
        raise ValidationError({"template": _("The template has no indicators.")})
    targets = {a.indicator: a.target for a in Agreement.objects.filter(partnership=partnership, year=year)}
    inputs = {i.indicator_id: i.score for i in AssessmentInput.objects.filter(partnership=partnership, year=year, indicator__in=rows)}
    figures = rollup(partnerships=descendant_ids([partnership.pk]), start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))

    detail, weighted, weights = [], Fraction(0), Fraction(0)
    for row in rows:
        entry = {"code": row.code, "part": row.part, "label": row.label_en, "label_en": row.label_en, "label_zh": row.label_zh,
                 "weight": str(row.weight), "indicator": row.indicator, "target_source": row.target_source,
                 "target": None, "actual": None, "ratio": None, "score": None, "flag": "", "counted": True}
        score: Fraction | None
        if row.target_source == TargetSource.MANUAL:
            given = inputs.get(row.pk)
            if given is None:
                score, entry["flag"] = Fraction(0), "missing_input"
            else:
                score = Fraction(given)
        else:
            target = targets.get(row.indicator) if row.target_source == TargetSource.AGREEMENT else row.target
            actual = figures.get(row.indicator)
            entry["target"], entry["actual"] = _plain(target), _plain(actual)
            if target is None or target <= 0 or actual is None:
                score, entry["flag"], entry["counted"] = None, "no_target", False
            else:
                ratio = Fraction(actual) / Fraction(target)
                entry["ratio"] = str(_round_exact(ratio, RATIO_PLACES))
                score = HUNDRED * min(ratio, Fraction(1))
        if score is not None:
            entry["score"] = str(_round_exact(score, CENT))
            weighted += Fraction(row.weight) * score
            weights += Fraction(row.weight)
        detail.append(entry)
    if not weights:
        raise ValidationError({"template": _("No indicator of the template could be scored: set the agreement's targets for the year.")})
    total = _round_exact(weighted / weights, CENT)
    grade = grade_for(total, template.bands)

    existing = AssessmentScore.objects.select_for_update().filter(partnership=partnership, year=year, template=template).first()
    before = {"total": str(existing.total), "grade": existing.grade} if existing else {}
    result, _created = AssessmentScore.objects.update_or_create(
        partnership=partnership, year=year, template=template,
        defaults={"total": total, "grade": grade, "detail": detail, "computed_by": actor if getattr(actor, "pk", None) else None},
    )
    after = {"partnership": partnership.pk, "year": year, "template": template.code, "total": str(total), "grade": grade}
    audit(actor=actor, action="pairing.assessment_score", obj=result, area_code=partnership.west_area_id, changes=diff(before, after))
    return result
