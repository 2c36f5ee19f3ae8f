"""Look-ups by year and area: the row of the most specific enclosing area wins, then the national row."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q

from jingzhun.core.scoping import SIGNIFICANT_DIGITS

from .models import IncomeComponentRule, MonitoringLine, PovertyLine


def enclosing_codes(area_code: str | None) -> list[str]:
    """12-digit codes of the area and its ancestors, most specific first."""
    if not area_code:
        return []
    code = area_code.ljust(12, "0")
    out = []
    for n in sorted(SIGNIFICANT_DIGITS.values(), reverse=True):
        candidate = code[:n].ljust(12, "0")
        if candidate not in out:
            out.append(candidate)
    return out


def _most_specific(model, year: int, area_code: str | None, **extra):
    codes = enclosing_codes(area_code)
    rows = list(model.objects.filter(Q(area__isnull=True) | Q(area_id__in=codes), year=year, **extra))
    if not rows:
        return None
    rank = {code: i for i, code in enumerate(codes)}
    return min(rows, key=lambda r: rank.get(r.area_id, len(codes)) if r.area_id else len(codes) + 1)


def poverty_line(year: int, area_code: str | None = None) -> PovertyLine | None:
    return _most_specific(PovertyLine, year, area_code)


def monitoring_line(year: int, area_code: str | None = None) -> MonitoringLine | None:
    return _most_specific(MonitoringLine, year, area_code)


def poverty_line_amount(year: int, area_code: str | None = None) -> Decimal | None:
    line = poverty_line(year, area_code)
    return line.amount if line else None


def excluded_income_components(year: int, area_code: str | None = None) -> frozenset[str]:
    rules = IncomeComponentRule.objects.filter(year=year).values_list("component", flat=True).distinct()
    out = set()
    for component in rules:
        rule = _most_specific(IncomeComponentRule, year, area_code, component=component)
        if rule is not None and not rule.counts:
            out.add(component)
    return frozenset(out)
