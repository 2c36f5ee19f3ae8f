"""Pairing rollups: the headline figures of ``pairing.indicators`` computed from the ledgers.

``rollup`` runs a small fixed number of aggregate queries (one per ledger table, grouped), whatever the number of
partnerships or rows: the partnership ids are read once, then each table is filtered by ``partnership_id IN (...)``
and its date range and aggregated in the database.  Money is exact to the cent: PostgreSQL sums numerics exactly;
SQLite stores decimals as binary floats, so there the rows of a money column are read back (exact at 16 digits) and
added in Python (``models.money_by``).

Counting rules are those of the ``pairing.indicators`` docstring; the choices made where it leaves room:

- ``teachers_sent`` and ``doctors_sent`` are the eastern-side secondments of specialty education and health (any
  kind), so they are parts of ``cadres_sent`` + ``technicians_sent``;
- output counts (schools, clinics, water works, production bases) are summed and given as int; ``road_km`` is a
  Decimal; outputs of kind ``other`` enter no indicator;
- beneficiary households are counted once across all the selected projects of all the selected partnerships.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import connections
from django.db.models import Count, DateField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, ExtractYear, TruncDate

from jingzhun.areas.models import Area
from jingzhun.core.scoping import VIEW
from jingzhun.registry.models import Household

from . import indicators
from .models import (
    Agreement,
    Beneficiary,
    EnterpriseInvestment,
    FundEntry,
    LabourTransfer,
    Partnership,
    PlacedWorker,
    Project,
    ProjectOutput,
    ProjectStatus,
    Purchase,
    Secondment,
    Trainee,
    TrainingSession,
    VocationalStudent,
    money_by,
)
from .projects import beneficiaries_count

ZERO = Decimal("0.00")
OUTPUT_CODES = {"school": "schools", "clinic": "clinics", "road_km": "road_km", "water_works": "water_works", "production_base": "production_bases"}
COMPLETED = (ProjectStatus.COMPLETED, ProjectStatus.ACCEPTED)


def partnerships_for(user, *, partnership: Partnership | None = None, area: Area | None = None, action: str = VIEW) -> QuerySet[Partnership]:
    """The visible partnerships selected: `partnership` and all its descendants; or every partnership with either
    side's area inside `area`; or (neither given) all the visible ones."""
    qs = Partnership.objects.visible_to(user, action)
    if partnership is not None:
        ids = descendant_ids([partnership.pk])
        qs = qs.filter(pk__in=ids)
    if area is not None:
        qs = qs.with_side_in(area.prefix)
    return qs


def descendant_ids(roots: Iterable[int]) -> list[int]:
    """The roots and all their descendants (one query per level of the hierarchy, which is at most a few deep)."""
    seen = list(dict.fromkeys(roots))
    frontier = list(seen)
    while frontier:
        children = [pk for pk in Partnership.objects.filter(parent_id__in=frontier).values_list("pk", flat=True) if pk not in seen]
        seen.extend(children)
        frontier = children
    return seen


def partnership_ids(partnerships) -> list[int]:
    """The ids of a queryset of partnerships, or of an iterable of ids or Partnership objects (read once)."""
    if isinstance(partnerships, QuerySet):
        return list(partnerships.order_by().values_list("pk", flat=True))
    return [getattr(p, "pk", p) for p in partnerships]


def projects_in_period(ids: list[int], start: dt.date, end: dt.date) -> QuerySet[Project]:
    """Projects of the partnerships whose start date (their creation date when they have none) falls in the period."""
    return Project.objects.filter(partnership_id__in=ids).filter(
        Q(start_date__gte=start, start_date__lte=end)
        | Q(start_date__isnull=True, created_at__date__gte=start, created_at__date__lte=end))


def project_day(prefix: str = ""):
    """The date a project counts from: its start date, else its creation date."""
    return Coalesce(f"{prefix}start_date", TruncDate(f"{prefix}created_at"), output_field=DateField())


def empty() -> dict[str, Decimal | int]:
    return {i.code: (ZERO if i.unit in (indicators.YUAN, indicators.KM) else 0) for i in indicators.INDICATORS}


def _year(qs: QuerySet, expression, by_year: bool) -> tuple[QuerySet, list[str]]:
    """The queryset annotated with the year of `expression` and the grouping keys (["_y"], or [] for one total)."""
    if not by_year:
        return qs.order_by(), []
    return qs.order_by().annotate(_y=ExtractYear(expression)), ["_y"]


def _aggregate(qs: QuerySet, keys: list[str], **aggregates) -> dict:
    """{year (None without grouping): {name: value}}."""
    if not keys:
        return {None: qs.aggregate(**aggregates)}
    return {row["_y"]: row for row in qs.values(*keys).annotate(**aggregates)}


def _households(projects: QuerySet, by_year: bool) -> dict:
    """{year or None: (households, persons)}: beneficiary households of the projects counted once (per year when
    grouped by the projects' year), persons their current sizes."""
    if not by_year:
        counts = beneficiaries_count(projects=projects.values("pk"))
        return {None: (counts["households"], counts["persons"])}
    rows = Beneficiary.objects.filter(project_id__in=projects.values("pk"))
    inner = rows.order_by().annotate(_y=ExtractYear(project_day("project__"))).values("_y", "household_id").distinct()
    sql, params = inner.query.sql_with_params()
    table = Household._meta.db_table
    with connections[rows.db].cursor() as cursor:
        cursor.execute(f'SELECT s."_y", COUNT(*), SUM(h.size) FROM ({sql}) s JOIN {table} h ON h.id = s.household_id GROUP BY s."_y"', params)
        return {int(y): (n, int(persons or 0)) for y, n, persons in cursor.fetchall()}


def _figures(ids: list[int], start: dt.date, end: dt.date, *, by_year: bool) -> dict:
    """{None: figures} or, with `by_year`, {year: figures} for the years with any row: one grouped query per table."""
    figures: dict = defaultdict(empty)

    def period(qs: QuerySet, prefix: str = "") -> QuerySet:
        return qs.filter(**{f"{prefix}partnership_id__in": ids, f"{prefix}date__gte": start, f"{prefix}date__lte": end})

    # funds: corrections carry the corrected entry's date and are negative
    qs, keys = _year(period(FundEntry.objects), "date", by_year)
    for (*year, source, kind), total in money_by(qs, [*keys, "source", "kind"]).items():
        out = figures[year[0] if year else None]
        out[f"{source}_{kind}"] += total
        out[f"funds_{kind}"] += total
    # people sent
    qs, keys = _year(period(Secondment.objects), "date", by_year)
    for row in qs.values(*keys, "kind", "specialty", "direction").annotate(n=Count("pk")):
        out = figures[row.get("_y")]
        east = row["direction"] == "east_to_west"
        kind = "cadres" if row["kind"] == "cadre" else "technicians"
        out[f"{kind}_sent" if east else f"{kind}_received"] += row["n"]
        if east and row["specialty"] == "education":
            out["teachers_sent"] += row["n"]
        if east and row["specialty"] == "health":
            out["doctors_sent"] += row["n"]
    # training
    qs, keys = _year(period(TrainingSession.objects), "date", by_year)
    for year, agg in _aggregate(qs, keys, n=Count("pk"), t=Sum("trainees")).items():
        if agg["n"]:
            figures[year]["training_sessions"], figures[year]["trained"] = agg["n"], agg["t"] or 0
    qs, keys = _year(period(Trainee.objects, "session__").filter(registered=True), "session__date", by_year)
    for year, agg in _aggregate(qs, keys, n=Count("pk")).items():
        if agg["n"]:
            figures[year]["trained_registered"] = agg["n"]
    # projects, their outputs and beneficiaries
    projects = projects_in_period(ids, start, end)
    qs, keys = _year(projects, project_day(), by_year)
    for key, total in money_by(qs, keys, "budget").items():
        figures[key[0] if key else None]["project_budget"] = total
    for row in qs.values(*keys, "status").annotate(n=Count("pk")):
        out = figures[row.get("_y")]
        out["projects"] += row["n"]
        if row["status"] in COMPLETED:
            out["projects_completed"] += row["n"]
    qs, keys = _year(ProjectOutput.objects.filter(project_id__in=projects.values("pk")), project_day("project__"), by_year)
    for (*year, kind), total in money_by(qs, [*keys, "kind"], "count").items():
        code = OUTPUT_CODES.get(kind)
        if code:
            figures[year[0] if year else None][code] = total if code == "road_km" else int(total)
    for year, (households, persons) in _households(projects, by_year).items():
        if households:
            figures[year]["beneficiary_households"], figures[year]["beneficiary_persons"] = households, persons
    # labour and students
    qs, keys = _year(period(LabourTransfer.objects), "date", by_year)
    for year, agg in _aggregate(qs, keys, w=Sum("workers")).items():
        if agg["w"]:
            figures[year]["workers_placed"] = agg["w"]
    qs, keys = _year(period(PlacedWorker.objects, "transfer__").filter(registered=True), "transfer__date", by_year)
    for year, agg in _aggregate(qs, keys, n=Count("pk")).items():
        if agg["n"]:
            figures[year]["workers_registered"] = agg["n"]
    qs, keys = _year(period(VocationalStudent.objects), "date", by_year)
    for year, agg in _aggregate(qs, keys, n=Count("pk")).items():
        if agg["n"]:
            figures[year]["students"] = agg["n"]
    # industry
    qs, keys = _year(period(EnterpriseInvestment.objects), "date", by_year)
    for year, agg in _aggregate(qs, keys, e=Count("uscc", distinct=True), j=Sum("jobs"), p=Sum("poor_employed")).items():
        if agg["e"]:
            out = figures[year]
            out["enterprises"], out["investment_jobs"], out["investment_poor_employed"] = agg["e"], agg["j"] or 0, agg["p"] or 0
    for year, total in money_by(qs, keys).items():
        figures[year[0] if year else None]["investment"] = total
    # consumption
    qs, keys = _year(period(Purchase.objects), "date", by_year)
    for year, total in money_by(qs, keys).items():
        figures[year[0] if year else None]["purchases"] = total
    return figures


def rollup(*, partnerships, start: dt.date, end: dt.date) -> dict[str, Decimal | int]:
    """Every code of ``indicators.CODES`` for the partnerships (a queryset, or ids) over start..end inclusive."""
    ids = partnership_ids(partnerships)
    if not ids:
        return empty()
    return dict(_figures(ids, start, end, by_year=False)[None])


def rollup_by_year(*, partnerships, start_year: int, end_year: int) -> dict[int, dict[str, Decimal | int]]:
    """{year: rollup of the calendar year} for each year from start_year to end_year inclusive, in the same number of
    queries as one rollup (each grouped by year)."""
    ids = partnership_ids(partnerships)
    figures = _figures(ids, dt.date(start_year, 1, 1), dt.date(end_year, 12, 31), by_year=True) if ids else {}
    return {year: dict(figures[year]) if year in figures else empty() for year in range(start_year, end_year + 1)}


def agreement_progress(*, partnership: Partnership, year: int) -> list[dict]:
    """Each agreement of the year: indicator, target, actual (rollup of the partnership and its descendants over the
    calendar year; None when the indicator is unknown), ratio actual/target (Decimal to 4 places, None when the target
    is zero or the actual unknown)."""
    agreements = list(Agreement.objects.filter(partnership=partnership, year=year).order_by("indicator"))
    if not agreements:
        return []
    figures = rollup(partnerships=descendant_ids([partnership.pk]), start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))
    out = []
    for a in agreements:
        actual = figures.get(a.indicator)
        ratio = None
        if actual is not None and a.target:
            ratio = (Decimal(actual) / a.target).quantize(Decimal("0.0001"))
        out.append({"agreement": a, "indicator": a.indicator, "label": indicators.BY_CODE[a.indicator].label if a.indicator in indicators.BY_CODE else a.indicator,
                    "unit": a.unit or (indicators.BY_CODE[a.indicator].unit if a.indicator in indicators.BY_CODE else ""),
                    "target": a.target, "actual": actual, "ratio": ratio})
    return out

