"""Form pages of the register: each parses a form, calls one service, maps its errors back onto the fields."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from jingzhun.core.scoping import CHANGE
from jingzhun.registry import services
from jingzhun.registry.forms import (
    DeathForm,
    HouseholdForm,
    HouseholdRegisterForm,
    IncomeForm,
    MemberAddForm,
    PersonForm,
    add_service_errors,
)

from .. import selectors as web
from .common import login_required, render_page


def _form_page(request, context: dict):
    return render_page(request, "web/form.html", context, status=200)


@login_required
def household_new(request):
    """Register a household in a village (`?area=<village code>`) with its head."""
    if not request.GET.get("area"):
        messages.info(request, _("Choose the village of the new household first."))
        return redirect("web:home")
    village = web.village_for_register(request.user, request.GET["area"])
    form = HouseholdRegisterForm(request.POST or None)
    head = PersonForm(request.POST or None, prefix="head")
    if request.method == "POST" and form.is_valid() & head.is_valid():
        try:
            household = with_scope(services.household_register, actor=request.user, area=village,
                                   head=head.person_data(), **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(exc, form, prefixed={"head": head})
        else:
            messages.success(request, _("Household %(number)s registered.") % {"number": household.number})
            return redirect("web:household", pk=household.pk)
    return _form_page(request, {
        "title": _("Register a household"), "subtitle": village.name, "forms": [
            {"form": form, "legend": None}, {"form": head, "legend": _("Head of household")}],
        "crumbs": web.breadcrumb(request.user, village), "cancel_url": _area_url(village),
        "submit": _("Register"),
    })


def _area_url(area) -> str:
    return reverse("web:area", kwargs={"code": area.prefix})


def with_scope(service, **kwargs):
    """Call a service; an out-of-scope answer becomes a 404 (never reveal that an object exists elsewhere)."""
    try:
        return service(**kwargs)
    except PermissionDenied:
        raise Http404 from None


@login_required
def household_edit(request, pk: int):
    household = web.household_for(request.user, pk, CHANGE)
    form = HouseholdForm(request.POST or None, instance=household)
    if request.method == "POST" and form.is_valid():
        try:
            with_scope(services.household_update, actor=request.user, household=household, **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(exc, form)
        else:
            messages.success(request, _("Household data saved."))
            return redirect("web:household", pk=household.pk)
    return _form_page(request, {
        "title": _("Edit household %(number)s") % {"number": household.number}, "subtitle": household.head_name,
        "forms": [{"form": form}], "household": household, "submit": _("Save"),
        "crumbs": web.breadcrumb(request.user, household.area), "cancel_url": household_url(household),
    })


def household_url(household) -> str:
    return reverse("web:household", kwargs={"pk": household.pk})


@login_required
def member_add(request, pk: int):
    household = web.household_for(request.user, pk, CHANGE)
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with_scope(services.person_add, actor=request.user, household=household, data=form.person_data(),
                       relation=form.cleaned_data["relation"], date=form.cleaned_data["date"],
                       reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(exc, form)
        else:
            messages.success(request, _("Member added."))
            return redirect("web:household", pk=household.pk)
    return _form_page(request, {
        "title": _("Add a member"), "subtitle": f"{household.number} {household.head_name}",
        "forms": [{"form": form}], "household": household, "submit": _("Add member"),
        "crumbs": web.breadcrumb(request.user, household.area), "cancel_url": household_url(household),
    })


@login_required
def person_edit(request, pk: int):
    person = web.person_for(request.user, pk, CHANGE)
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            with_scope(services.person_update, actor=request.user, person=person, **form.person_data())
        except ValidationError as exc:
            add_service_errors(exc, form)
        else:
            messages.success(request, _("Member data saved."))
            return _back_to_household(person)
    return _form_page(request, {
        "title": _("Edit member %(name)s") % {"name": person.name}, "subtitle": person.masked_id,
        "forms": [{"form": form}], "household": person.household, "submit": _("Save"),
        "crumbs": web.breadcrumb(request.user, person.area), "cancel_url": _person_back_url(person),
    })


@login_required
def person_death(request, pk: int):
    person = web.person_for(request.user, pk, CHANGE)
    household = person.household
    form = DeathForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with_scope(services.person_record_death, actor=request.user, person=person,
                       death_date=form.cleaned_data["death_date"])
        except ValidationError as exc:
            add_service_errors(exc, form)
        else:
            messages.success(request, _("The death of %(name)s is recorded.") % {"name": person.name})
            return redirect("web:household", pk=household.pk) if household else redirect("web:home")
    return _form_page(request, {
        "title": _("Record the death of %(name)s") % {"name": person.name}, "subtitle": person.masked_id,
        "forms": [{"form": form}], "household": household, "submit": _("Record death"), "danger": True,
        "crumbs": web.breadcrumb(request.user, person.area), "cancel_url": _person_back_url(person),
    })


@login_required
def income_set(request, pk: int):
    """Create or replace one year's income (`?year=` opens an existing year for correction)."""
    household = web.household_for(request.user, pk, CHANGE)
    record = web.income_for_year(request.user, household, request.GET.get("year"))
    form = IncomeForm(request.POST or None, instance=record, household=household)
    if request.method == "POST" and form.is_valid():
        try:
            with_scope(services.income_set, actor=request.user, household=household, **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(exc, form)
        else:
            messages.success(request, _("Income for %(year)s saved.") % {"year": form.cleaned_data["year"]})
            return redirect("web:household", pk=household.pk)
    return _form_page(request, {
        "title": _("Income for %(year)s") % {"year": record.year} if record else _("Record a year's income"),
        "subtitle": f"{household.number} {household.head_name}", "household": household,
        "forms": [{"form": form}], "submit": _("Save"),
        "crumbs": web.breadcrumb(request.user, household.area), "cancel_url": household_url(household),
    })


def _back_to_household(person):
    return redirect("web:household", pk=person.household_id) if person.household_id else redirect("web:home")


def _person_back_url(person) -> str:
    return reverse("web:household", kwargs={"pk": person.household_id}) if person.household_id else reverse("web:home")
