"""The pairing ledger pages (issue 6): funds, projects, the six other ledgers and their imports.

* ``/pairing/<pk>/funds/``: the append-only fund ledger of a partnership (filters by source, kind and year, 50
  rows a page; a correction is shown against the entry it reverses), totals by source and kind
  (``pairing.selectors.fund_totals``, corrections netted), the form recording an entry (``services.fund_record``)
  and, per entry, "correct" asking for the reason (``services.fund_correct``). Entries are never edited or deleted.
* ``/pairing/<pk>/projects/`` and ``/pairing/<pk>/projects/<id>/``: projects by status, the create form
  (``projects.project_create``), one project's status with "advance", its outputs, beneficiary households (number
  and village only) and fund entries.
* ``/pairing/<pk>/<kind>/`` for the ledgers of ``pairing.ledgers.LEDGERS``: list, create form (a ModelForm over the
  spec's fields, written by ``ledger_create``), ``/<record>/`` edit, delete and linked persons (masked identity
  numbers only).
* ``/pairing/<pk>/import/<kind>/``: upload a CSV or xlsx file (``ledger_import``); all rows or none are written.

Every page starts from ``Partnership.objects.visible_to(user)``: a partnership outside the user's scope (or a record
of another partnership) is a 404. Writes go through the services, which check CHANGE scope on one side of the
partnership; a refusal is a 403 page with the service's message, a ValidationError is mapped onto the form's fields
and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jingzhun.areas.models import Area
from jingzhun.core.scoping import VIEW, in_scope
from jingzhun.pairing import ledger_import, ledgers
from jingzhun.pairing import projects as project_services
from jingzhun.pairing import services as pairing_services
from jingzhun.pairing.models import (
    PROJECT_ORDER,
    BenefitType,
    FundEntry,
    FundKind,
    FundSource,
    OutputKind,
    Partnership,
    Project,
    ProjectStatus,
)
from jingzhun.pairing.selectors import fund_totals
from jingzhun.registry.forms import DATE_WIDGET, add_service_errors
from jingzhun.registry.identity import mask
from jingzhun.registry.models import Household, Person

from .common import login_required, render_page
from .pairing import ledger_links, may_change, partnership_for

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_EXTENSIONS = (".csv", ".xlsx")


# --- reads and shared helpers ----------------------------------------------------------------------


def partnership_url(partnership: Partnership) -> str:
    """The partnership's own page when the pairing pages define one, else its fund ledger."""
    try:
        return reverse("web:pairing_detail", kwargs={"pk": partnership.pk})
    except NoReverseMatch:
        return reverse("web:pairing_funds", kwargs={"pk": partnership.pk})


def _tabs(partnership: Partnership, current: str) -> list[dict]:
    """The partnership's ledger tabs, the current one marked."""
    return [{**link, "current": link["key"] == current} for link in ledger_links(partnership)]


def _base_context(request, partnership: Partnership, current: str) -> dict:
    return {"nav": "pairing", "partnership": partnership, "partnership_url": partnership_url(partnership),
            "tabs": _tabs(partnership, current), "can_change": may_change(request.user, partnership),
            "import_url": reverse("web:pairing_ledger_import", kwargs={"pk": partnership.pk, "kind": current})}


def _year(request) -> int | None:
    try:
        year = int(request.GET.get("year") or "")
    except ValueError:
        return None
    return year if 1949 < year < 2100 else None


def _year_range(year: int | None) -> tuple[dt.date | None, dt.date | None]:
    return (dt.date(year, 1, 1), dt.date(year, 12, 31)) if year else (None, None)


def _messages_of(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return list(exc.messages)
    return [str(exc.args[0]) if exc.args and exc.args[0] else _("This partnership is outside your responsibility.")]


def _has_code(exc: ValidationError, code: str) -> bool:
    errors = [e for errors in exc.error_dict.values() for e in errors] if hasattr(exc, "error_dict") else exc.error_list
    return any(getattr(e, "code", None) == code for e in errors)


# --- funds -----------------------------------------------------------------------------------------


class FundForm(forms.Form):
    """Parses the fund form; the amount stays text so that the service's own checks (sign, cents) answer."""

    date = forms.DateField(label=gettext_lazy("Date"), widget=DATE_WIDGET)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=FundKind.choices)
    source = forms.ChoiceField(label=gettext_lazy("Source"), choices=FundSource.choices)
    amount = forms.CharField(label=gettext_lazy("Amount (yuan)"), max_length=24,
                             widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
    project = forms.ModelChoiceField(label=gettext_lazy("Project"), queryset=Project.objects.none(), required=False,
                                     empty_label=gettext_lazy("(not tied to a project)"))
    note = forms.CharField(label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, partnership: Partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(partnership=partnership).order_by("code")
        self.fields["kind"].help_text = _("Pledged funds are recorded by the eastern side.")


def fund_entries(partnership: Partnership, *, source: str = "", kind: str = "", year: int | None = None):
    """The partnership's entries (oldest first) with the id of the correction reversing each, if any."""
    qs = (FundEntry.objects.filter(partnership=partnership).select_related("project", "recorded_by")
          .annotate(corrected_by=Subquery(FundEntry.objects.filter(corrects=OuterRef("pk")).values("pk")[:1])))
    if source:
        qs = qs.filter(source=source)
    if kind:
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(date__year=year)
    return qs.order_by("date", "id")


def _fund_page(request, partnership: Partnership, *, form=None, status: int = 200, error: list[str] | None = None,
               correct_errors: dict | None = None):
    source = request.GET.get("source") if request.GET.get("source") in FundSource.values else ""
    kind = request.GET.get("kind") if request.GET.get("kind") in FundKind.values else ""
    year = _year(request)
    start, end = _year_range(year)
    page_obj = Paginator(fund_entries(partnership, source=source, kind=kind, year=year), PAGE_SIZE).get_page(request.GET.get("page"))
    totals = fund_totals(partnership=partnership, start=start, end=end)
    total_rows = [{"source": label, "values": [totals[value][k] for k in FundKind.values]} for value, label in FundSource.choices]
    column_totals = [sum((totals[s][k] for s in FundSource.values), Decimal("0")) for k in FundKind.values]
    context = {
        **_base_context(request, partnership, "funds"),
        "form": form if form is not None else FundForm(partnership=partnership, initial={"date": timezone.localdate()}),
        "page_obj": page_obj, "kinds": FundKind.choices, "sources": FundSource.choices,
        "f": {"source": source, "kind": kind, "year": year or ""}, "total_rows": total_rows, "column_totals": column_totals,
        "error": error or [], "correct_errors": correct_errors or {},
        "years": _fund_years(partnership),
    }
    return render_page(request, "web/pairing/fund_list.html", context, status=status)


def _fund_years(partnership: Partnership) -> list[int]:
    return sorted({d.year for d in FundEntry.objects.filter(partnership=partnership).dates("date", "year")}, reverse=True)


@login_required
def funds(request, pk: int):
    """The fund ledger; POST records an entry."""
    partnership = partnership_for(request.user, pk)
    if request.method != "POST":
        return _fund_page(request, partnership)
    form = FundForm(request.POST, partnership=partnership)
    if not form.is_valid():
        return _fund_page(request, partnership, form=form, status=400)
    data = form.cleaned_data
    try:
        entry = pairing_services.fund_record(actor=request.user, partnership=partnership, date=data["date"], kind=data["kind"],
                                             source=data["source"], amount=data["amount"], project=data["project"], note=data["note"])
    except PermissionDenied as exc:
        return _fund_page(request, partnership, form=form, status=403, error=_messages_of(exc))
    except ValidationError as exc:
        add_service_errors(exc, form)
        return _fund_page(request, partnership, form=form, status=400)
    messages.success(request, _("Entry %(id)s recorded: %(kind)s %(amount)s yuan.")
                     % {"id": entry.pk, "kind": entry.get_kind_display(), "amount": entry.amount})
    return redirect("web:pairing_funds", pk=partnership.pk)


@require_POST
@login_required
def fund_correct(request, pk: int, entry_pk: int):
    """Reverse one entry (the reason is required); the correction nets the entry in every total."""
    partnership = partnership_for(request.user, pk)
    entry = get_object_or_404(FundEntry.objects.filter(partnership=partnership), pk=entry_pk)
    note = (request.POST.get("note") or "").strip()
    try:
        correction = pairing_services.fund_correct(actor=request.user, entry=entry, note=note)
    except PermissionDenied as exc:
        return _fund_page(request, partnership, status=403, error=_messages_of(exc))
    except ValidationError as exc:
        return _fund_page(request, partnership, status=400, correct_errors={entry.pk: _messages_of(exc)},
                          error=[_("Entry %(id)s was not corrected.") % {"id": entry.pk}])
    messages.success(request, _("Entry %(id)s corrected by entry %(correction)s.") % {"id": entry.pk, "correction": correction.pk})
    return redirect(reverse("web:pairing_funds", kwargs={"pk": partnership.pk}) + _filters_query(request))


def _filters_query(request) -> str:
    keep = {k: request.POST.get(k) for k in ("source", "kind", "year", "page") if request.POST.get(k)}
    return "?" + urlencode(keep) if keep else ""


# --- projects --------------------------------------------------------------------------------------


class ProjectForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    code = forms.CharField(label=gettext_lazy("Project code"), max_length=50)
    budget = forms.CharField(label=gettext_lazy("Budget (yuan)"), max_length=24, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    village = forms.CharField(label=gettext_lazy("Village code"), max_length=12, min_length=12,
                              help_text=gettext_lazy("The 12-digit code of the village where the project is built."),
                              widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{12}"}))
    start_date = forms.DateField(label=gettext_lazy("Start date"), required=False, widget=DATE_WIDGET)
    end_date = forms.DateField(label=gettext_lazy("End date"), required=False, widget=DATE_WIDGET)


class OutputForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Output"), choices=OutputKind.choices)
    count = forms.CharField(label=gettext_lazy("Count"), max_length=16, widget=forms.TextInput(attrs={"inputmode": "decimal"}))


class BeneficiaryForm(forms.Form):
    household = forms.CharField(label=gettext_lazy("Household number or id"), max_length=20,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    benefit = forms.ChoiceField(label=gettext_lazy("Benefit type"), choices=BenefitType.choices)
    amount = forms.CharField(label=gettext_lazy("Amount (yuan)"), max_length=24, required=False,
                             widget=forms.TextInput(attrs={"inputmode": "decimal"}))


def _project_list_page(request, partnership: Partnership, *, form=None, status: int = 200, error: list[str] | None = None):
    state = request.GET.get("status") if request.GET.get("status") in ProjectStatus.values else ""
    qs = Project.objects.filter(partnership=partnership).select_related("village").order_by("code", "id")
    if state:
        qs = qs.filter(status=state)
    page_obj = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {**_base_context(request, partnership, "projects"), "page_obj": page_obj, "statuses": ProjectStatus.choices,
               "f": {"status": state}, "form": form if form is not None else ProjectForm(), "error": error or []}
    return render_page(request, "web/pairing/project_list.html", context, status=status)


@login_required
def project_list(request, pk: int):
    """The partnership's projects; POST creates one (in the project library)."""
    partnership = partnership_for(request.user, pk)
    if request.method != "POST":
        return _project_list_page(request, partnership)
    form = ProjectForm(request.POST)
    if not form.is_valid():
        return _project_list_page(request, partnership, form=form, status=400)
    data = form.cleaned_data
    village = Area.objects.filter(code=data["village"]).first()
    if village is None:
        form.add_error("village", _("No area has this code."))
        return _project_list_page(request, partnership, form=form, status=400)
    try:
        project = project_services.project_create(actor=request.user, partnership=partnership, name=data["name"], code=data["code"],
                                                  budget=data["budget"], village=village, start_date=data["start_date"],
                                                  end_date=data["end_date"])
    except PermissionDenied as exc:
        return _project_list_page(request, partnership, form=form, status=403, error=_messages_of(exc))
    except ValidationError as exc:
        add_service_errors(exc, form)
        return _project_list_page(request, partnership, form=form, status=400)
    messages.success(request, _("Project %(code)s created.") % {"code": project.code})
    return redirect("web:pairing_project", pk=partnership.pk, project_pk=project.pk)


def _project_for(partnership: Partnership, project_pk: int) -> Project:
    return get_object_or_404(Project.objects.filter(partnership=partnership).select_related("village"), pk=project_pk)


def _next_status(project: Project) -> tuple[str, str] | None:
    index = PROJECT_ORDER.index(project.status)
    if index + 1 >= len(PROJECT_ORDER):
        return None
    value = PROJECT_ORDER[index + 1]
    return value, ProjectStatus(value).label


def _project_page(request, partnership: Partnership, project: Project, *, status: int = 200, error: list[str] | None = None,
                  output_form=None, beneficiary_form=None, advance_error: list[str] | None = None):
    beneficiaries = list(project.beneficiaries.select_related("household__area").order_by("household__number", "id"))
    entries = fund_entries(partnership).filter(project=project)
    counts = project_services.beneficiaries_count(projects=[project])
    context = {
        **_base_context(request, partnership, "projects"), "project": project, "next_status": _next_status(project),
        "steps": [{"value": value, "label": label, "done": PROJECT_ORDER.index(value) <= PROJECT_ORDER.index(project.status),
                   "current": value == project.status} for value, label in ProjectStatus.choices],
        "outputs": project.outputs.order_by("kind", "id"), "beneficiaries": beneficiaries, "beneficiary_counts": counts,
        "entries": entries, "output_form": output_form or OutputForm(), "beneficiary_form": beneficiary_form or BeneficiaryForm(),
        "error": error or [], "advance_error": advance_error or [],
    }
    return render_page(request, "web/pairing/project_detail.html", context, status=status)


@login_required
def project_detail(request, pk: int, project_pk: int):
    partnership = partnership_for(request.user, pk)
    return _project_page(request, partnership, _project_for(partnership, project_pk))


@require_POST
@login_required
def project_advance(request, pk: int, project_pk: int):
    """Move the project to the next status (a project is completed only with outputs)."""
    partnership = partnership_for(request.user, pk)
    project = _project_for(partnership, project_pk)
    to = request.POST.get("to") or ""
    try:
        project = project_services.project_advance(actor=request.user, project=project, to=to)
    except PermissionDenied as exc:
        return _project_page(request, partnership, project, status=403, error=_messages_of(exc))
    except ValidationError as exc:
        errors = _messages_of(exc)
        if _has_code(exc, "completed_without_outputs"):
            errors.append(_("Record at least one output (school, clinic, road, ...) below, then mark the project completed."))
        return _project_page(request, partnership, project, status=400, advance_error=errors)
    messages.success(request, _("Project %(code)s is now: %(status)s.") % {"code": project.code, "status": project.get_status_display()})
    return redirect("web:pairing_project", pk=partnership.pk, project_pk=project.pk)


@require_POST
@login_required
def project_output(request, pk: int, project_pk: int):
    partnership = partnership_for(request.user, pk)
    project = _project_for(partnership, project_pk)
    form = OutputForm(request.POST)
    if not form.is_valid():
        return _project_page(request, partnership, project, status=400, output_form=form)
    try:
        project_services.output_add(actor=request.user, project=project, kind=form.cleaned_data["kind"], count=form.cleaned_data["count"])
    except PermissionDenied as exc:
        return _project_page(request, partnership, project, status=403, error=_messages_of(exc), output_form=form)
    except ValidationError as exc:
        add_service_errors(exc, form)
        return _project_page(request, partnership, project, status=400, output_form=form)
    messages.success(request, _("Output added."))
    return redirect("web:pairing_project", pk=partnership.pk, project_pk=project.pk)


def household_lookup(partnership: Partnership, value: str) -> Household | None:
    """A household of the partnership's western area by its number, or by its id (digits that are not a number)."""
    qs = Household.objects.filter(area__code__startswith=partnership.west_area.prefix)
    value = value.strip()
    found = qs.filter(number=value).first()
    if found is None and value.isdigit() and len(value) < 12:
        found = qs.filter(pk=int(value)).first()
    return found


@require_POST
@login_required
def project_beneficiary(request, pk: int, project_pk: int):
    partnership = partnership_for(request.user, pk)
    project = _project_for(partnership, project_pk)
    form = BeneficiaryForm(request.POST)
    if not form.is_valid():
        return _project_page(request, partnership, project, status=400, beneficiary_form=form)
    household = household_lookup(partnership, form.cleaned_data["household"])
    if household is None:
        form.add_error("household", _("No household with this number or id in the partnership's western area."))
        return _project_page(request, partnership, project, status=400, beneficiary_form=form)
    try:
        project_services.beneficiary_add(actor=request.user, project=project, household=household, benefit=form.cleaned_data["benefit"],
                                         amount=form.cleaned_data["amount"] or None)
    except PermissionDenied as exc:
        return _project_page(request, partnership, project, status=403, error=_messages_of(exc), beneficiary_form=form)
    except ValidationError as exc:
        add_service_errors(exc, form)
        return _project_page(request, partnership, project, status=400, beneficiary_form=form)
    messages.success(request, _("Household %(number)s added as a beneficiary.") % {"number": household.number})
    return redirect("web:pairing_project", pk=partnership.pk, project_pk=project.pk)


# --- the six other ledgers -------------------------------------------------------------------------


def ledger_spec(kind: str):
    spec = ledgers.LEDGERS.get(kind)
    if spec is None:
        raise Http404
    return spec


def _fk_target(model, name: str):
    field = model._meta.get_field(name)
    return field.related_model if isinstance(field, models.ForeignKey) else None


class LedgerFormBase(forms.ModelForm):
    """Renders and parses a ledger record's fields; validation and writing belong to ``pairing.ledgers``.

    A foreign key to an area is a 12-digit code field and one to a person an identity number field (never a list of
    every area or person); their text goes to the service as typed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model = self._meta.model
        for name in list(self.fields):
            target = _fk_target(model, name)
            if target is None:
                field = self.fields[name]
                if isinstance(field, forms.DateField):
                    field.widget = DATE_WIDGET
                continue
            old = self.fields[name]
            if target is Area:
                new = forms.CharField(label=old.label, required=old.required, max_length=12,
                                      help_text=_("The 12-digit area code."),
                                      widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
                value = getattr(self.instance, f"{name}_id", None) if self.instance.pk else None
                self.initial[name] = value or ""
            else:
                new = forms.CharField(label=old.label, required=False, max_length=18,
                                      help_text=_("The person's identity number, if registered."),
                                      widget=forms.TextInput(attrs={"autocomplete": "off"}))
                self.initial[name] = ""
                person = getattr(self.instance, name, None) if self.instance.pk else None
                if person is not None:
                    new.help_text = _("Now: %(masked)s. Leave blank to keep.") % {"masked": mask(person.id_number)}
            self.fields[name] = new
        if "person" in self.fields and "name" in self.fields:  # the service takes the name from the linked person
            self.fields["name"].required = False
            self.fields["name"].help_text = _("Leave blank to take it from the person.")

    def _post_clean(self):  # no model validation: the service validates
        pass

    def service_data(self, *, only_changed: bool = False) -> dict:
        names = self.changed_data if only_changed else list(self.fields)
        out = {}
        for name in names:
            if name not in self.cleaned_data:
                continue
            value = self.cleaned_data[name]
            if only_changed and _fk_target(self._meta.model, name) is not None and _fk_target(self._meta.model, name) is not Area \
                    and not value:
                continue  # a blank person field keeps the linked person
            out[name] = value
        return out


def ledger_form_class(spec):
    return forms.modelform_factory(spec.model, form=LedgerFormBase, fields=list(spec.fields))


def _columns(spec) -> list[dict]:
    out = []
    for name in spec.fields:
        field = spec.model._meta.get_field(name)
        out.append({"name": name, "label": field.verbose_name, "num": isinstance(field, (models.DecimalField, models.IntegerField)),
                    "money": isinstance(field, models.DecimalField)})
    return out


def _cell(record, column: dict):
    name = column["name"]
    field = record._meta.get_field(name)
    if field.choices:
        return getattr(record, f"get_{name}_display")()
    if isinstance(field, models.ForeignKey):
        target = getattr(record, name)
        if target is None:
            return ""
        if isinstance(target, Person):
            return f"{target.name} {mask(target.id_number)}"
        if isinstance(target, Area):
            return target.name
        return str(target)
    value = getattr(record, name)
    if isinstance(field, models.BooleanField):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _map_errors(exc: ValidationError, form) -> None:
    """The service's {field: messages} onto the form; a key that is no field of the form is a form-level error."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for key, errors in exc.error_dict.items():
        texts = [m for e in errors for m in e.messages]
        if key != NON_FIELD_ERRORS and key in form.fields:
            form.add_error(key, texts)
        else:
            label = form.fields[key].label if key in form.fields else key
            form.add_error(None, [f"{label}: {t}" if key != NON_FIELD_ERRORS else t for t in texts])


def _ledger_list_page(request, partnership: Partnership, kind: str, spec, *, form=None, status: int = 200, error=None):
    year = _year(request)
    qs = spec.model.objects.filter(partnership=partnership).order_by("-date", "-id")
    fk = [name for name in spec.fields if _fk_target(spec.model, name) is not None]
    if fk:
        qs = qs.select_related(*fk)
    if year:
        qs = qs.filter(date__year=year)
    page_obj = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    columns = _columns(spec)
    rows = [{"record": r, "cells": [{"value": _cell(r, c), **c} for c in columns],
             "url": reverse("web:pairing_ledger_edit", kwargs={"pk": partnership.pk, "kind": kind, "record_pk": r.pk})}
            for r in page_obj]
    years = sorted({d.year for d in spec.model.objects.filter(partnership=partnership).dates("date", "year")}, reverse=True)
    context = {**_base_context(request, partnership, kind), "kind": kind, "spec": spec, "columns": columns, "rows": rows,
               "page_obj": page_obj, "f": {"year": year or ""}, "years": years,
               "form": form if form is not None else ledger_form_class(spec)(), "error": error or []}
    return render_page(request, "web/pairing/ledger_list.html", context, status=status)


@login_required
def ledger_list(request, pk: int, kind: str):
    """One ledger of the partnership; POST records a new row through ``ledger_create``."""
    partnership = partnership_for(request.user, pk)
    spec = ledger_spec(kind)
    if request.method != "POST":
        return _ledger_list_page(request, partnership, kind, spec)
    form = ledger_form_class(spec)(request.POST)
    if not form.is_valid():
        return _ledger_list_page(request, partnership, kind, spec, form=form, status=400)
    try:
        record = ledgers.ledger_create(actor=request.user, kind=kind, partnership=partnership, data=form.service_data())
    except PermissionDenied as exc:
        return _ledger_list_page(request, partnership, kind, spec, form=form, status=403, error=_messages_of(exc))
    except ValidationError as exc:
        _map_errors(exc, form)
        return _ledger_list_page(request, partnership, kind, spec, form=form, status=400)
    messages.success(request, _("Record %(id)s saved.") % {"id": record.pk})
    return redirect("web:pairing_ledger", pk=partnership.pk, kind=kind)


def _record_for(partnership: Partnership, spec, record_pk: int):
    return get_object_or_404(spec.model.objects.filter(partnership=partnership), pk=record_pk)


def _link_field(spec) -> str | None:
    if spec.link_model is None:
        return None
    for field in spec.link_model._meta.fields:
        if field.is_relation and field.related_model is spec.model:
            return field.name
    return None


def _links(spec, record) -> list:
    name = _link_field(spec)
    if name is None:
        return []
    return list(spec.link_model.objects.filter(**{name: record}).select_related("person").order_by("person__name", "id"))


def _ledger_edit_page(request, partnership: Partnership, kind: str, spec, record, *, form=None, status: int = 200, error=None,
                      link_errors=None, link_value: str = "", confirm_delete: bool = False):
    # names only for persons in the user's own scope (an eastern officer sees the western persons masked)
    links = [{"pk": link.pk, "person": link.person, "masked_id": mask(link.person.id_number), "registered": link.registered,
              "name": link.person.name if in_scope(request.user, link.person.area_id, VIEW) else "–"} for link in _links(spec, record)]
    context = {**_base_context(request, partnership, kind), "kind": kind, "spec": spec, "record": record,
               "form": form if form is not None else ledger_form_class(spec)(instance=record), "error": error or [],
               "has_links": spec.link_model is not None, "links": links, "link_errors": link_errors or [], "link_value": link_value,
               "confirm_delete": confirm_delete,
               "list_url": reverse("web:pairing_ledger", kwargs={"pk": partnership.pk, "kind": kind}),
               "edit_url": reverse("web:pairing_ledger_edit", kwargs={"pk": partnership.pk, "kind": kind, "record_pk": record.pk})}
    return render_page(request, "web/pairing/ledger_edit.html", context, status=status)


@login_required
def ledger_edit(request, pk: int, kind: str, record_pk: int):
    """One record: edit (``ledger_update`` with the changed fields), linked persons, delete."""
    partnership = partnership_for(request.user, pk)
    spec = ledger_spec(kind)
    record = _record_for(partnership, spec, record_pk)
    if request.method != "POST":
        return _ledger_edit_page(request, partnership, kind, spec, record, confirm_delete=request.GET.get("delete") == "1")
    form = ledger_form_class(spec)(request.POST, instance=spec.model.objects.get(pk=record.pk))
    if not form.is_valid():
        return _ledger_edit_page(request, partnership, kind, spec, record, form=form, status=400)
    data = form.service_data(only_changed=True)
    if not data:
        messages.info(request, _("Nothing was changed."))
        return redirect("web:pairing_ledger_edit", pk=partnership.pk, kind=kind, record_pk=record.pk)
    try:
        ledgers.ledger_update(actor=request.user, record=record, data=data)
    except PermissionDenied as exc:
        return _ledger_edit_page(request, partnership, kind, spec, record, form=form, status=403, error=_messages_of(exc))
    except ValidationError as exc:
        _map_errors(exc, form)
        return _ledger_edit_page(request, partnership, kind, spec, _record_for(partnership, spec, record_pk), form=form, status=400)
    messages.success(request, _("Record %(id)s saved.") % {"id": record.pk})
    return redirect("web:pairing_ledger_edit", pk=partnership.pk, kind=kind, record_pk=record.pk)


@require_POST
@login_required
def ledger_delete(request, pk: int, kind: str, record_pk: int):
    """Delete a record after the confirmation (``?delete=1`` on the record's page shows it)."""
    partnership = partnership_for(request.user, pk)
    spec = ledger_spec(kind)
    record = _record_for(partnership, spec, record_pk)
    if request.POST.get("confirm") != "yes":
        return redirect(reverse("web:pairing_ledger_edit", kwargs={"pk": pk, "kind": kind, "record_pk": record_pk}) + "?delete=1")
    try:
        ledgers.ledger_delete(actor=request.user, record=record)
    except PermissionDenied as exc:
        return _ledger_edit_page(request, partnership, kind, spec, record, status=403, error=_messages_of(exc))
    except ValidationError as exc:
        return _ledger_edit_page(request, partnership, kind, spec, record, status=400, error=_messages_of(exc))
    messages.success(request, _("Record %(id)s deleted.") % {"id": record_pk})
    return redirect("web:pairing_ledger", pk=partnership.pk, kind=kind)


def _split_ids(text: str) -> list[str]:
    return [part.strip().upper() for part in text.replace(",", "\n").replace("，", "\n").replace(";", "\n").split() if part.strip()]


@require_POST
@login_required
def ledger_people(request, pk: int, kind: str, record_pk: int):
    """Link persons (identity numbers, one a line) of the partnership's western area to a session or transfer, or
    unlink one (``unlink=<person id>``)."""
    partnership = partnership_for(request.user, pk)
    spec = ledger_spec(kind)
    if spec.link_model is None:
        raise Http404
    record = _record_for(partnership, spec, record_pk)
    text = request.POST.get("id_numbers") or ""
    try:
        if request.POST.get("unlink"):
            link_field = _link_field(spec)
            link = get_object_or_404(spec.link_model.objects.filter(**{link_field: record}).select_related("person"),
                                     person_id=request.POST["unlink"] if request.POST["unlink"].isdigit() else 0)
            ledgers.people_unlink(actor=request.user, record=record, person=link.person)
            messages.success(request, _("%(name)s unlinked.") % {"name": mask(link.person.id_number)})
        else:
            numbers = _split_ids(text)
            if not numbers:
                return _ledger_edit_page(request, partnership, kind, spec, record, status=400, link_value=text,
                                         link_errors=[_("Enter at least one identity number.")])
            found = {p.id_number: p for p in Person.objects.filter(id_number__in=numbers, area__code__startswith=partnership.west_area.prefix,
                                                                  death_date__isnull=True)}
            missing = [n for n in numbers if n not in found]
            if missing:
                return _ledger_edit_page(request, partnership, kind, spec, record, status=400, link_value=text, link_errors=[
                    _("No living person with the identity number %(masked)s in the partnership's western area.") % {"masked": mask(n)}
                    for n in missing])
            created = ledgers.people_link(actor=request.user, record=record, persons=list(found.values()))
            messages.success(request, _("%(count)s persons linked.") % {"count": created})
    except PermissionDenied as exc:
        return _ledger_edit_page(request, partnership, kind, spec, record, status=403, error=_messages_of(exc))
    except ValidationError as exc:
        return _ledger_edit_page(request, partnership, kind, spec, record, status=400, link_value=text, link_errors=_messages_of(exc))
    return redirect("web:pairing_ledger_edit", pk=partnership.pk, kind=kind, record_pk=record.pk)


# --- imports ---------------------------------------------------------------------------------------


class LedgerUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"), help_text=gettext_lazy("An xlsx workbook or a CSV file (UTF-8), with the template's columns."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in IMPORT_EXTENSIONS:
            raise forms.ValidationError(_("Choose an xlsx workbook or a CSV file."))
        return upload


def _import_label(kind: str) -> str:
    if kind == "funds":
        return _("Funds")
    if kind == "projects":
        return _("Projects")
    return str(ledger_spec(kind).label)


def _import_back_url(partnership: Partnership, kind: str) -> str:
    if kind == "funds":
        return reverse("web:pairing_funds", kwargs={"pk": partnership.pk})
    if kind == "projects":
        return reverse("web:pairing_projects", kwargs={"pk": partnership.pk})
    return reverse("web:pairing_ledger", kwargs={"pk": partnership.pk, "kind": kind})


@login_required
def ledger_import_page(request, pk: int, kind: str):
    """Upload a file of one ledger; the result is the count written, or every row error and nothing written."""
    if kind not in ledger_import.IMPORT_KINDS:
        raise Http404
    partnership = partnership_for(request.user, pk)
    form = LedgerUploadForm(request.POST or None, request.FILES or None)
    status, result, error = 200, None, []
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = ledger_import.ledger_import(actor=request.user, kind=kind, partnership=partnership, file=upload, filename=upload.name)
            except PermissionDenied as exc:
                status, error = 403, _messages_of(exc)
            except ValidationError as exc:
                status = 400
                form.add_error("file", list(exc.messages))
            else:
                status = 400 if result.errors else 200
        else:
            status = 400
    context = {**_base_context(request, partnership, kind), "kind": kind, "kind_label": _import_label(kind), "form": form,
               "result": result, "error": error, "back_url": _import_back_url(partnership, kind),
               "template_url": reverse("web:pairing_ledger_template", kwargs={"kind": kind})}
    return render_page(request, "web/pairing/ledger_import.html", context, status=status)


@login_required
def ledger_template(request, kind: str):
    """The empty xlsx template of one import kind."""
    if kind not in ledger_import.IMPORT_KINDS:
        raise Http404
    response = HttpResponse(ledger_import.import_template(kind), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="jingzhun-pairing-{kind}-template.xlsx"'
    return response

