"""The trend of one area: its own measures (the total row of the area table) for every year of a snapshot.

``area_trend`` computes the area's own row year by year with the expression of ``selectors.area_measures``
(``aggregate.measures_table``), so a point of the trend is the ``total`` of the area table of that year.

Over a snapshot (DuckDB, Spark) the years are computed in one query rather than one per year (each query costs
about 0.3 s to compile and run, whatever the size of the area): the person-year files of the years are stacked,
each row's village code replaced by ``<year>00000000``, and the stack is measured at level 2, whose 4-digit
group key is then the year.  Nothing else in the rows changes (each row keeps its own poverty line), and every
figure of ``measures_table`` is computed within a group, so each group is exactly the area in that year.
PostgreSQL computes the person-year relation of each year in the database: one ``selectors._frame`` per year.
"""

from __future__ import annotations

from collections.abc import Iterable

import ibis
from django.conf import settings
from django.utils.translation import gettext as _

from jingzhun.areas.models import Area
from jingzhun.core.scoping import SIGNIFICANT_DIGITS, VIEW, require_scope

from . import backends
from .aggregate import measures_table
from .selectors import AnalyticsError, _frame, _records, covering_snapshot, dimension_specs

YEAR_LEVEL = 2  # the level whose group key is the first four digits of the code


def _stacked(backend: str, *, years: list[int], prefix: str, specs, snapshot) -> dict[str, dict]:
    """{"<year>00000000": record} for the area under `prefix`, one query over the snapshot's files of `years`."""
    paths = []
    for year in years:
        path = snapshot.path(year)
        if path is None or not path.exists():
            raise AnalyticsError(_("The file of %(year)s is missing from snapshot %(id)s.") % {"year": year, "id": snapshot.pk})
        paths.append((year, path))
    con = backends.duckdb_connect() if backend == "duckdb" else backends.spark_connect()
    try:
        parts = []
        for year, path in paths:
            t = con.read_parquet(str(path))
            if prefix:
                t = t.filter(t.village.startswith(prefix))
            parts.append(t.mutate(village=ibis.literal(f"{year:04d}".ljust(12, "0"))))
        stacked = parts[0] if len(parts) == 1 else ibis.union(*parts)
        return _records(measures_table(stacked, level=YEAR_LEVEL, prefix="", dimension_sets=specs).to_pandas())
    finally:
        if backend != "spark":
            con.disconnect()


def area_trend(user, area_code: str, years: Iterable[int], backend: str | None = None, snapshot_id: int | None = None) -> list[dict]:
    """[{"year": y, <every measure key>: value}, ...] for the area itself, one point per year in ascending order.

    Raises ``AnalyticsError`` (no snapshot covers the area and years, unknown backend or area) and
    ``PermissionDenied`` outside the user's scope, like ``area_measures``.
    """
    backend = backend or settings.ANALYTICS_BACKEND
    if backend not in backends.BACKENDS:
        raise AnalyticsError(_("Unknown backend %(b)s: use one of %(all)s.") % {"b": backend, "all": ", ".join(backends.BACKENDS)})
    years = sorted({int(y) for y in years})
    if not years:
        return []
    area = Area.objects.filter(code=str(area_code).ljust(12, "0")).first()
    if area is None:
        raise AnalyticsError(_("There is no area with code %(code)s.") % {"code": area_code})
    require_scope(user, area.code, VIEW)
    prefix = area.code[: SIGNIFICANT_DIGITS[area.level]]
    specs = [spec for _ds, spec in dimension_specs()]
    try:
        if backend == "postgres":
            rows = {year: _records(_frame(backend, year=year, prefix=prefix, level=area.level, specs=specs, snapshot=None)).get(area.code, {})
                    for year in years}
        else:
            snapshot = covering_snapshot(area, years, snapshot_id)
            by_key = _stacked(backend, years=years, prefix=prefix, specs=specs, snapshot=snapshot)
            rows = {year: by_key.get(f"{year:04d}".ljust(12, "0"), {}) for year in years}
    except backends.BackendUnavailable as exc:
        raise AnalyticsError(str(exc)) from exc
    return [{"year": year, **{k: v for k, v in rows[year].items() if k != "area"}} for year in years]


__all__ = ["area_trend"]
