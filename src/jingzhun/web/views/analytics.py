"""Poverty measures of an area (`/analytics/`): the table of its subdivisions, rankings, the trend, downloads.

Query parameters (all optional): ``area`` (code, default the user's home area), ``level`` (default one level
below the area), ``year`` (default the last year of the newest snapshot covering the area, else 2020),
``compare`` (a second year: adds the change), ``sort`` (a column key, ``-key`` for descending; it also picks the
measure of the ranking chart, P0 by default).  The figures come from ``analytics.selectors.area_measures`` over
a registry snapshot; without one the page offers to take one (a background job whose progress it polls).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from jingzhun.accounts.selectors import home_area
from jingzhun.analytics import export
from jingzhun.analytics.indicators import INDICATORS
from jingzhun.analytics.models import DimensionSet, Indicator, Snapshot
from jingzhun.analytics.selectors import (
    BASE_COLUMNS,
    AnalyticsError,
    MeasuresTable,
    area_measures,
    covering_snapshot,
    dimension_specs,
)
from jingzhun.analytics.tasks import snapshot_task
from jingzhun.analytics.trend import area_trend
from jingzhun.areas.models import Area, Level
from jingzhun.core.scoping import SIGNIFICANT_DIGITS, VIEW, get_visible_or_404
from jingzhun.jobs.models import Job, JobStatus
from jingzhun.jobs.services import job_start

from .. import selectors as web
from .common import int_or_none, login_required, render_page

DEFAULT_YEAR = 2020
JOB_KIND = "analytics.snapshot"
BASE_KEYS = ["population", "registered", "incidence", "p0", "p1", "p2", "watts", "sen", "sst", "gini", "mean_income", "median_income"]
SET_KEYS = ("h", "a", "m0")
HIGHER_IS_BETTER = {"mean_income", "median_income"}
NEUTRAL = {"population", "measured"}
TREND_KEYS = ["p0", "p1", "p2"]
CHINA_SET = "china"
CACHE_SECONDS = 3600
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- number formats -------------------------------------------------------------------------------


def fmt(value, kind: str) -> str:
    """Shares as percentages with 1 decimal, indices with 4 decimals, money with thousands separators."""
    if value is None:
        return "–"
    if kind == "share":
        return f"{value * 100:.1f}%"
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "count":
        return f"{value:,.0f}"
    return f"{value:.4f}"


def fmt_change(value, kind: str) -> str:
    """A signed change: shares in percentage points, the rest in the unit of the measure; no sign on zero."""
    if value is None:
        return "–"
    scaled, spec, unit = {
        "share": (value * 100, ".1f", " " + pgettext("percentage points", "pp")),
        "money": (value, ",.2f", ""),
        "count": (value, ",.0f", ""),
    }.get(kind, (value, ".4f", ""))
    text = format(abs(scaled), spec)
    if float(text.replace(",", "")) == 0:
        return text + unit
    return ("+" if scaled > 0 else "-") + text + unit


def _trend_class(key: str, change) -> str:
    """'better' or 'worse' for the colour of a change (poverty down is better, income up is better)."""
    if change is None or change == 0 or key in NEUTRAL or "_contrib_" in key:
        return ""
    up = change > 0
    return "better" if up == (key in HIGHER_IS_BETTER) else "worse"


# --- request parameters ---------------------------------------------------------------------------



def newest_snapshot(area: Area) -> Snapshot | None:
    """The newest snapshot of the area or of an area above it (whatever its years): the years the page offers."""
    covering = [area.code[:n].ljust(12, "0") for n in sorted(set(SIGNIFICANT_DIGITS.values())) if n <= SIGNIFICANT_DIGITS[area.level]]
    return Snapshot.objects.filter(area_id__in=covering).order_by("-created_at", "-id").first()


def level_choices(area: Area) -> list[tuple[int, str]]:
    """The levels below the area (a village: the village itself)."""
    if area.level >= Level.VILLAGE:
        return [(Level.VILLAGE.value, str(Level.VILLAGE.label))]
    return [(value, str(label)) for value, label in Level.choices if value > area.level]


@dataclass
class Params:
    area: Area
    level: int
    year: int
    compare: int | None
    sort: str
    levels: list[tuple[int, str]]
    years: list[int]
    snapshot: Snapshot | None

    def query(self, **overrides) -> str:
        values = {"area": self.area.prefix, "level": self.level, "year": self.year, "compare": self.compare, "sort": self.sort}
        values.update(overrides)
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})


def _params(request, area: Area) -> Params:
    get = request.GET
    levels = level_choices(area)
    level = int_or_none(get.get("level"))
    if level not in {value for value, _label in levels}:
        level = levels[0][0]
    snap = newest_snapshot(area)
    years = sorted(int(y) for y in snap.files) if snap else []
    year = int_or_none(get.get("year"))
    if year is None:
        year = years[-1] if years else DEFAULT_YEAR
    compare = int_or_none(get.get("compare"))
    if compare == year:
        compare = None
    sort = (get.get("sort") or "").strip()
    return Params(area=area, level=level, year=year, compare=compare, sort=sort, levels=levels, years=years, snapshot=snap)


def _area(request) -> Area | None:
    """The area of the request (404 when unknown or outside the user's scope), else the user's home area."""
    code = (request.GET.get("area") or request.POST.get("area") or "").strip()
    if code:
        return web.area_for(request.user, code)
    area = home_area(request.user)
    if area is None:
        return None
    return web.area_for(request.user, area.code)


def _definitions() -> str:
    """A fingerprint of the dimension sets (editable data): part of every cache key."""
    sets = list(DimensionSet.objects.order_by("pk").values_list("pk", "code", "name_zh", "name_en", "cutoff"))
    indicators = list(Indicator.objects.order_by("pk").values_list("pk", "dimension_set_id", "code", "dimension_zh", "dimension_en", "weight"))
    return hashlib.sha256(repr((sets, indicators)).encode()).hexdigest()


def _cached(parts: tuple, compute):
    """A figure of a snapshot, cached: the files of a snapshot never change, and the key names them by their SHA-256."""
    key = "analytics:" + hashlib.sha256(repr(parts).encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value


def _measures(request, p: Params) -> MeasuresTable:
    """`area_measures` for the page's parameters (the web uses the default backend, over a snapshot)."""
    years = [p.year] + ([p.compare] if p.compare is not None else [])
    backend = settings.ANALYTICS_BACKEND
    snap = None if backend == "postgres" else covering_snapshot(p.area, years)
    files = None if snap is None else (snap.pk, [snap.files.get(str(y), {}).get("sha256") for y in years])
    compute = partial(area_measures, user=request.user, area_code=p.area.code, level=p.level, year=p.year, compare=p.compare,
                      snapshot_id=snap.pk if snap else None)
    try:
        if snap is None:
            return compute()
        return _cached(("table", files, p.area.code, p.level, p.year, p.compare, backend, get_language(), _definitions()), compute)
    except PermissionDenied:
        raise Http404 from None


# --- the page -------------------------------------------------------------------------------------


def _set_names() -> list[dict]:
    """The dimension sets in the current language: [{code (column prefix), name, indicators: [(code, label)]}].

    Indicators are named by the catalogue (``analytics.indicators``): several indicators of a set may share
    one dimension (the global MPI's "Living standards"), so the dimension alone does not tell them apart.
    """
    zh = (get_language() or "").startswith("zh")
    return [{"code": spec.code, "name": ds.name_zh if zh else ds.name_en,
             "indicators": [(code, str(INDICATORS[code][0])) for code, _w in spec.indicators]}
            for ds, spec in dimension_specs()]


def _sorted_rows(rows: list[dict], sort: str, keys: set[str]) -> list[dict]:
    key = sort.removeprefix("-")
    if key == "name":
        return sorted(rows, key=lambda r: r["name"], reverse=sort.startswith("-"))
    if key not in keys:
        return rows
    present = [r for r in rows if r.get(key) is not None]
    missing = [r for r in rows if r.get(key) is None]
    return sorted(present, key=lambda r: r[key], reverse=sort.startswith("-")) + missing


def _cells(row: dict, columns: list, compare: bool) -> list[dict]:
    cells = []
    for c in columns:
        cells.append({"text": fmt(row.get(c.key), c.kind), "key": c.key, "change": False})
        if compare:
            change = row.get(f"{c.key}_change")
            cells.append({"text": fmt_change(change, c.kind), "key": c.key, "change": True,
                          "title": fmt(row.get(f"{c.key}_before"), c.kind), "class": _trend_class(c.key, change)})
    return cells


def _header(p: Params, url: str, column, short: str | None = None) -> dict:
    key = column.key
    next_sort = f"-{key}" if p.sort != f"-{key}" else key
    return {"key": key, "label": column.label, "short": short or column.label, "kind": column.kind,
            "sort_url": f"{url}?{p.query(sort=next_sort)}",
            "sorted": "descending" if p.sort == f"-{key}" else ("ascending" if p.sort == key else "")}


def _table_context(p: Params, table: MeasuresTable) -> dict:
    """Headers (grouped: the income measures, then one group per dimension set), formatted rows and the total."""
    url = reverse("web:analytics")
    by_key = {c.key: c for c in table.columns}
    sets = _set_names()
    compare = table.compare is not None
    width = 2 if compare else 1
    groups = [{"name": "", "headers": [_header(p, url, by_key[k]) for k in BASE_KEYS if k in by_key]}]
    for s in sets:
        groups.append({"name": s["name"], "headers": [_header(p, url, by_key[f"{s['code']}_{k}"], short=k.upper())
                                                      for k in SET_KEYS if f"{s['code']}_{k}" in by_key]})
    contrib_groups = []
    for s in sets:
        cols = [(by_key[f"{s['code']}_contrib_{code}"], dim) for code, dim in s["indicators"] if f"{s['code']}_contrib_{code}" in by_key]
        contrib_groups.append({"name": s["name"], "dims": [dim for _c, dim in cols], "span": len(cols)})
    for g in groups:
        g["span"] = len(g["headers"]) * width
    shown = [by_key[h["key"]] for g in groups for h in g["headers"]]
    contrib_cols = [by_key[f"{s['code']}_contrib_{code}"] for s in sets for code, _dim in s["indicators"]
                    if f"{s['code']}_contrib_{code}" in by_key]
    rows = _sorted_rows(table.rows, p.sort, set(by_key))
    drill = table.level < Level.VILLAGE and table.level > table.area.level
    out_rows = []
    for r in rows:
        out_rows.append({"area": r["area"], "name": r["name"], "link": _drill_url(p, table, r["area"]) if drill else None,
                         "cells": _cells(r, shown, compare), "contrib": _cells(r, contrib_cols, False)})
    total = {"area": table.total["area"], "name": table.total["name"], "cells": _cells(table.total, shown, compare),
             "contrib": _cells(table.total, contrib_cols, False)}
    snap = table.snapshot
    files = []
    if snap is not None:
        for y in [table.year] + ([table.compare] if compare else []):
            entry = snap.files.get(str(y), {})
            files.append({"year": y, "sha256": entry.get("sha256", ""), "rows": entry.get("rows")})
    return {
        "table": table, "groups": groups, "rows": out_rows, "total": total, "compare": compare,
        "contrib_groups": contrib_groups, "snapshot_files": files, "level_label": Level(table.level).label,
        "charts": _charts(p, table, rows, by_key, sets, drill),
    }


def _drill_url(p: Params, table: MeasuresTable, code: str) -> str:
    """The page of a row's area: same year, comparison and sort, the level one below that area."""
    return f"{reverse('web:analytics')}?{p.query(area=code[:SIGNIFICANT_DIGITS[table.level]], level=None)}"


def _charts(p: Params, table: MeasuresTable, rows: list[dict], by_key: dict, sets: list[dict], drill: bool) -> dict:
    rank_key = p.sort.removeprefix("-")
    if rank_key not in by_key:
        rank_key = "p0"
    ranked = sorted((r for r in rows if r.get(rank_key) is not None), key=lambda r: r[rank_key], reverse=True)
    column = by_key.get(rank_key)
    rank = {
        "key": rank_key, "label": column.label if column else rank_key, "kind": column.kind if column else "share",
        "names": [r["name"] for r in ranked], "values": [r[rank_key] for r in ranked],
        "urls": [_drill_url(p, table, r["area"]) if drill else None for r in ranked],
    }
    china = next((s for s in sets if s["code"] == CHINA_SET), sets[0] if sets else None)
    contrib = None
    if china is not None:
        contrib = {
            "title": china["name"], "names": [r["name"] for r in rows],
            "series": [{"name": dim, "values": [r.get(f"{china['code']}_contrib_{code}") for r in rows]}
                       for code, dim in china["indicators"]],
        }
    return {"rank": rank, "contrib": contrib, "china": china}


def _trend(request, p: Params, table: MeasuresTable, china: dict | None) -> dict | None:
    """The area's own P0, P1, P2 and the China set's M0 for every year of the snapshot used by the table."""
    snap = table.snapshot
    if snap is None:
        return None
    years = sorted(int(y) for y in snap.files)
    files = (snap.pk, [snap.files[str(y)].get("sha256") for y in years])
    try:
        points = _cached(("trend", files, p.area.code, table.backend, _definitions()),
                         partial(area_trend, request.user, p.area.code, years, backend=table.backend, snapshot_id=snap.pk))
    except (AnalyticsError, PermissionDenied):
        return None
    by_key = {c.key: c for c in table.columns}
    keys = [k for k in TREND_KEYS if k in by_key]
    if china is not None and f"{china['code']}_m0" in by_key:
        keys.append(f"{china['code']}_m0")
    return {
        "years": [pt["year"] for pt in points],
        "series": [{"key": k, "name": by_key[k].label, "kind": by_key[k].kind, "values": [pt.get(k) for pt in points]} for k in keys],
    }


@login_required
def analytics(request):
    area = _area(request)
    if area is None:
        if request.user.is_superuser:
            return render_page(request, "web/analytics.html", {"area": None, "nav": "analytics",
                                                               "provinces": Area.objects.filter(level=Level.PROVINCE).order_by("code")})
        return render_page(request, "web/no_scope.html", {})
    p = _params(request, area)
    context = {
        "area": area, "p": p, "nav": "analytics", "crumbs": web.breadcrumb(request.user, area),
        "results_url": reverse("web:analytics"), "sort_options": _sort_options(),
        "can_snapshot": web.allowed_in_area(request.user, area.code, VIEW),  # a snapshot reads, it writes nothing
        "crumb_query": p.query(area=None, level=None, sort=None),
    }
    try:
        table = _measures(request, p)
    except AnalyticsError as exc:
        context["error"] = str(exc)
        job = context["job"] = _running_job(request.user, area)
        if job is not None:
            context["job_poll_url"] = _poll_url(job, request.get_full_path())
    else:
        context.update(_table_context(p, table))
        charts = context["charts"]
        charts["trend"] = _trend(request, p, table, charts.pop("china"))
        context["export_query"] = p.query(sort=None)
        context["rank_height"] = max(240, 26 * len(charts["rank"]["names"]) + 70)
        context["contrib_height"] = max(240, 26 * len(charts["contrib"]["names"]) + 90) if charts["contrib"] else 0
    return render_page(request, "web/analytics.html", context, partials={"analytics-results": "results"})


def _sort_options() -> list[tuple[str, str]]:
    labels = {k: str(label) for k, label, _kind in BASE_COLUMNS}
    options = [("", _("Area code")), ("name", _("Area name"))]
    options += [(f"-{k}", labels[k]) for k in BASE_KEYS if k in labels]
    for s in _set_names():
        options.append((f"-{s['code']}_m0", f"{s['name']}: M0"))
    return options


# --- downloads ------------------------------------------------------------------------------------


def _export(request, kind: str):
    area = _area(request)
    if area is None:
        raise Http404
    p = _params(request, area)
    try:
        table = _measures(request, p)
    except AnalyticsError as exc:
        messages.error(request, str(exc))
        return redirect(f"{reverse('web:analytics')}?{p.query()}")
    name = f"jingzhun-measures-{table.area.code}-{table.year}" + (f"-{table.compare}" if table.compare else "")
    if kind == "xlsx":
        response = HttpResponse(export.to_xlsx(table), content_type=XLSX)
    else:
        response = HttpResponse(export.to_csv(table).encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response


@login_required
def analytics_export(request):
    """The table as an xlsx workbook (same parameters as the page)."""
    return _export(request, "xlsx")


@login_required
def analytics_export_csv(request):
    """The table as CSV (UTF-8 with a byte-order mark, so that spreadsheet programs read the Chinese names)."""
    return _export(request, "csv")


# --- snapshots in the background ------------------------------------------------------------------


def _running_job(user, area: Area) -> Job | None:
    return (Job.objects.visible_to(user).filter(kind=JOB_KIND, area=area, status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
            .order_by("-created_at", "-id").first())


def _poll_url(job: Job, next_url: str) -> str:
    return f"{reverse('web:analytics_job', kwargs={'pk': job.pk})}?{urlencode({'next': next_url})}"


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith(reverse("web:analytics")) and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def _job_response(request, job: Job, next_url: str, *, status: int = 200):
    context = {"job": job, "next_url": next_url, "area": job.area, "poll_url": _poll_url(job, next_url),
               "running": job.status in (JobStatus.QUEUED, JobStatus.RUNNING)}
    template = "web/_analytics_job.html" if getattr(request, "htmx", False) else "web/analytics_job.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
@login_required
def analytics_snapshot(request):
    """Start a snapshot of the area in the background (or show the one already running)."""
    area = _area(request)
    if area is None:
        raise Http404
    next_url = _safe_next(request, f"{reverse('web:analytics')}?{urlencode({'area': area.prefix})}")
    job = _running_job(request.user, area)
    if job is None:
        try:
            job = job_start(actor=request.user, kind=JOB_KIND, area=area, params={"kind": "on_demand"}, task=snapshot_task, action=VIEW)
        except PermissionDenied:
            raise Http404 from None
    htmx = getattr(request, "htmx", False)
    if job.status == JobStatus.SUCCEEDED:  # a task backend that runs tasks at once (TASK_BACKEND=immediate)
        return HttpResponseClientRedirect(next_url) if htmx else redirect(next_url)
    if htmx:
        return _job_response(request, job, next_url, status=202)
    return redirect(_poll_url(job, next_url))


@login_required
def analytics_job(request, pk: int):
    """The progress of a snapshot job; htmx polls it and is sent back to the measures when the job succeeded."""
    job = get_visible_or_404(request.user, Job.objects.filter(kind=JOB_KIND).select_related("area"), VIEW, pk=pk)
    next_url = _safe_next(request, f"{reverse('web:analytics')}?{urlencode({'area': job.area.prefix})}")
    if job.status == JobStatus.SUCCEEDED and getattr(request, "htmx", False):
        return HttpResponseClientRedirect(next_url)
    return _job_response(request, job, next_url)
