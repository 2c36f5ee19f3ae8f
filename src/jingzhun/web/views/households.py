"""Household list (filter + live search), household card, and revealing a member's full identity number."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jingzhun.core.paging import CappedPaginator
from jingzhun.core.scoping import CHANGE, UNMASK
from jingzhun.registry import services
from jingzhun.registry.filters import HouseholdFilter
from jingzhun.registry.selectors import household_detail, household_members

from .. import selectors as web
from .cases import procedures_context
from .common import login_required, render_page

PAGE_SIZE = 50


def _filter(request) -> HouseholdFilter:
    f = HouseholdFilter(request.GET or None, request=request)
    fields = f.form.fields
    for name in ("status", "cause"):
        fields[name].empty_label = _("All")
        fields[name].widget.choices = fields[name].choices  # the widget kept the class-level field's iterator
    fields["q"].widget.input_type = "search"
    fields["q"].widget.attrs.update({"placeholder": _("Name, pinyin, initials or ID number"), "autocomplete": "off",
                                     "autofocus": True})
    fields["area"].widget.attrs.update({"placeholder": _("e.g. 522633"), "inputmode": "numeric", "maxlength": 12})
    fields["year"].widget.attrs.update({"min": 1990, "max": 2100})
    return f


@login_required
def household_list(request):
    f = _filter(request)
    page_obj = CappedPaginator(f.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filter": f, "page_obj": page_obj, "results_url": request.path}
    return render_page(request, "web/household_list.html", context, partials={"household-results": "results"})


@login_required
def household_card(request, pk: int):
    user = request.user
    household = household_detail(user, pk)
    incomes = web.household_incomes(user, household)
    context = {
        "household": household,
        "crumbs": web.breadcrumb(user, household.area),
        "members": household_members(household),
        "incomes": incomes,
        "chart": web.income_chart_data(incomes) if incomes else None,
        "chart_labels": {"income": str(_("Per-capita net income")), "line": str(_("Poverty line")),
                         "unit": str(_("yuan"))},
        "status_history": web.household_status_history(user, household),
        "audit_trail": web.household_audit_trail(user, household),
        "can_change": web.allowed_in_area(user, household.area_id, CHANGE),
        "can_unmask": web.allowed_in_area(user, household.area_id, UNMASK),
        **procedures_context(user, household),  # the "Procedures" and "Measures" sections
    }
    return render_page(request, "web/household_card.html", context)


@never_cache
@require_POST
@login_required
def person_reveal_id(request, pk: int):
    """The member's full identity number (audited by the service); 404 when out of scope or not allowed to unmask."""
    person = web.person_for(request.user, pk, UNMASK)
    try:
        number = services.person_reveal_id(actor=request.user, person=person)
    except PermissionDenied:
        raise Http404 from None
    context = {"person": person, "number": number}
    if getattr(request, "htmx", False):
        return render(request, "web/household_card.html#revealed_id", context)
    return render(request, "web/revealed_id.html", context)
