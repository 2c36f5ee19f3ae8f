"""Poverty lines of a year as (code prefix, amount) pairs for the set-based line expression."""

from __future__ import annotations

from django.utils.translation import gettext as _

from jingzhun.core.scoping import SIGNIFICANT_DIGITS
from jingzhun.policy.models import PovertyLine


class NoPovertyLine(Exception):
    pass


def lines_for(year: int, prefix: str) -> tuple[list[tuple[str, float]], float]:
    """Area-specific lines relevant under `prefix` (most specific first) and the national line of `year`."""
    national = None
    specific: list[tuple[str, float]] = []
    for row in PovertyLine.objects.filter(year=year).select_related("area"):
        if row.area is None:
            national = float(row.amount)
            continue
        area_prefix = row.area.code[: SIGNIFICANT_DIGITS[row.area.level]]
        if area_prefix.startswith(prefix) or prefix.startswith(area_prefix):
            specific.append((area_prefix, float(row.amount)))
    if national is None:
        raise NoPovertyLine(_("No national poverty line is set for %(year)s.") % {"year": year})
    specific.sort(key=lambda pa: len(pa[0]), reverse=True)
    return specific, national
