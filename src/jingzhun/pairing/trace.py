"""Traceability of pairing funds, both ways.

``trace_source``: from a source of funds (fiscal, donation, enterprise) to the allocations and disbursements by
project, the funds not tied to a project, and each project's beneficiary households ("where did this money go").
``trace_household``: back from a household to every project that reached it, with each project's partnership and
the project's funds by source and kind ("which sources reached it").

All amounts are net of corrections (a correction is a negative entry of the same kind, source and project) and
exact to the cent; each function runs a fixed number of grouped queries.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Sum

from jingzhun.registry.models import Household

from .models import Beneficiary, FundEntry, FundKind, FundSource, Partnership, Project, money_by
from .rollups import ZERO, partnership_ids

KINDS = list(FundKind.values)


def _kinds() -> dict[str, Decimal]:
    return dict.fromkeys(KINDS, ZERO)


def trace_source(*, partnerships, source: str, start: dt.date | None = None, end: dt.date | None = None) -> dict:
    """Where the money of `source` went, for the partnerships (queryset or ids) and the entries dated start..end:

    {"source", "projects": [{"project", "partnership_id", "status", "pledged", "allocated", "disbursed", "returned",
    "undisbursed", "households", "persons"}...] (by project code), "unassigned": {kind: amount} (entries with no
    project), "totals": {kind: amount, "households", "persons"}} where the totals' households are counted once across
    the projects and persons are the households' current sizes."""
    if source not in FundSource.values:
        raise ValueError(f"unknown fund source {source!r}")
    ids = partnership_ids(partnerships)
    entries = FundEntry.objects.filter(partnership_id__in=ids, source=source)
    if start is not None:
        entries = entries.filter(date__gte=start)
    if end is not None:
        entries = entries.filter(date__lte=end)
    by_project: dict[int | None, dict[str, Decimal]] = {}
    for (project_id, kind), total in money_by(entries, ["project_id", "kind"]).items():
        by_project.setdefault(project_id, _kinds())[kind] += total
    unassigned = by_project.pop(None, _kinds())
    project_ids = entries.filter(project_id__isnull=False).order_by().values("project_id")  # a subquery, not a long list of ids
    reach = {row["project_id"]: row for row in Beneficiary.objects.filter(project_id__in=project_ids).order_by().values("project_id")
             .annotate(households=Count("household_id"), persons=Sum("household__size"))}
    projects = []
    for project in Project.objects.filter(pk__in=project_ids).order_by("partnership_id", "code"):
        amounts = by_project[project.pk]
        row = reach.get(project.pk, {})
        projects.append({"project": project, "partnership_id": project.partnership_id, "status": project.status, **amounts,
                         "undisbursed": amounts[FundKind.ALLOCATED] - amounts[FundKind.DISBURSED],
                         "households": row.get("households", 0), "persons": row.get("persons") or 0})
    totals = _kinds()
    for amounts in [*by_project.values(), unassigned]:
        for kind, amount in amounts.items():
            totals[kind] += amount
    agg = Household.objects.filter(pk__in=Beneficiary.objects.filter(project_id__in=project_ids).values("household_id")).aggregate(
        n=Count("pk"), persons=Sum("size"))
    totals.update(households=agg["n"], persons=agg["persons"] or 0)
    return {"source": source, "projects": projects, "unassigned": unassigned, "totals": totals}


def trace_household(*, household: Household, user=None) -> list[dict]:
    """Every project that reached the household: [{"project", "partnership", "benefit", "amount", "funds": {source:
    {kind: amount}}, "sources": [sources with net allocated or disbursed funds]}...] ordered by partnership and project
    code.  With `user`, only projects of partnerships the user sees."""
    rows = Beneficiary.objects.filter(household=household).select_related("project__partnership__east_area", "project__partnership__west_area")
    if user is not None:
        rows = rows.filter(project__partnership__in=Partnership.objects.visible_to(user).values("pk"))
    rows = list(rows.order_by("project__partnership_id", "project__code"))
    funds: dict[int, dict[str, dict[str, Decimal]]] = {
        row.project_id: {source: _kinds() for source in FundSource.values} for row in rows}
    entries = FundEntry.objects.filter(project_id__in=list(funds))
    for (project_id, source, kind), total in money_by(entries, ["project_id", "source", "kind"]).items():
        funds[project_id][source][kind] += total
    out = []
    for row in rows:
        by_source = funds[row.project_id]
        sources = [s for s in FundSource.values if by_source[s][FundKind.ALLOCATED] > 0 or by_source[s][FundKind.DISBURSED] > 0]
        out.append({"project": row.project, "partnership": row.project.partnership, "benefit": row.benefit, "amount": row.amount,
                    "funds": by_source, "sources": sources})
    return out
