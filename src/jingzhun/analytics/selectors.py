"""The area analytics table: measures for every area of a level under an area, for a year (and a comparison year)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhun.areas.models import Area, Level
from jingzhun.core.scoping import SIGNIFICANT_DIGITS, VIEW, require_scope

from . import backends
from .aggregate import DimensionSpec, measures_table
from .flatten import person_year
from .indicators import INDICATORS
from .lines import lines_for
from .models import DimensionSet, Snapshot


class AnalyticsError(Exception):
    """A request the analytics cannot answer, with a message for the user."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str  # count, share, index, money


BASE_COLUMNS = [
    ("population", gettext_lazy("Population"), "count"),
    ("registered", gettext_lazy("Registered poor"), "count"),
    ("incidence", gettext_lazy("Incidence"), "share"),
    ("measured", gettext_lazy("With income"), "count"),
    ("p0", gettext_lazy("Headcount P0"), "share"),
    ("p1", gettext_lazy("Poverty gap P1"), "index"),
    ("p2", gettext_lazy("Squared gap P2"), "index"),
    ("watts", gettext_lazy("Watts"), "index"),
    ("sen", gettext_lazy("Sen"), "index"),
    ("sst", gettext_lazy("Sen-Shorrocks-Thon"), "index"),
    ("gini", gettext_lazy("Gini"), "index"),
    ("mean_income", gettext_lazy("Mean per-capita income"), "money"),
    ("median_income", gettext_lazy("Median per-capita income"), "money"),
]


def dimension_specs() -> list[tuple[DimensionSet, DimensionSpec]]:
    out = []
    for ds in DimensionSet.objects.prefetch_related("indicators"):
        indicators = tuple((i.code, float(i.weight)) for i in ds.indicators.all() if i.code in INDICATORS)
        if indicators:
            out.append((ds, DimensionSpec(code=ds.code.replace("-", "_"), cutoff=float(ds.cutoff), indicators=indicators)))
    return out


def columns_for(sets: list[tuple[DimensionSet, DimensionSpec]]) -> list[Column]:
    from django.utils.translation import get_language

    zh = (get_language() or "").startswith("zh")
    cols = [Column(k, str(label), kind) for k, label, kind in BASE_COLUMNS]
    for ds, spec in sets:
        name = ds.name_zh if zh else ds.name_en
        cols += [Column(f"{spec.code}_h", f"{name}: H", "share"), Column(f"{spec.code}_a", f"{name}: A", "share"),
                 Column(f"{spec.code}_m0", f"{name}: M0", "index")]
        for code, _weight in spec.indicators:
            cols.append(Column(f"{spec.code}_contrib_{code}", f"{name}: {INDICATORS[code][0]} ({_('contribution')})", "share"))
    return cols


@dataclass
class MeasuresTable:
    area: Area
    level: int
    year: int
    compare: int | None
    backend: str
    snapshot: Snapshot | None
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)
    total: dict = field(default_factory=dict)


def covering_snapshot(area: Area, years: list[int], snapshot_id: int | None = None) -> Snapshot:
    covering = [area.code[:n].ljust(12, "0") for n in sorted(set(SIGNIFICANT_DIGITS.values())) if n <= SIGNIFICANT_DIGITS[area.level]]
    qs = Snapshot.objects.filter(area_id__in=covering, first_year__lte=min(years), last_year__gte=max(years))
    holds = [snap for snap in qs.order_by("-created_at", "-id") if all(str(y) in snap.files for y in years)]
    if snapshot_id is not None:
        snap = next((s for s in holds if s.pk == snapshot_id), None)
        if snap is None:
            raise AnalyticsError(_("Snapshot %(id)s does not exist or does not cover %(area)s for %(years)s.")
                                 % {"id": snapshot_id, "area": area.name, "years": ", ".join(map(str, years))})
        return snap
    snap = holds[0] if holds else None
    if snap is None:
        raise AnalyticsError(_("No snapshot covers %(area)s for %(years)s: take one first.")
                             % {"area": area.name, "years": ", ".join(map(str, years))})
    return snap


def _frame(backend: str, *, year: int, prefix: str, level: int, specs: list[DimensionSpec], snapshot: Snapshot | None):
    if backend == "postgres":
        con = backends.postgres_connect()
        specific, national = lines_for(year, prefix)
        py = person_year(backends.postgres_tables(con), year=year, prefix=prefix, lines=specific, national_line=national)
    else:
        path = snapshot.path(year)
        if path is None or not path.exists():
            raise AnalyticsError(_("The file of %(year)s is missing from snapshot %(id)s.") % {"year": year, "id": snapshot.pk})
        con = backends.duckdb_connect() if backend == "duckdb" else backends.spark_connect()
        py = con.read_parquet(str(path))
    try:
        return measures_table(py, level=level, prefix=prefix, dimension_sets=specs).to_pandas()
    finally:
        if backend != "spark":
            con.disconnect()


def _records(df) -> dict[str, dict]:
    out = {}
    for rec in df.to_dict("records"):
        clean = {}
        for k, v in rec.items():
            if k == "area":
                clean[k] = str(v)
                continue
            v = None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
            clean[k] = v
        out[clean["area"]] = clean
    return out


def area_measures(*, user, area_code: str, level: int, year: int, compare: int | None = None, backend: str | None = None,
                  snapshot_id: int | None = None) -> MeasuresTable:
    """Every measure for the areas of `level` under `area_code` in `year` (and the change since `compare`)."""
    from django.conf import settings

    backend = backend or settings.ANALYTICS_BACKEND
    if backend not in backends.BACKENDS:
        raise AnalyticsError(_("Unknown backend %(b)s: use one of %(all)s.") % {"b": backend, "all": ", ".join(backends.BACKENDS)})
    area = Area.objects.filter(code=str(area_code).ljust(12, "0")).first()
    if area is None:
        raise AnalyticsError(_("There is no area with code %(code)s.") % {"code": area_code})
    require_scope(user, area.code, VIEW)  # PermissionDenied outside the user's areas; user None = the system
    level = int(level)
    if level not in Level.values or level < area.level:
        raise AnalyticsError(_("Choose a level at or below the area's own level."))
    years = [year] + ([compare] if compare is not None else [])
    snapshot = None if backend == "postgres" else covering_snapshot(area, years, snapshot_id)
    prefix = area.code[: SIGNIFICANT_DIGITS[area.level]]
    sets = dimension_specs()
    specs = [spec for _ds, spec in sets]
    try:
        now = _records(_frame(backend, year=year, prefix=prefix, level=level, specs=specs, snapshot=snapshot))
        total = _records(_frame(backend, year=year, prefix=prefix, level=area.level, specs=specs, snapshot=snapshot))
        before = before_total = {}
        if compare is not None:
            before = _records(_frame(backend, year=compare, prefix=prefix, level=level, specs=specs, snapshot=snapshot))
            before_total = _records(_frame(backend, year=compare, prefix=prefix, level=area.level, specs=specs, snapshot=snapshot))
    except backends.BackendUnavailable as exc:
        raise AnalyticsError(str(exc)) from exc
    names = dict(Area.objects.filter(code__in=set(now) | set(before)).values_list("code", "name"))
    result = MeasuresTable(area=area, level=level, year=year, compare=compare, backend=backend, snapshot=snapshot,
                           columns=columns_for(sets))
    keys = [c.key for c in result.columns]
    for code in sorted(set(now) | set(before)):
        row = {"area": code, "name": names.get(code, code)}
        row.update({k: now.get(code, {}).get(k) for k in keys})
        if compare is not None:
            _add_change(row, before.get(code, {}), keys)
        result.rows.append(row)
    result.total = {"area": area.code, "name": area.name, **{k: total.get(area.code, {}).get(k) for k in keys}}
    if compare is not None:
        _add_change(result.total, before_total.get(area.code, {}), keys)
    return result


def _add_change(row: dict, before: dict, keys: list[str]) -> None:
    for k in keys:
        old = before.get(k)
        row[f"{k}_before"] = old
        row[f"{k}_change"] = None if old is None or row.get(k) is None else row[k] - old
