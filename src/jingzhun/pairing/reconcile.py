"""Reconciliation of published claims (issue 6): record a claim, then check it against its own arithmetic and the records.

A claim's ``statements`` are JSON objects, one per published figure or relation:

- arithmetic statements, the dataclasses of ``pairing.claims`` with their fields::

      {"type": "total",    "parts": [<amount>, ...], "total": <amount>}
      {"type": "average",  "total": <amount>, "count": "72", "average": <amount>}
      {"type": "share",    "part": <amount>, "whole": <amount>, "share": "51"}          # percent
      {"type": "increase", "value": <amount>, "base": <amount>, "percent": "31"}       # "31% higher than"
      {"type": "multiple", "value": <amount>, "base": <amount>, "times": "6"}

  an ``<amount>`` being ``{"value": "2.831", "unit": "billion yuan"}``, a string ``"2.831 billion yuan"`` /
  ``"28.31亿元"`` (``claims.parse_amount``) or a bare number;
- record statements, a figure compared with the records::

      {"type": "record", "indicator": "fiscal_allocated", "value": "2.831", "unit": "billion yuan"}

  ``indicator`` a code of ``pairing.indicators``; the figure is compared with ``rollups.rollup`` of the claim's
  partnerships over the claim's period (dates inclusive): the claim's partnership and all its descendants, or every
  partnership with either side's area inside the claim's area.  The unit must have the indicator's dimension: money
  for ``yuan`` indicators, persons (人, 人次, 名, persons, person-times) for ``persons``, a bare number or a counting
  word (个, 所, 家, 项, 次, 户, households, projects ...) for ``count``, km / 公里 for ``km``; a bare scale (万, million)
  fits every dimension.

Every statement may carry ``"label"`` (how the source words it) and ``"about": true`` ("about", "nearly", "over"),
which also accepts a computed value within ``claims.DEFAULT_ABOUT_TOLERANCE`` (5%) of the published one.

The precision rule is that of ``pairing.claims``: a published figure is consistent when the exact computation, rounded
half-up to the published figure's last written digit, equals it.  Record statements follow the same rule, the rollup
being the exact computation.

``claim_create`` validates every statement and stores it normalised (amounts as ``{"value", "unit"}`` objects, numbers
as strings).  ``claim_check`` lists every inconsistency as a ``Finding`` with the published value, the exact computed
value, the difference, and the computation in English and Chinese (``message`` is the one of the active language).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from jingzhun.core.audit import audit, snapshot
from jingzhun.core.scoping import VIEW, in_scope

from . import claims, indicators
from .claims import _consistent, _format, _fraction_to_decimal, _log10, _pow10, _round_half_up
from .models import Claim, Partnership
from .rollups import descendant_ids, rollup

__all__ = ["ARITHMETIC_TYPES", "STATEMENT_TYPES", "Finding", "claim_check", "claim_create", "claim_partnerships", "parse_statement"]

CLAIM_FIELDS = ["title", "source", "published_on", "partnership", "area", "start", "end", "statements"]

# type -> (claims dataclass, amount fields, number fields)
ARITHMETIC_TYPES: dict[str, tuple[type, tuple[str, ...], tuple[str, ...]]] = {
    "total": (claims.Total, ("total",), ()),
    "average": (claims.Average, ("total", "average"), ("count",)),
    "share": (claims.Share, ("part", "whole"), ("share",)),
    "increase": (claims.Increase, ("value", "base"), ("percent",)),
    "multiple": (claims.Multiple, ("value", "base"), ("times",)),
}
STATEMENT_TYPES = (*ARITHMETIC_TYPES, "record")

# Units of record statements beyond those of pairing.claims: counting words and kilometres.
_ZH_PERSON_WORDS = ("人次", "名")
_ZH_COUNT_WORDS = ("个", "所", "家", "项", "次", "户", "座", "处", "期", "条", "村", "县")
_EN_PERSON_WORDS = ("person-times", "person times", "persons", "people", "person")
_EN_COUNT_WORDS = ("households", "household", "projects", "project", "schools", "school", "clinics", "clinic", "enterprises", "enterprise",
                   "sessions", "session", "villages", "village", "counties", "county", "items", "item", "times", "units", "unit")
_KM_WORDS = ("公里", "千米", "kilometres", "kilometers", "kilometre", "kilometer", "km")
_CJK = re.compile(r"[\u4e00-\u9fff]")

COUNT, KM = "count", "km"
_INDICATOR_DIMENSIONS = {indicators.YUAN: claims.MONEY, indicators.PERSONS: claims.PERSONS, indicators.COUNT: COUNT, indicators.KM: KM}


@dataclass(frozen=True)
class Finding:
    """One inconsistency of a claim.

    ``kind`` "arithmetic" (the claim's own arithmetic, from ``claims.check``) or "records" (a record statement against
    the rollup).  ``published``, ``computed`` (exact; 40 significant digits when it does not terminate), ``rounded``
    (half-up to the published last digit) and ``difference`` (computed - published) are in the published figure's unit
    (``unit``: "%" for shares and increases, "times" for multiples).  ``message`` is the computation in the active
    language, ``message_en`` / ``message_zh`` both.
    """

    index: int
    kind: str
    published: Decimal
    computed: Decimal
    difference: Decimal
    message: str
    statement_type: str = ""
    unit: str = ""
    rounded: Decimal | None = None
    label: str = ""
    indicator: str = ""
    message_en: str = ""
    message_zh: str = ""


# -- parsing -------------------------------------------------------------------------------------------------------


class _Invalid(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def _number(value: Any, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise _Invalid(field, _("Enter a number."))
    try:
        return claims._to_decimal(value, field)
    except ValueError:
        raise _Invalid(field, _("Enter a number.")) from None


def _amount(value: Any, field: str) -> claims.Amount:
    """An amount field: {"value", "unit"}, a string parsed by claims.parse_amount, or a bare number."""
    try:
        if isinstance(value, dict):
            if "value" not in value:
                raise _Invalid(field, _("An amount needs a value."))
            unit = value.get("unit", "") or ""
            if not isinstance(unit, str):
                raise _Invalid(field, _("The unit must be text, e.g. \"billion yuan\" or \"亿元\"."))
            return claims.Amount(_number(value["value"], field), unit)
        if isinstance(value, str):
            return claims.parse_amount(value)
        return claims.Amount(_number(value, field), "")
    except ValueError as error:
        if str(error).startswith("unit:"):
            raise _Invalid(field, _("Unknown unit: use yuan, thousand/million/billion yuan, 元, 万元, 亿元, persons, 人, 万人 or a bare number.")) from None
        raise _Invalid(field, _("Enter an amount such as \"2.831 billion yuan\" or \"28.31亿元\".")) from None


def _plain_amount(amount: claims.Amount) -> dict[str, str]:
    return {"value": str(amount.value), "unit": amount.unit}


def _record_unit(unit: str) -> tuple[str, str | None]:
    """(a unit pairing.claims parses, its dimension: money / persons / count / km / None) for a record statement."""
    text = " ".join(unit.strip().split())
    if _CJK.search(text):
        text = text.replace(" ", "")
        for word in _ZH_PERSON_WORDS:
            if text.endswith(word):
                return text[: -len(word)] + "人", claims.PERSONS
        for word in _KM_WORDS:
            if text.endswith(word):
                return text[: -len(word)], KM
        for word in _ZH_COUNT_WORDS:
            if text.endswith(word) and not text.endswith("元" + word):
                return text[: -len(word)], COUNT
    else:
        lower = text.lower()
        for word in _EN_PERSON_WORDS:
            if lower == word or lower.endswith(" " + word):
                return lower[: len(lower) - len(word)].strip() + " persons" if lower != word else "persons", claims.PERSONS
        for word in _KM_WORDS:
            if lower == word or lower.endswith(" " + word):
                return lower[: len(lower) - len(word)].strip(), KM
        for word in _EN_COUNT_WORDS:
            if lower == word or lower.endswith(" " + word):
                return lower[: len(lower) - len(word)].strip(), COUNT
    return text, claims._parse_unit(text)[1]


def _parse_record(raw: dict) -> tuple[dict, claims.Amount, str]:
    """(normalised statement, the published amount in a unit claims.py parses, the unit as written)."""
    code = raw.get("indicator")
    if not isinstance(code, str) or code not in indicators.BY_CODE:
        raise _Invalid("indicator", _("Unknown indicator: use a code of the pairing indicators (e.g. fiscal_allocated, cadres_sent, trained)."))
    if "value" not in raw:
        raise _Invalid("value", _("Enter the published figure."))
    value = _number(raw["value"], "value")
    unit = raw.get("unit", "") or ""
    if not isinstance(unit, str):
        raise _Invalid("unit", _("The unit must be text."))
    try:
        parsed_unit, dimension = _record_unit(unit)
        amount = claims.Amount(value, parsed_unit)
    except ValueError:
        raise _Invalid("unit", _("Unknown unit: use yuan, 万元, 亿元, persons, 人, 人次, a counting word (个, 所, 户...), km, or a bare number.")) from None
    expected = _INDICATOR_DIMENSIONS[indicators.BY_CODE[code].unit]
    if dimension is not None and dimension != expected:
        unit_names = {claims.MONEY: _("yuan"), claims.PERSONS: _("persons"), COUNT: _("a count (a bare number, 个, 所, 户 ...)"), KM: _("km")}
        raise _Invalid("unit", _("The unit does not fit the indicator, which is counted in %(unit)s.") % {"unit": unit_names[expected]})
    statement = {"type": "record", "indicator": code, "value": str(value), "unit": unit.strip()}
    return statement, amount, unit.strip()


def parse_statement(raw: Any) -> tuple[dict, claims.Total | claims.Average | claims.Share | claims.Increase | claims.Multiple | None]:
    """(the normalised statement, its pairing.claims dataclass or None for a record statement).

    Raises ValidationError({field: [message]}) with the statement's own field names ("percent", "total", "parts[1]").
    """
    try:
        return _parse(raw)
    except _Invalid as error:
        raise ValidationError({error.field: [error.message]}) from None


def _parse(raw: Any):
    if not isinstance(raw, dict):
        raise _Invalid("type", _("A statement is an object with a type."))
    kind = raw.get("type")
    if kind not in STATEMENT_TYPES:
        raise _Invalid("type", _("Unknown statement type: use total, average, share, increase, multiple or record."))
    about = raw.get("about", False)
    if not isinstance(about, bool):
        raise _Invalid("about", _("\"about\" is true or false."))
    label = raw.get("label", "") or ""
    if not isinstance(label, str):
        raise _Invalid("label", _("The label must be text."))
    if kind == "record":
        statement, _amount_, _unit = _parse_record(raw)
        return {**statement, "about": about, "label": label}, None
    cls, amount_fields, number_fields = ARITHMETIC_TYPES[kind]
    normalised: dict[str, Any] = {"type": kind}
    arguments: dict[str, Any] = {}
    if kind == "total":
        parts = raw.get("parts")
        if not isinstance(parts, list) or not parts:
            raise _Invalid("parts", _("List at least one part."))
        arguments["parts"] = [_amount(part, f"parts[{i}]") for i, part in enumerate(parts)]
        normalised["parts"] = [_plain_amount(part) for part in arguments["parts"]]
    for name in amount_fields:
        if name not in raw:
            raise _Invalid(name, _("This field is required."))
        arguments[name] = _amount(raw[name], name)
        normalised[name] = _plain_amount(arguments[name])
    for name in number_fields:
        if name not in raw:
            raise _Invalid(name, _("This field is required."))
        value = raw[name]
        if name == "count" and isinstance(value, dict):
            arguments[name] = _amount(value, name)
            normalised[name] = _plain_amount(arguments[name])
            continue
        arguments[name] = _number(value, name)
        normalised[name] = str(arguments[name])
    try:
        statement = cls(**arguments, label=label, about=about)
    except ValueError as error:
        field, _sep, _rest = str(error).partition(":")
        messages = {
            "count": _("The count must be positive."),
            "base": _("The base must not be zero."),
            "whole": _("The whole must not be zero."),
        }
        if "units do not match" in str(error):
            raise _Invalid(field, _("The units do not match: money and persons cannot be compared.")) from None
        raise _Invalid(field if field in arguments else "type", messages.get(field, _("Invalid statement."))) from None
    return {**normalised, "about": about, "label": label}, statement


# -- services ------------------------------------------------------------------------------------------------------


def _require_view(actor, partnership: Partnership | None, area) -> None:
    if actor is None:
        return
    if partnership is not None:
        if not Partnership.objects.visible_to(actor, VIEW).filter(pk=partnership.pk).exists():
            raise PermissionDenied(_("This partnership is outside your responsibility."))
    elif not in_scope(actor, area.code, VIEW):
        raise PermissionDenied(_("This area is outside your responsibility."))


@transaction.atomic
def claim_create(*, actor, title: str, source: str, start: dt.date, end: dt.date, statements: list[dict], partnership: Partnership | None = None,
                 area=None, published_on: dt.date | None = None) -> Claim:
    """Record a published claim about a partnership (and its descendants) or an area, over start..end inclusive.

    Needs VIEW scope on the partnership or the area (PermissionDenied).  ValidationError keys: title, source, end,
    partnership, statements, and ``statements[i].<field>`` for a statement's field.
    """
    errors: dict[str, list[str]] = {}
    if (partnership is None) == (area is None):
        errors["partnership"] = [_("Give either a partnership or an area.")]
    else:
        _require_view(actor, partnership, area)
    if not (title or "").strip():
        errors["title"] = [_("Enter a title.")]
    if not (source or "").strip():
        errors["source"] = [_("Say where the figures were published.")]
    if start and end and end < start:
        errors["end"] = [_("The end date is before the start date.")]
    normalised = []
    if not isinstance(statements, list) or not statements:
        errors["statements"] = [_("Enter at least one statement.")]
    else:
        for index, raw in enumerate(statements):
            try:
                statement, _parsed = _parse(raw)
            except _Invalid as error:
                errors[f"statements[{index}].{error.field}"] = [error.message]
                continue
            normalised.append(statement)
    if errors:
        raise ValidationError(errors)
    claim = Claim(title=title.strip(), source=source.strip(), start=start, end=end, statements=normalised, partnership=partnership, area=area,
                  published_on=published_on, created_by=actor if getattr(actor, "pk", None) else None)
    claim.full_clean()
    claim.save()
    area_code = partnership.west_area_id if partnership is not None else area.code
    audit(actor=actor, action="pairing.claim_create", obj=claim, area_code=area_code, changes=snapshot(claim, CLAIM_FIELDS))
    return claim


# -- checking ------------------------------------------------------------------------------------------------------


def claim_partnerships(claim: Claim) -> list[int]:
    """The ids of the partnerships a claim's record statements are checked against (no user scope: the claim's own)."""
    if claim.partnership_id is not None:
        return descendant_ids([claim.partnership_id])
    return list(Partnership.objects.with_side_in(claim.area.prefix).order_by().values_list("pk", flat=True))


def _in_language(en: str, zh: str) -> str:
    return zh if (translation.get_language() or "").lower().startswith("zh") else en


def _render(value: Fraction, factor: int, decimals: int, unit: str) -> str:
    number = _format(value / factor, decimals)
    if not unit:
        return number
    return f"{number}{unit}" if _CJK.search(unit) else f"{number} {unit}"


def _record_finding(index: int, raw: dict, figures: dict) -> Finding | None:
    statement, amount, unit = _parse_record(raw)
    code = statement["indicator"]
    computed = Fraction(figures[code])
    about = bool(raw.get("about", False))
    if _consistent(computed, amount.exact, amount.quantum, about, claims.DEFAULT_ABOUT_TOLERANCE):
        return None
    factor = amount.factor
    decimals = -_log10(amount.quantum / factor)
    exponent = amount.value.as_tuple().exponent
    in_unit = computed / factor
    rounded = _fraction_to_decimal(_round_half_up(in_unit, _pow10(exponent))).quantize(Decimal(1).scaleb(exponent))
    texts = {}
    for language in ("en", "zh"):
        with translation.override("zh-hans" if language == "zh" else "en"):
            label = str(indicators.BY_CODE[code].label)
        shown = _render(computed, factor, decimals + 1, unit)
        published = _render(amount.exact, factor, decimals, unit)
        if language == "en":
            texts[language] = f"{label}: the records give {shown}, not {published}"
        else:
            texts[language] = f"{label}：台账合计{shown}，而非{published}"
    return Finding(index=index, kind="records", published=amount.value, computed=_fraction_to_decimal(in_unit),
                   difference=_fraction_to_decimal(in_unit - Fraction(amount.value)), message=_in_language(texts["en"], texts["zh"]),
                   statement_type="record", unit=unit, rounded=rounded, label=statement.get("label", "") or raw.get("label", "") or "",
                   indicator=code, message_en=texts["en"], message_zh=texts["zh"])


def claim_check(claim: Claim) -> list[Finding]:
    """Every inconsistency of the claim, in statement order: its own arithmetic and its record statements against the
    rollup of the claim's partnerships over its period (one rollup for all the record statements)."""
    findings: list[Finding] = []
    figures = None
    for index, raw in enumerate(claim.statements):
        statement, parsed = parse_statement(raw)
        if parsed is None:
            if figures is None:
                figures = rollup(partnerships=claim_partnerships(claim), start=claim.start, end=claim.end)
            finding = _record_finding(index, raw, figures)
            if finding is not None:
                findings.append(finding)
            continue
        for found in claims.check(parsed):
            findings.append(Finding(index=index, kind="arithmetic", published=found.published, computed=found.computed, difference=found.difference,
                                    message=_in_language(found.computation_en, found.computation_zh), statement_type=found.kind, unit=found.unit,
                                    rounded=found.rounded, label=found.label, message_en=found.computation_en, message_zh=found.computation_zh))
    return findings
