"""Pairing reads: visible partnerships and fund totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import QuerySet

from jingzhun.core.scoping import VIEW

from .models import FundEntry, FundKind, FundSource, Partnership, money_by


def partnerships_visible(user, action: str = VIEW) -> QuerySet[Partnership]:
    return Partnership.objects.visible_to(user, action).select_related("east_area", "west_area")


def fund_totals(*, partnership: Partnership, start: dt.date | None = None, end: dt.date | None = None) -> dict[str, dict[str, Decimal]]:
    """{source: {kind: total}} for every source and kind (zero when none), corrections netted (a correction carries the
    corrected entry's date, so it nets in the same period), exact to the cent.  `start` and `end` are inclusive."""
    qs = FundEntry.objects.filter(partnership=partnership)
    if start is not None:
        qs = qs.filter(date__gte=start)
    if end is not None:
        qs = qs.filter(date__lte=end)
    totals = money_by(qs, ["source", "kind"])
    return {source: {kind: totals[source, kind] for kind in FundKind.values} for source in FundSource.values}
