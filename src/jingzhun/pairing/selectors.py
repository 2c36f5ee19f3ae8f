"""Pairing reads: visible partnerships and fund totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connections
from django.db.models import QuerySet, Sum

from jingzhun.core.scoping import VIEW

from .models import CENT, FundEntry, FundKind, FundSource, Partnership


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
    out = {source: {kind: Decimal("0.00") for kind in FundKind.values} for source in FundSource.values}
    if connections[qs.db].vendor == "postgresql":
        for row in qs.order_by().values("source", "kind").annotate(total=Sum("amount")):
            out[row["source"]][row["kind"]] = row["total"].quantize(CENT)
    else:  # SQLite sums decimals as floats: add the exact row values in Python (see models.exact_sum)
        for source, kind, amount in qs.values_list("source", "kind", "amount"):
            out[source][kind] += amount
    return out
