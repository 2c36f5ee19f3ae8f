"""Pairing review pages (issue 6): reconciliation claims and the annual east-west assessment.

* ``/pairing/claims/``: the visible claims and a form to record one (``reconcile.claim_create``) with its statements
  as a JSON list; errors of a statement are shown against the statements field with the statement's number.
* ``/pairing/claims/<id>/``: the statements and the findings of ``reconcile.claim_check`` (published, computed,
  difference).
* ``/pairing/<id>/assessment/<year>/``: choose a template, enter the assessors' scores of its manual indicators
  (``assessment.assessment_input_set``), compute (``assessment.assessment_score``) and show the per-indicator detail
  and the grade.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from jingzhun.areas.models import Area, pad
from jingzhun.core.scoping import VIEW, get_visible_or_404, user_prefixes
from jingzhun.pairing import assessment, reconcile
from jingzhun.pairing.models import AssessmentIndicator, AssessmentInput, AssessmentScore, AssessmentTemplate, Claim, Partnership, TargetSource
from jingzhun.registry.forms import DATE_WIDGET, add_service_errors

from .common import login_required, render_page
from .pairing import may_change, partnership_for

PAGE_SIZE = 50
STATEMENT_KEY = re.compile(r"^statements\[(?P<index>\d+)\](?:\.(?P<field>.+))?$")
EXAMPLE = ('[{"type": "average", "total": "2.831 billion yuan", "count": 72, "average": "39.33 million yuan"},\n'
           ' {"type": "increase", "value": "57.4 million yuan", "base": "39.33 million yuan", "percent": "31"}]')


def _zh() -> bool:
    return (get_language() or "").startswith("zh")


# --- claims ---------------------------------------------------------------------------------------


class ClaimForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    source = forms.CharField(label=gettext_lazy("Source"), max_length=500, help_text=gettext_lazy("Where the figure was published."))
    published_on = forms.DateField(label=gettext_lazy("Published on"), widget=DATE_WIDGET, required=False)
    partnership = forms.ModelChoiceField(label=gettext_lazy("Partnership"), queryset=Partnership.objects.none(), required=False)
    area = forms.CharField(label=gettext_lazy("Area code"), max_length=12, required=False,
                           help_text=gettext_lazy("For a claim about an area instead of one partnership."))
    start = forms.DateField(label=gettext_lazy("Period start"), widget=DATE_WIDGET)
    end = forms.DateField(label=gettext_lazy("Period end"), widget=DATE_WIDGET)
    statements = forms.CharField(label=gettext_lazy("Statements (JSON)"), widget=forms.Textarea(attrs={"rows": 8, "class": "mono"}),
                                 help_text=gettext_lazy("A JSON list, one object per statement of the claim."))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnership"].queryset = Partnership.objects.visible_to(user).order_by("name")
        self.fields["partnership"].empty_label = _("None")
        self.fields["statements"].widget.attrs["placeholder"] = EXAMPLE

    def clean_area(self):
        code = (self.cleaned_data.get("area") or "").strip()
        if not code:
            return None
        area = Area.objects.filter(code=pad(code)).first() if code.isdigit() else None
        if area is None:
            raise ValidationError(_("No area has this code."))
        return area

    def clean_statements(self):
        text = self.cleaned_data["statements"]
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(_("Not valid JSON (line %(line)s, column %(column)s).") % {"line": exc.lineno, "column": exc.colno}) from None
        if not isinstance(value, list) or not all(isinstance(s, dict) for s in value):
            raise ValidationError(_("Enter a list of statements, each an object."))
        if not value:
            raise ValidationError(_("Enter at least one statement."))
        return value


def _claim_errors(exc: ValidationError, form: ClaimForm) -> None:
    """The service's errors on the form: keys ``statements[2].percent`` go to the statements field, numbered from 1."""
    if not hasattr(exc, "error_dict"):
        add_service_errors(exc, form)
        return
    other = {}
    for key, errors in exc.error_dict.items():
        match = STATEMENT_KEY.match(key)
        if match is None:
            other[key] = errors
            continue
        label = _("Statement %(n)s") % {"n": int(match["index"]) + 1}
        if match["field"]:
            label = f"{label} ({match['field']})"
        for e in errors:
            for message in e.messages:
                form.add_error("statements", f"{label}: {message}")
    if other:
        add_service_errors(ValidationError(other), form)


def _claims_page(request, form: ClaimForm | None, *, status: int = 200):
    qs = Claim.objects.visible_to(request.user).select_related("partnership", "area").order_by("-start", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    prefixes = user_prefixes(request.user, VIEW)  # recording a claim needs VIEW scope on its partnership or area
    can_create = prefixes is None or bool(prefixes)
    if can_create and form is None:
        initial = {}
        p_id = request.GET.get("partnership")
        if p_id and p_id.isdigit():
            initial["partnership"] = p_id
        form = ClaimForm(user=request.user, initial=initial)
    context = {"nav": "pairing", "page_obj": page, "form": form if can_create else None, "example": EXAMPLE}
    return render_page(request, "web/pairing/claims.html", context, status=status)


@login_required
def pairing_claims(request):
    if request.method != "POST":
        return _claims_page(request, None)
    form = ClaimForm(request.POST, user=request.user)
    if form.is_valid():
        d = form.cleaned_data
        if d["partnership"] is None and d["area"] is None:
            form.add_error("partnership", _("Choose a partnership or enter an area code."))
        else:
            try:
                claim = reconcile.claim_create(actor=request.user, title=d["title"], source=d["source"], start=d["start"], end=d["end"],
                                               statements=d["statements"], partnership=d["partnership"], area=d["area"],
                                               published_on=d["published_on"])
            except ValidationError as exc:
                _claim_errors(exc, form)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Claim recorded."))
                return redirect("web:pairing_claim", pk=claim.pk)
    return _claims_page(request, form, status=400)


def _shown(value: Decimal, published: Decimal) -> Decimal:
    """An exact computed value shown to two more decimals than the published figure (the exact one is in the title)."""
    places = max(0, -published.as_tuple().exponent) + 2 if published.is_finite() else 2
    return value.quantize(Decimal(1).scaleb(-places))


@login_required
def pairing_claim(request, pk: int):
    claim = get_visible_or_404(request.user, Claim.objects.select_related("partnership", "area"), VIEW, pk=pk)
    findings = [{"f": f, "computed": _shown(f.computed, f.published), "difference": _shown(f.difference, f.published)}
                for f in reconcile.claim_check(claim)]
    by_index: dict[int, list] = {}
    for row in findings:
        by_index.setdefault(row["f"].index, []).append(row)
    statements = [{"number": i + 1, "text": json.dumps(s, ensure_ascii=False), "findings": by_index.get(i, [])}
                  for i, s in enumerate(claim.statements or [])]
    context = {"nav": "pairing", "claim": claim, "findings": findings, "statements": statements}
    return render_page(request, "web/pairing/claim.html", context)


# --- assessment -----------------------------------------------------------------------------------


def _template_name(t: AssessmentTemplate) -> str:
    return t.name_zh if _zh() else t.name_en


def _indicator_label(i: AssessmentIndicator) -> str:
    return i.label_zh if _zh() else i.label_en


FLAG_LABELS = {"missing_input": gettext_lazy("no score entered"), "no_target": gettext_lazy("no target: not counted")}


def _detail_rows(score: AssessmentScore, labels: dict[str, str]) -> list[dict]:
    rows = []
    for d in score.detail or []:
        code = d.get("code") or ""
        flag = d.get("flag") or ""
        rows.append({"code": code, "label": labels.get(code) or d.get("label_zh" if _zh() else "label_en") or code,
                     "weight": d.get("weight"), "target": d.get("target"), "actual": d.get("actual"), "ratio": d.get("ratio"),
                     "score": d.get("score"), "flag": flag, "flag_label": FLAG_LABELS.get(flag, flag)})
    return rows


def _assessment_page(request, p: Partnership, year: int, *, errors: dict[int, list[str]] | None = None, posted=None,
                     error: str = "", status: int = 200):
    templates = list(AssessmentTemplate.objects.order_by("year_from", "code"))
    code = request.POST.get("template") or request.GET.get("template") or ""
    template = next((t for t in templates if t.code == code), None)
    if template is None:  # the template in force in the year, else the newest
        fitting = [t for t in templates if t.year_from <= year and (t.year_to is None or year <= t.year_to)]
        template = (fitting or templates or [None])[-1]
    context = {"nav": "pairing", "p": p, "year": year, "can_change": may_change(request.user, p), "error": error,
               "templates": [{"code": t.code, "name": _template_name(t), "selected": t == template} for t in templates],
               "template": template, "template_name": _template_name(template) if template else "", "manual": [], "score": None}
    if template is not None:
        indicators = list(template.indicators.order_by("position", "code"))
        inputs = {i.indicator_id: i for i in AssessmentInput.objects.filter(partnership=p, year=year, indicator__template=template)}
        errors = errors or {}
        for i in indicators:
            if i.target_source != TargetSource.MANUAL:
                continue
            saved = inputs.get(i.pk)
            value = posted.get(f"score_{i.pk}", "") if posted is not None else (saved.score if saved else "")
            note = posted.get(f"note_{i.pk}", "") if posted is not None else (saved.note if saved else "")
            context["manual"].append({"pk": i.pk, "label": _indicator_label(i), "part": i.part, "weight": i.weight,
                                      "value": value, "note": note, "errors": errors.get(i.pk, [])})
        score = AssessmentScore.objects.filter(partnership=p, year=year, template=template).first()
        if score is not None:
            labels = {i.code: _indicator_label(i) for i in indicators}
            context["score"] = score
            context["detail"] = _detail_rows(score, labels)
    return render_page(request, "web/pairing/assessment.html", context, status=status)


def _score_value(text: str):
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        return None
    return value if value.is_finite() else None


@login_required
def pairing_assessment(request, pk: int, year: int):
    p = partnership_for(request.user, pk)
    if not 1990 <= year <= 2100:
        raise Http404
    if request.method != "POST":
        return _assessment_page(request, p, year)
    template = AssessmentTemplate.objects.filter(code=request.POST.get("template", "")).first()
    if template is None:
        return _assessment_page(request, p, year, error=_("Choose a template."), status=400)
    url = f"{reverse('web:pairing_assessment', kwargs={'pk': p.pk, 'year': year})}?template={template.code}"
    try:
        if request.POST.get("action") == "inputs":
            errors: dict[int, list[str]] = {}
            pending = []
            for i in template.indicators.filter(target_source=TargetSource.MANUAL):
                text = request.POST.get(f"score_{i.pk}", "").strip()
                if not text:
                    continue
                value = _score_value(text)
                if value is None:
                    errors[i.pk] = [_("Enter a number.")]
                else:
                    pending.append((i, value, request.POST.get(f"note_{i.pk}", "")))
            if not errors:
                with transaction.atomic():  # all the scores or none
                    for i, value, note in pending:
                        try:
                            assessment.assessment_input_set(actor=request.user, partnership=p, year=year, indicator=i, score=value, note=note)
                        except ValidationError as exc:
                            errors[i.pk] = exc.messages
                    if errors:
                        transaction.set_rollback(True)
            if errors:
                return _assessment_page(request, p, year, errors=errors, posted=request.POST, status=400)
            messages.success(request, _("Scores saved."))
        else:
            assessment.assessment_score(actor=request.user, partnership=p, year=year, template=template)
            messages.success(request, _("Assessment computed."))
    except PermissionDenied as exc:
        return _assessment_page(request, p, year, error=str(exc), status=403)
    except ValidationError as exc:
        return _assessment_page(request, p, year, error=" ".join(exc.messages), status=400)
    return redirect(url)
