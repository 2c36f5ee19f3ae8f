"""Landing page and the area drill-down (province > ... > village, then the village's households)."""

from __future__ import annotations

from django.shortcuts import redirect

from jingzhun.accounts.selectors import home_area
from jingzhun.areas.models import Level
from jingzhun.core.paging import CappedPaginator
from jingzhun.core.scoping import CHANGE, SIGNIFICANT_DIGITS
from jingzhun.policy.selectors import poverty_line
from jingzhun.procedures.selectors import case_counts
from jingzhun.registry.selectors import area_children_stats, household_list, latest_income_year

from .. import selectors as web
from .common import login_required, render_page

PAGE_SIZE = 50


@login_required
def home(request):
    """The drill-down of the user's home area (the country for a superuser)."""
    if request.user.is_superuser:
        return redirect("web:areas")
    area = home_area(request.user)
    if area is None:
        return render_page(request, "web/no_scope.html", {})
    return redirect("web:area", code=area.prefix)


@login_required
def areas(request):
    """The top of the drill-down: provinces for a superuser; otherwise the user's own areas."""
    user = request.user
    if user.is_superuser:
        rows = area_children_stats(user, None)
    else:
        roots = web.scope_roots(user)
        if len(roots) == 1:
            return redirect("web:area", code=roots[0].prefix)
        rows = []
        codes = {a.code for a in roots}
        for parent in {a.parent_id: a.parent for a in roots}.values():
            rows += [r for r in area_children_stats(user, parent) if r["area"].code in codes]
    context = _context(request, None, rows)
    if not user.is_superuser:
        context["child_level"] = None  # "your areas", possibly of different levels
    return render_page(request, "web/area.html", context)


@login_required
def area(request, code: str):
    area = web.area_for(request.user, code)
    rows = area_children_stats(request.user, area)
    return render_page(request, "web/area.html", _context(request, area, rows), partials={"household-results": "results"})


def _context(request, area, rows) -> dict:
    user = request.user
    year = latest_income_year(user)
    line = poverty_line(year, area.code if area else None) if year else None
    context = {
        "area": area, "rows": rows, "crumbs": web.breadcrumb(user, area),
        "latest_year": year, "line": line,
        "child_level": Level(area.level + 1).label if area and area.level < Level.VILLAGE else (
            Level.PROVINCE.label if area is None else None),
    }
    if area is not None:
        context["cases"] = case_counts(user, area.code[: SIGNIFICANT_DIGITS[area.level]])
    if area is not None and area.level == Level.VILLAGE:
        households = household_list(user, area_code=area.code).select_related("area")
        context["page_obj"] = CappedPaginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
        context["summary"] = web.village_totals(user, area)
        context["can_register"] = web.allowed_in_area(user, area.code, CHANGE)
        context["results_url"] = request.path
    else:
        context["summary"] = web.totals(rows)
    return context
