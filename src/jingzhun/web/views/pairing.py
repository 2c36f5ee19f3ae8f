"""Pairing assistance pages (issue 6): the partnerships, a partnership's figures and charts, its printable report
and xlsx, the rollup of an area, and where the money went.

* ``/pairing/``: the visible partnerships (filter by kind, area code and active year, 50 per page) and, for users who
  may change records somewhere, the form of a new partnership (``services.partnership_create``).
* ``/pairing/<id>/``: the headline figures of ``rollups.rollup`` for a period (a year, or start and end; by default
  the partnership's whole period up to today) over the partnership and its descendants, grouped by
  ``indicators.GROUPS``; charts by year (``rollups.rollup_by_year``); the agreements of a year with their progress and
  the form of a target (``services.agreement_set``); child partnerships; links to the ledgers; anomalies; claims and
  assessment scores.
* ``/pairing/<id>/report/`` (printable) and ``/pairing/<id>/report.xlsx`` (``report_xlsx.rollup_workbook``).
* ``/pairing/area/<code>/``: the rollup of every visible partnership with a side in the area.
* ``/pairing/<id>/trace/?source=fiscal``: ``trace.trace_source``; ``/pairing/household/<id>/``: the fragment of the
  household card listing ``trace.trace_household``.

Scope: a partnership outside the user's view scope is a 404 (``Partnership.objects.visible_to``); every figure is
computed over ``rollups.partnerships_for(user, ...)``, which starts from the visible partnerships.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jingzhun.areas.models import Area, pad
from jingzhun.core.scoping import CHANGE, VIEW, get_visible_or_404, in_scope, user_prefixes
from jingzhun.pairing import anomalies, indicators, ledgers, report_xlsx, rollups, services, trace
from jingzhun.pairing.indicators import GROUPS, INDICATORS
from jingzhun.pairing.models import AssessmentScore, Beneficiary, BenefitType, Claim, FundKind, FundSource, Partnership, PartnershipKind
from jingzhun.registry.forms import DATE_WIDGET, add_service_errors
from jingzhun.registry.models import Household
from jingzhun.web.templatetags.jingzhun_web import money

from .common import int_or_none, login_required, render_page

PAGE_SIZE = 50
TRACE_ROWS = 2000  # beneficiary households listed on the trace page (the counts cover all)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNIT_LABELS = {indicators.YUAN: gettext_lazy("yuan"), indicators.PERSONS: gettext_lazy("persons"),
               indicators.COUNT: "", indicators.KM: gettext_lazy("km")}
SENT = ("cadres_sent", "technicians_sent", "teachers_sent", "doctors_sent")


# --- helpers --------------------------------------------------------------------------------------



def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        return None


def fmt(value, unit: str) -> str:
    """Yuan and km with two decimals and thousands separators, persons and counts as integers."""
    if value is None:
        return "–"
    if unit in (indicators.YUAN, indicators.KM):
        return money(value)
    return f"{int(value):,}"


def partnership_for(user, pk: int) -> Partnership:
    """The partnership if the user sees it (either side in scope), else 404."""
    qs = Partnership.objects.select_related("east_area", "west_area", "parent")
    return get_visible_or_404(user, qs, VIEW, pk=pk)


def may_change(user, partnership: Partnership) -> bool:
    """Whether the user may change records of one side (for showing forms; the services check again)."""
    return any(in_scope(user, code, CHANGE) for code in partnership.area_codes())


def may_change_somewhere(user) -> bool:
    prefixes = user_prefixes(user, CHANGE)
    return prefixes is None or bool(prefixes)


@dataclass
class Period:
    start: dt.date
    end: dt.date
    year: int | None

    def query(self) -> str:
        if self.year:
            return urlencode({"year": self.year})
        return urlencode({"start": self.start.isoformat(), "end": self.end.isoformat()})


def period_of(request, first: dt.date, last: dt.date | None) -> Period:
    """``year`` (a calendar year), or ``start``/``end`` (inclusive), defaulting to ``first`` up to ``last`` or today."""
    today = timezone.localdate()
    year = int_or_none(request.GET.get("year"))
    if year and 1900 < year < 2200:
        return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), year)
    start = _date(request.GET.get("start")) or first
    end = _date(request.GET.get("end")) or min(last or today, today)
    if end < start:
        start, end = end, start
    return Period(start, end, None)


def figure_groups(figures: dict) -> list[dict]:
    """The rollup by group: funds as a source x kind matrix, the other groups as labelled rows."""
    out = []
    for key, name in GROUPS.items():
        if key == "funds":
            kinds = [(k.value, k.label) for k in FundKind]
            rows = [{"label": s.label, "code": s.value,
                     "cells": [{"code": f"{s.value}_{k}", "text": fmt(figures.get(f"{s.value}_{k}"), indicators.YUAN)} for k, _l in kinds]}
                    for s in FundSource]
            rows.append({"label": _("All sources"), "code": "funds", "total": True,
                         "cells": [{"code": f"funds_{k}", "text": fmt(figures.get(f"funds_{k}"), indicators.YUAN)} for k, _l in kinds]})
            out.append({"key": key, "name": name, "matrix": True, "columns": [label for _k, label in kinds], "rows": rows})
            continue
        rows = [{"code": i.code, "label": i.label, "unit": UNIT_LABELS[i.unit], "text": fmt(figures.get(i.code), i.unit)}
                for i in INDICATORS if i.group == key]
        out.append({"key": key, "name": name, "matrix": False, "rows": rows})
    return out


def _num(value) -> float:
    return float(value or 0)


def charts_of(by_year: dict[int, dict]) -> dict:
    """The data of the three charts: funds allocated by source (stacked bars), people, purchases (lines)."""
    years = sorted(by_year)
    funds = {"years": years, "unit": str(UNIT_LABELS[indicators.YUAN]),
             "series": [{"name": str(s.label), "values": [_num(by_year[y].get(f"{s.value}_allocated")) for y in years]} for s in FundSource]}
    people = {"years": years, "series": [
        {"name": _("Persons sent"), "kind": "count", "values": [sum(int(by_year[y].get(c) or 0) for c in SENT) for y in years]},
        {"name": str(indicators.indicator("trained").label), "kind": "count", "values": [int(by_year[y].get("trained") or 0) for y in years]},
        {"name": str(indicators.indicator("workers_placed").label), "kind": "count",
         "values": [int(by_year[y].get("workers_placed") or 0) for y in years]},
    ]}
    purchases = {"years": years, "series": [
        {"name": str(indicators.indicator("purchases").label), "kind": "money", "values": [_num(by_year[y].get("purchases")) for y in years]}]}
    return {"funds": {"stack": funds}, "people": {"trend": people}, "purchases": {"trend": purchases}}


def agreement_rows(partnership: Partnership, year: int) -> list[dict]:
    rows = []
    for a in rollups.agreement_progress(partnership=partnership, year=year):
        code = a["indicator"]
        ind = indicators.BY_CODE.get(code)
        unit = ind.unit if ind else indicators.COUNT
        ratio = a.get("ratio")
        rows.append({"code": code, "label": ind.label if ind else code, "target": fmt(a["target"], unit),
                     "actual": fmt(a["actual"], unit), "ratio": ratio,
                     "percent": None if ratio is None else f"{Decimal(ratio) * 100:.1f}%",
                     "width": None if ratio is None else min(100, int(Decimal(ratio) * 100)),
                     "met": ratio is not None and Decimal(ratio) >= 1})
    return rows


def ledger_links(partnership: Partnership) -> list[dict]:
    """The partnership's ledger pages (web/views/pairing_ledgers.py): funds, projects and the six other ledgers."""
    pages = [("funds", "web:pairing_funds", {}, gettext_lazy("Funds")), ("projects", "web:pairing_projects", {}, gettext_lazy("Projects")),
             *[(key, "web:pairing_ledger", {"kind": key}, spec.label) for key, spec in ledgers.LEDGERS.items()]]
    return [{"key": key, "url": reverse(name, kwargs={"pk": partnership.pk, **kwargs}), "label": label} for key, name, kwargs, label in pages]


# --- the list and a new partnership ---------------------------------------------------------------


class PartnershipForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=PartnershipKind.choices)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    east_area = forms.CharField(label=gettext_lazy("Eastern area code"), max_length=12, required=False,
                                help_text=gettext_lazy("For an area pairing; 12 digits or the code's significant digits."))
    west_area = forms.CharField(label=gettext_lazy("Western area code"), max_length=12)
    east_party = forms.CharField(label=gettext_lazy("Eastern party"), max_length=200, required=False,
                                 help_text=gettext_lazy("The enterprise, institution or unit."))
    start_date = forms.DateField(label=gettext_lazy("Start date"), widget=DATE_WIDGET)
    end_date = forms.DateField(label=gettext_lazy("End date"), widget=DATE_WIDGET, required=False)
    parent = forms.ModelChoiceField(label=gettext_lazy("Parent partnership"), queryset=Partnership.objects.none(), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Partnership.objects.visible_to(user).order_by("name")
        self.fields["parent"].empty_label = _("None")

    def _area(self, name: str) -> Area | None:
        code = (self.cleaned_data.get(name) or "").strip()
        if not code:
            return None
        if not code.isdigit() or len(code) > 12:
            raise ValidationError(_("Enter an area code of digits."))
        area = Area.objects.filter(code=pad(code)).first()
        if area is None:
            raise ValidationError(_("No area has this code."))
        return area

    def clean_east_area(self):
        return self._area("east_area")

    def clean_west_area(self):
        return self._area("west_area")


def _filters(request) -> dict:
    get = request.GET
    kind = get.get("kind") or ""
    return {"kind": kind if kind in PartnershipKind.values else "", "area": (get.get("area") or "").strip()[:12],
            "year": int_or_none(get.get("year"))}


def _filtered(user, f: dict):
    qs = Partnership.objects.visible_to(user).select_related("east_area", "west_area", "parent")
    if f["kind"]:
        qs = qs.filter(kind=f["kind"])
    if f["area"]:
        area = Area.objects.filter(code=pad(f["area"])).first() if f["area"].isdigit() else None
        if area is None:
            return qs.none()
        qs = qs.with_side_in(area.prefix)
    if f["year"]:
        qs = qs.active_in(f["year"])
    return qs.order_by("kind", "name", "id")


def _list_page(request, form: PartnershipForm | None, *, status: int = 200):
    f = _filters(request)
    page = Paginator(_filtered(request.user, f), PAGE_SIZE).get_page(request.GET.get("page"))
    can_create = may_change_somewhere(request.user)
    if can_create and form is None:
        form = PartnershipForm(user=request.user, initial={"start_date": timezone.localdate()})
    context = {"nav": "pairing", "f": f, "page_obj": page, "kinds": PartnershipKind.choices, "form": form if can_create else None,
               "results_url": reverse("web:pairing"), "claims_url": reverse("web:pairing_claims")}
    return render_page(request, "web/pairing/list.html", context, partials={"pairing-results": "results"}, status=status)


@login_required
def pairing(request):
    if request.method != "POST":
        return _list_page(request, None)
    form = PartnershipForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            p = services.partnership_create(actor=request.user, kind=data["kind"], name=data["name"], east_area=data["east_area"],
                                            west_area=data["west_area"], east_party=data["east_party"], start_date=data["start_date"],
                                            end_date=data["end_date"], parent=data["parent"])
        except ValidationError as exc:
            add_service_errors(exc, form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Partnership created."))
            return redirect("web:pairing_detail", pk=p.pk)
    return _list_page(request, form, status=400)


# --- a partnership --------------------------------------------------------------------------------


class AgreementForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=1990, max_value=2100)
    indicator = forms.ChoiceField(label=gettext_lazy("Indicator"), choices=())
    target = forms.DecimalField(label=gettext_lazy("Target"), max_digits=16, decimal_places=2, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [(str(GROUPS[g]), [(i.code, i.label) for i in INDICATORS if i.group == g]) for g in GROUPS]


def _year_options(p: Partnership) -> list[int]:
    today = timezone.localdate()
    last = min((p.end_date or today).year, today.year)
    return list(range(p.start_date.year, max(last, p.start_date.year) + 1))


def figures_context(user, p: Partnership, period: Period) -> dict:
    """What the page and the report share: the selected partnerships, the figures, the agreements and the anomalies."""
    selected = rollups.partnerships_for(user, partnership=p)
    figures = rollups.rollup(partnerships=selected, start=period.start, end=period.end)
    agreement_year = period.year or period.end.year
    return {"selected": selected, "figures": figures, "groups": figure_groups(figures), "period": period,
            "agreement_year": agreement_year, "agreements": agreement_rows(p, agreement_year),
            "anomaly_groups": anomaly_groups(anomalies.find_anomalies(partnerships=selected))}


ANOMALIES_SHOWN = 20


def anomaly_groups(found: list) -> list[dict]:
    """The anomalies by check: how many, and the first ``ANOMALIES_SHOWN`` of each (a large partnership can have
    tens of thousands of households in several projects; the API lists them all)."""
    groups: dict[str, list] = {}
    for a in found:
        groups.setdefault(a.code, []).append(a)
    return [{"code": code, "count": len(items), "shown": items[:ANOMALIES_SHOWN], "hidden": max(len(items) - ANOMALIES_SHOWN, 0)}
            for code, items in groups.items()]


def _detail_page(request, p: Partnership, *, agreement_form: AgreementForm | None = None, status: int = 200):
    user = request.user
    period = period_of(request, p.start_date, p.end_date)
    context = {"nav": "pairing", "p": p, "years": _year_options(p), **figures_context(user, p, period)}
    can_change = may_change(user, p)
    if can_change and agreement_form is None:
        agreement_form = AgreementForm(initial={"year": context["agreement_year"]})
    context.update({
        "can_change": can_change, "agreement_form": agreement_form if can_change else None,
        "children": Partnership.objects.visible_to(user).filter(parent=p).select_related("east_area", "west_area"),
        "ledgers": ledger_links(p),
        "claims": Claim.objects.visible_to(user).filter(partnership=p).order_by("-start", "id"),
        "scores": AssessmentScore.objects.filter(partnership=p).select_related("template").order_by("-year", "template__code"),
        "assessment_year": context["agreement_year"],
        "sources": FundSource.choices,
    })
    return render_page(request, "web/pairing/detail.html", context, partials={"pairing-figures": "figures"}, status=status)


@login_required
def pairing_detail(request, pk: int):
    return _detail_page(request, partnership_for(request.user, pk))


@login_required
def pairing_charts(request, pk: int):
    """The charts of the partnership page, loaded by htmx after the page (one rollup per year of the period)."""
    p = partnership_for(request.user, pk)
    period = period_of(request, p.start_date, p.end_date)
    selected = rollups.partnerships_for(request.user, partnership=p)
    by_year = rollups.rollup_by_year(partnerships=selected, start_year=period.start.year, end_year=period.end.year)
    return render(request, "web/pairing/_charts.html", {"p": p, "charts": charts_of(by_year)})


@require_POST
@login_required
def pairing_agreement(request, pk: int):
    """Set one annual target (``services.agreement_set``); the unit is the indicator's."""
    p = partnership_for(request.user, pk)
    form = AgreementForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.agreement_set(actor=request.user, partnership=p, year=data["year"], indicator=data["indicator"],
                                   target=data["target"], unit=indicators.indicator(data["indicator"]).unit)
        except ValidationError as exc:
            add_service_errors(exc, form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Target saved."))
            return redirect(f"{reverse('web:pairing_detail', kwargs={'pk': p.pk})}?{urlencode({'year': data['year']})}#agreements")
    return _detail_page(request, p, agreement_form=form, status=400)


@login_required
def pairing_report(request, pk: int):
    """The printable report: the figures, agreements and anomalies of the period, without navigation."""
    p = partnership_for(request.user, pk)
    period = period_of(request, p.start_date, p.end_date)
    context = {"p": p, "today": timezone.localdate(), **figures_context(request.user, p, period)}
    return render(request, "web/pairing/report.html", context)


@login_required
def pairing_report_xlsx(request, pk: int):
    p = partnership_for(request.user, pk)
    period = period_of(request, p.start_date, p.end_date)
    selected = rollups.partnerships_for(request.user, partnership=p)
    data = report_xlsx.rollup_workbook(partnerships=selected, start=period.start, end=period.end, title=p.name)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="jingzhun-pairing-{p.pk}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"'
    return response


# --- an area --------------------------------------------------------------------------------------


@login_required
def pairing_area(request, code: str):
    """The rollup of every visible partnership with a side in the area; 404 when the user sees none and the area is out of scope."""
    if not code.isdigit() or len(code) > 12:
        raise Http404
    area = Area.objects.filter(code=pad(code)).first()
    if area is None:
        raise Http404
    selected = rollups.partnerships_for(request.user, area=area).select_related("east_area", "west_area")
    if not in_scope(request.user, area.code, VIEW) and not selected.exists():
        raise Http404
    first = min((p.start_date for p in selected), default=dt.date(timezone.localdate().year, 1, 1))
    period = period_of(request, first, None)
    figures = rollups.rollup(partnerships=selected, start=period.start, end=period.end)
    context = {"nav": "pairing", "area": area, "partnerships": selected, "groups": figure_groups(figures), "period": period,
               "years": list(range(first.year, timezone.localdate().year + 1))}
    return render_page(request, "web/pairing/area.html", context, partials={"pairing-figures": "figures"})


# --- where the money went -------------------------------------------------------------------------


@login_required
def pairing_trace(request, pk: int):
    p = partnership_for(request.user, pk)
    source = request.GET.get("source") or FundSource.FISCAL
    if source not in FundSource.values:
        source = FundSource.FISCAL
    start, end = _date(request.GET.get("start")), _date(request.GET.get("end"))
    selected = rollups.partnerships_for(request.user, partnership=p)
    result = trace.trace_source(partnerships=selected, source=source, start=start, end=end)
    # The beneficiary households the user may see (an eastern officer sees the counts, not the western households).
    rows = (Beneficiary.objects.filter(project_id__in=[r["project"].pk for r in result["projects"]],
                                       household__in=Household.objects.visible_to(request.user).values("pk"))
            .select_related("household").order_by("household__number")[:TRACE_ROWS])
    by_project: dict[int, list] = {}
    for row in rows:
        by_project.setdefault(row.project_id, []).append(row)
    for r in result["projects"]:
        r["rows"] = by_project.get(r["project"].pk, [])
    context = {"nav": "pairing", "p": p, "source": source, "source_label": FundSource(source).label, "sources": FundSource.choices,
               "start": start, "end": end, "trace": result}
    return render_page(request, "web/pairing/trace.html", context)


@login_required
def pairing_household(request, pk: int):
    """The htmx fragment of the household card: every pairing source that reached the household."""
    household = get_visible_or_404(request.user, Household, VIEW, pk=pk)
    rows = trace.trace_household(household=household, user=request.user)
    for r in rows:
        r["benefit_label"] = BenefitType(r["benefit"]).label if r["benefit"] in BenefitType.values else r["benefit"]
        r["source_labels"] = [FundSource(s).label for s in r["sources"]]
    return render(request, "web/pairing/_household.html", {"household": household, "rows": rows})
