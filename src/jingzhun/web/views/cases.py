"""Procedure pages (issue 5): the inbox of cases awaiting the user's action, the case page with its timeline and
the forms of the steps the user may take now, bulk steps for a village's cases, opening cases and recording
measures from the household card.

* ``/cases/``: tabs "awaiting my action" (``selectors.inbox``), "overdue" (``selectors.overdue``) and "all cases in
  my area" (``selectors.visible_cases``), filtered by procedure, state and village, 50 per page.  With a procedure
  and a state chosen, the inbox offers the steps of that state taken at one of the user's levels for the cases
  ticked (``services.cases_act``, all or nothing; the cases must be of one village).
* ``/cases/<id>/``: the household (number, head, village, size, status: never an identity number, phone, bank
  account or health detail), the procedure, state, category, reasons, due date, current notice, the timeline
  (``selectors.case_timeline``), the forms of the steps allowed to this user now (``Workflow.allowed`` filtered by
  ``services.acting_levels``) with the data each step needs, the objection form while the case is on notice, and
  evidence upload (``procedures.evidence.evidence_add``).
* Errors of the services are pages, never a 500: a ``ProcedureError`` (an illegal step, a rule not met) is a 400
  with its message; a ``PermissionDenied`` (a step of another role, no change scope) is a 403 with the role that
  may take the step.  A case outside the user's view scope is a 404.

The nav's counts (``/cases/count/``) are fetched by htmx after the page loads (``hx-trigger="load"``), so that
the pages themselves do not pay the two count queries; the inbox page shows the same counts on its tabs.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jingzhun.accounts.models import Role
from jingzhun.accounts.selectors import active_assignments
from jingzhun.areas.models import Area
from jingzhun.core.paging import CappedPaginator
from jingzhun.core.scoping import CHANGE, VIEW, get_visible_or_404, in_scope
from jingzhun.procedures import selectors, services
from jingzhun.procedures.eligibility import EXIT_REASONS, GUARANTEE_REASONS
from jingzhun.procedures.evidence import EVIDENCE_MAX_BYTES, evidence_add, evidence_open, measure_add
from jingzhun.procedures.models import Case, Evidence, Measure, MonitoringCategory, MonitoringRecord, Notice, Procedure
from jingzhun.procedures.workflows import ACTION_LABELS, REASON_LABELS, ROLE_OF_LEVEL, STATE_LABELS, WORKFLOWS
from jingzhun.registry import choices as c
from jingzhun.registry.forms import DATE_WIDGET, FieldsetsMixin, add_service_errors

from .. import selectors as web
from .common import login_required, render_page

PAGE_SIZE = 50
BULK_MAX = 500
TABS = ("inbox", "overdue", "all")

ROLE_LABELS = {level: Role(name).label for level, name in ROLE_OF_LEVEL.items()}
STEP_LABELS = {"open": gettext_lazy("Case opened"), "objection": gettext_lazy("Objection recorded"), **ACTION_LABELS}
OUTCOME_LABELS = {"completed": gettext_lazy("Completed"), "rejected": gettext_lazy("Rejected"), "withdrawn": gettext_lazy("Withdrawn"),
                  "dismissed": gettext_lazy("Dismissed")}
OPEN_REASONS = {  # the reasons offered when a case is opened by hand
    Procedure.IDENTIFICATION: ("income_below_line", "no_income_record", *GUARANTEE_REASONS),
    Procedure.EXIT: EXIT_REASONS,
    Procedure.MONITORING: ("income_below_monitoring_line", "income_drop", "rigid_spending", "medical_spending", "disaster", "accident"),
    Procedure.ELIMINATION: ("income_above_line",),
}
NEED_LABELS = {
    "attendance": gettext_lazy("Representatives attending"),
    "representatives": gettext_lazy("Villager representatives in all"),
    "votes_for": gettext_lazy("Votes in favour"),
    "consent_signed": gettext_lazy("The household signed its consent to the home visit and the data comparison"),
    "household_signed": gettext_lazy("The household signed its agreement to exit"),
}
DATA_LABELS = {**NEED_LABELS, "consent_signed": gettext_lazy("Consent signed"), "household_signed": gettext_lazy("Agreement signed"),
               "reasons": gettext_lazy("Reasons"), "notice": gettext_lazy("Notice")}
CHECKBOXES = ("consent_signed", "household_signed")
CLOSING_OUTCOMES = ("rejected", "withdrawn", "dismissed")


def procedure_label(code: str) -> str:
    return str(Procedure(code).label) if code in Procedure.values else code


def state_label(code: str) -> str:
    return str(STATE_LABELS.get(code, code))


def step_label(code: str) -> str:
    return str(STEP_LABELS.get(code, code))


def reason_labels(codes) -> list[str]:
    return [str(REASON_LABELS.get(code, code)) for code in codes or ()]


def kind_label(kind: str) -> str:
    return str(dict(Notice.Kind.choices).get(kind, kind))


def category_label(code: str) -> str:
    return str(dict(MonitoringCategory.choices).get(code, code)) if code else ""


def user_label(user) -> str:
    if user is None:
        return _("system")
    return user.get_full_name() or user.get_username()


def _today() -> dt.date:
    return timezone.localdate()


def role_levels(user) -> set[int]:
    """The levels (village 5, township 4, county 3) of the user's unexpired procedure roles, wherever they are."""
    names = {name: level for level, name in ROLE_OF_LEVEL.items()}
    return {names[ra.role] for ra in active_assignments(user) if ra.role in names and ra.area.level == names[ra.role]}


def village_names(codes) -> dict[str, str]:
    codes = sorted(set(codes))
    return dict(Area.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}


def decorate(cases, today: dt.date) -> list[Case]:
    """Labels and the village's name on each case (one query for the names of all villages)."""
    cases = list(cases)
    names = village_names(x.area for x in cases)
    for x in cases:
        x.village_name = names.get(x.area, x.area)
        x.procedure_label = procedure_label(x.procedure)
        x.state_label = state_label(x.state)
        x.category_label = category_label(x.category)
        x.reason_labels = reason_labels(x.reasons)
        x.overdue = x.is_open and x.due_date is not None and x.due_date < today
    return cases


def _error_messages(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return [str(m) for m in exc.messages]
    return [str(exc)] if str(exc) else [_("You may not do this here.")]


def _field_errors(exc: ValidationError) -> dict[str, list[str]]:
    if not hasattr(exc, "error_dict"):
        return {}
    return {key: [str(m) for e in errors for m in e.messages] for key, errors in exc.error_dict.items() if key != NON_FIELD_ERRORS}


def _step_data(post, needs) -> dict:
    """The posted data a step needs, numbers as integers (when they are), checkboxes as booleans."""
    data = {}
    for name in needs:
        if name in CHECKBOXES:
            data[name] = post.get(name) in ("on", "true", "1")
        else:
            value = (post.get(name) or "").strip()
            data[name] = int(value) if value.isdigit() else value
    return data


def _permission_message(user, case: Case, action: str, exc: PermissionDenied) -> str:
    t = WORKFLOWS[case.procedure].transitions.get((case.state, action))
    if t is not None and in_scope(user, case.area, CHANGE) and t.level not in services.acting_levels(user, case.area):
        return _("Only a %(role)s of this area may take the step “%(step)s”.") % {"role": ROLE_LABELS[t.level], "step": step_label(action)}
    return str(exc) or _("This area is outside your responsibility.")


def _illegal_message(case: Case, action: str) -> str | None:
    """A readable refusal of a step that is not in the state table (the service's message names codes)."""
    workflow = WORKFLOWS[case.procedure]
    if not case.is_open:
        return _("The case is closed: no step can be taken any more.")
    if (case.state, action) not in workflow.transitions:
        allowed = ", ".join(step_label(a) for a in workflow.allowed(case.state)) or "–"
        return _("“%(step)s” is not a step of this case in the state “%(state)s” (allowed: %(allowed)s).") % {
            "step": step_label(action), "state": state_label(case.state), "allowed": allowed}
    return None


# --- the inbox -------------------------------------------------------------------------------------------------


def _filters(request) -> dict:
    get = request.GET
    tab = get.get("tab") if get.get("tab") in TABS else "inbox"
    procedure = get.get("procedure") if get.get("procedure") in WORKFLOWS else ""
    states = WORKFLOWS[procedure].states() if procedure else list(dict.fromkeys(s for w in WORKFLOWS.values() for s in w.states()))
    state = get.get("state") if get.get("state") in states else ""
    village = get.get("village", "")
    village = village if len(village) == 12 and village.isdigit() else ""
    return {"tab": tab, "procedure": procedure, "state": state, "village": village, "states": states}


def _tab_queryset(user, tab: str, today: dt.date):
    if tab == "overdue":
        return selectors.overdue(user, today).order_by("due_date", "id")
    if tab == "all":
        return selectors.visible_cases(user).order_by("-opened_at", "-id")
    return selectors.inbox(user, today)


def _bulk_actions(user, f: dict) -> list[dict]:
    if f["tab"] != "inbox" or not f["procedure"] or not f["state"]:
        return []
    levels = role_levels(user)
    out = []
    for action, t in WORKFLOWS[f["procedure"]].allowed(f["state"]).items():
        if t.level in levels:
            out.append({"action": action, "label": step_label(action), "needs": t.needs, "danger": t.close in CLOSING_OUTCOMES})
    return out


@login_required
def cases(request):
    """The inbox (GET) and its bulk step (POST, all or nothing)."""
    user, today = request.user, _today()
    f = _filters(request)
    bulk = {"error": [], "selected": set(), "posted": {}, "field_errors": {}}
    status = 200
    if request.method == "POST":
        response, status = _bulk_post(request, f, bulk)
        if response is not None:
            return response
    qs = _tab_queryset(user, f["tab"], today)
    base = qs
    if f["procedure"]:
        qs = qs.filter(procedure=f["procedure"])
    if f["state"]:
        qs = qs.filter(state=f["state"])
    villages_in_list = village_names(base.order_by().values_list("area", flat=True).distinct()[:300])
    if f["village"]:
        qs = qs.filter(area=f["village"])
    page_obj = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = decorate(page_obj.object_list, today)
    bulk_actions = _bulk_actions(user, f)
    context = {
        "nav": "cases", "f": f, "page_obj": page_obj, "rows": rows, "today": today,
        "counts": {"inbox": selectors.inbox(user, today).count(), "overdue": selectors.overdue(user, today).count()},
        "procedures": [(code, procedure_label(code)) for code in WORKFLOWS],
        "states": [(s, state_label(s)) for s in f["states"]],
        "villages": sorted(villages_in_list.items()),
        "bulk_actions": bulk_actions, "bulk_needs": _need_fields(sorted({n for a in bulk_actions for n in a["needs"]}, key=list(NEED_LABELS).index),
                                                                bulk["posted"], bulk["field_errors"]),
        "bulk": bulk, "results_url": request.path,
    }
    return render_page(request, "web/cases.html", context, status=status)


def _need_fields(names, posted, errors) -> list[dict]:
    """The inputs of a step's data: name, label, checkbox or number, the posted value and its errors."""
    return [{"name": n, "label": NEED_LABELS[n], "checkbox": n in CHECKBOXES, "value": (posted.get(n) or "") if posted else "",
             "errors": (errors or {}).get(n, [])} for n in names]


def _bulk_post(request, f: dict, bulk: dict):
    """Apply one step to the ticked cases. (response, status): a redirect on success, else (None, 400/403)."""
    user, post = request.user, request.POST
    try:
        ids = sorted({int(x) for x in post.getlist("cases")})
    except ValueError:
        ids = []
    action = post.get("action", "")
    bulk["selected"], bulk["posted"] = set(ids), post
    if not ids:
        bulk["error"] = [_("Tick at least one case.")]
        return None, 400
    if len(ids) > BULK_MAX:
        bulk["error"] = [_("At most %(n)s cases at once.") % {"n": BULK_MAX}]
        return None, 400
    chosen = list(Case.objects.visible_to(user, VIEW).filter(pk__in=ids).select_related("household"))
    if len(chosen) != len(ids):
        raise Http404
    kinds = {(x.procedure, x.state, x.area) for x in chosen}
    if len(kinds) > 1:
        bulk["error"] = [_("A bulk step applies to cases of one village, in the same procedure and state: narrow the selection.")]
        return None, 400
    case = chosen[0]
    illegal = _illegal_message(case, action)
    if illegal:
        bulk["error"] = [illegal]
        return None, 400
    t = WORKFLOWS[case.procedure].transitions[(case.state, action)]
    try:
        services.cases_act(actor=user, cases=chosen, action=action, comment=post.get("comment", "").strip(), data=_step_data(post, t.needs))
    except PermissionDenied as exc:
        bulk["error"] = [_permission_message(user, case, action, exc)]
        return None, 403
    except ValidationError as exc:  # a ProcedureError, or a rule of the register met by the step's effect
        bulk["error"] = [_("No case was changed.")] + _error_messages(exc)
        bulk["field_errors"] = _field_errors(exc)
        return None, 400
    messages.success(request, _("“%(step)s” recorded for %(n)s cases.") % {"step": step_label(action), "n": len(chosen)})
    return redirect(request.get_full_path()), 302


@never_cache
@login_required
def cases_count(request):
    """The nav's counts (an htmx fragment): cases awaiting the user's action and overdue cases."""
    today = _today()
    n_inbox = selectors.inbox(request.user, today).count()
    n_overdue = selectors.overdue(request.user, today).count()
    html = ""
    if n_inbox:
        html += '<span class="nav-count" title="{t}">{n}</span>'.format(n=n_inbox, t=_("awaiting your action"))
    if n_overdue:
        html += '<span class="nav-count overdue" title="{t}">{n}</span>'.format(n=n_overdue, t=_("overdue"))
    return HttpResponse(f'<span class="nav-counts">{html}</span>')


# --- the case page ---------------------------------------------------------------------------------------------


def case_for(user, pk: int) -> Case:
    qs = Case.objects.select_related("household__area__parent__parent__parent__parent", "opened_by")
    return get_visible_or_404(user, qs, VIEW, pk=pk)


def _current_notice(notices: list[Notice]) -> Notice | None:
    return max(notices, key=lambda n: (n.start_date, n.id), default=None)


def _steps_now(user, case: Case, notice: Notice | None, today: dt.date, can_change: bool) -> tuple[list[dict], list[dict]]:
    """(steps this user may take now, steps awaiting another role) of the open case."""
    if not case.is_open:
        return [], []
    levels = services.acting_levels(user, case.area, today) if can_change else set()
    mine, others = [], []
    for action, t in WORKFLOWS[case.procedure].allowed(case.state).items():
        entry = {"action": action, "label": step_label(action), "needs": list(t.needs), "role": ROLE_LABELS[t.level],
                 "danger": t.close in CLOSING_OUTCOMES}
        if t.after_notice and notice is not None:
            entry["opens_on"] = notice.end_date + dt.timedelta(days=1)
            entry["early"] = today <= notice.end_date
        if t.notice:
            entry["posts"] = kind_label(t.notice)
        (mine if t.level in levels else others).append(entry)
    return mine, others


def _timeline(case: Case, notices: dict[int, Notice]) -> list[dict]:
    items = selectors.case_timeline(case)
    user_ids = {getattr(obj, "recorded_by_id", None) or getattr(obj, "uploaded_by_id", None) for kind, _at, obj in items if kind != "step"}
    users = get_user_model().objects.in_bulk([u for u in user_ids if u])
    out = []
    for kind, at, obj in items:
        if kind == "step":
            data = []
            for key, value in (obj.data or {}).items():
                if key in ("objection",):
                    continue
                if key == "reasons":
                    if value:
                        data.append({"label": DATA_LABELS["reasons"], "value": "、".join(reason_labels(value))})
                    continue
                if key == "notice":
                    n = notices.get(value)
                    data.append({"label": DATA_LABELS["notice"], "value": kind_label(n.kind) if n else f"#{value}", "notice": n})
                    continue
                if isinstance(value, bool):
                    value = _("Yes") if value else _("No")
                data.append({"label": DATA_LABELS.get(key, key), "value": value})
            role = next((str(ROLE_LABELS[lvl]) for lvl, name in ROLE_OF_LEVEL.items() if name == obj.role), "")
            out.append({"kind": "step", "at": at, "title": step_label(obj.action), "actor": user_label(obj.actor),
                        "role": role, "from": state_label(obj.from_state) if obj.from_state else "", "to": state_label(obj.to_state),
                        "comment": obj.comment if obj.action != "objection" else "", "data": data})
        elif kind == "objection":
            out.append({"kind": "objection", "at": at, "title": STEP_LABELS["objection"], "actor": user_label(users.get(obj.recorded_by_id)),
                        "objection": obj})
        else:
            out.append({"kind": "evidence", "at": at, "title": obj.get_kind_display(), "actor": user_label(users.get(obj.uploaded_by_id)),
                        "evidence": obj})
    return out


class ObjectionForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Objection"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    objector = forms.CharField(label=gettext_lazy("Objector (optional)"), required=False, max_length=100)
    received_on = forms.DateField(label=gettext_lazy("Received on"), widget=DATE_WIDGET)


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind of document"), choices=Evidence.Kind.choices)
    file = forms.FileField(label=gettext_lazy("File"), help_text=gettext_lazy("PDF, JPEG or PNG, at most 10 MB."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs.update({"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png",
                                                 "data-max-bytes": EVIDENCE_MAX_BYTES})


def _case_page(request, case: Case, *, status: int = 200, error: list[str] | None = None, failed: str = "", field_errors=None,
               objection_form: ObjectionForm | None = None, evidence_form: EvidenceForm | None = None):
    user, today = request.user, _today()
    can_change = in_scope(user, case.area, CHANGE)
    notices = list(case.notices.all())
    notice = _current_notice(notices)
    mine, others = _steps_now(user, case, notice, today, can_change)
    for entry in mine:
        here = entry["action"] == failed
        entry["fields"] = _need_fields(entry["needs"], request.POST if here else None, field_errors if here else None)
        entry["comment"] = request.POST.get("comment", "") if here else ""
        entry["failed"] = here
    workflow = WORKFLOWS[case.procedure]
    on_notice = case.is_open and case.state in workflow.objection_to and notice is not None
    decorate([case], today)
    household = case.household
    context = {
        "nav": "cases", "case": case, "household": household, "crumbs": web.breadcrumb(user, household.area),
        "today": today, "notice": notice, "notice_kind": kind_label(notice.kind) if notice else "",
        "outcome_label": str(OUTCOME_LABELS.get(case.outcome, case.outcome)), "opened_by": user_label(case.opened_by),
        "steps_mine": mine, "steps_others": others,
        "timeline": _timeline(case, {n.pk: n for n in notices}), "notices": sorted(notices, key=lambda n: (n.start_date, n.id)),
        "can_change": can_change, "on_notice": on_notice and can_change,
        "objection_form": objection_form or ObjectionForm(initial={"received_on": today}),
        "evidence_form": evidence_form or EvidenceForm(), "error": error or [], "max_mb": EVIDENCE_MAX_BYTES // (1024 * 1024),
    }
    for n in context["notices"]:
        n.kind_label = kind_label(n.kind)
    return render_page(request, "web/cases_detail.html", context, status=status)


@login_required
def case_detail(request, pk: int):
    return _case_page(request, case_for(request.user, pk))


@require_POST
@login_required
def case_step(request, pk: int):
    """Take one step of the case (the form of a step on the case page)."""
    user = request.user
    case = case_for(user, pk)
    action = request.POST.get("action", "")
    illegal = _illegal_message(case, action)
    if illegal:
        return _case_page(request, case, status=400, error=[illegal], failed=action)
    t = WORKFLOWS[case.procedure].transitions[(case.state, action)]
    try:
        services.case_act(actor=user, case=case, action=action, comment=request.POST.get("comment", "").strip(),
                          data=_step_data(request.POST, t.needs))
    except PermissionDenied as exc:
        return _case_page(request, case, status=403, error=[_permission_message(user, case, action, exc)], failed=action)
    except ValidationError as exc:  # a ProcedureError, or a rule of the register met by the step's effect
        return _case_page(request, case, status=400, error=_error_messages(exc), failed=action, field_errors=_field_errors(exc))
    messages.success(request, _("“%(step)s” recorded.") % {"step": step_label(action)})
    return redirect("web:case", pk=case.pk)


@require_POST
@login_required
def case_objection(request, pk: int):
    """Record an objection received during the case's notice (the case goes back, ``objection_to``)."""
    user = request.user
    case = case_for(user, pk)
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, status=400, error=[_("Correct the objection form.")], objection_form=form)
    try:
        case = services.objection_record(actor=user, case=case, text=form.cleaned_data["text"], objector=form.cleaned_data["objector"],
                                  received_on=form.cleaned_data["received_on"])
    except PermissionDenied as exc:
        return _case_page(request, case, status=403, error=_error_messages(exc), objection_form=form)
    except ValidationError as exc:
        add_service_errors(exc, form)
        return _case_page(request, case, status=400, error=_error_messages(exc), objection_form=form)
    messages.success(request, _("Objection recorded: the case went back to “%(state)s”.")
                     % {"state": state_label(case.state)})
    return redirect("web:case", pk=case.pk)


@require_POST
@login_required
def case_evidence(request, pk: int):
    """Attach a document to the case (PDF, JPEG or PNG by content, at most 10 MB)."""
    user = request.user
    case = case_for(user, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        return _case_page(request, case, status=400, error=[_("Correct the upload form.")], evidence_form=form)
    try:
        evidence_add(actor=user, case=case, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"])
    except PermissionDenied as exc:
        return _case_page(request, case, status=403, error=_error_messages(exc), evidence_form=form)
    except ValidationError as exc:
        add_service_errors(exc, form)
        return _case_page(request, case, status=400, error=_error_messages(exc), evidence_form=form)
    messages.success(request, _("Document attached."))
    return redirect("web:case", pk=case.pk)


@login_required
def case_evidence_file(request, pk: int, evidence_pk: int):
    """Download an attachment (the user must see the case)."""
    case = case_for(request.user, pk)
    evidence = Evidence.objects.filter(case=case, pk=evidence_pk).first()
    if evidence is None:
        raise Http404
    try:
        handle = evidence_open(evidence)
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type)


# --- opening a case and recording measures from the household card --------------------------------------------------


class CaseOpenForm(forms.Form):
    procedure = forms.ChoiceField(label=gettext_lazy("Procedure"), choices=Procedure.choices)
    category = forms.ChoiceField(label=gettext_lazy("Monitoring category"), choices=[("", "–"), *MonitoringCategory.choices], required=False)
    first_clue = forms.DateField(label=gettext_lazy("First risk clue on"), required=False, widget=DATE_WIDGET)
    reasons = forms.MultipleChoiceField(label=gettext_lazy("Reasons"), required=False, widget=forms.CheckboxSelectMultiple,
                                        choices=[(k, v) for k, v in REASON_LABELS.items()])
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, procedure: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if procedure in OPEN_REASONS:
            self.fields["reasons"].choices = [(k, REASON_LABELS[k]) for k in OPEN_REASONS[procedure]]


def open_options(user, household, open_procedures: set[str], monitored: bool) -> list[dict]:
    """The procedures a case can be opened in for the household now (the service checks the rules again)."""
    if not in_scope(user, household.area_id, CHANGE):
        return []
    status = household.status
    candidates = []
    if status in (c.PovertyStatus.NOT_REGISTERED, c.PovertyStatus.EXITED):
        candidates.append(Procedure.IDENTIFICATION)
    if status in (c.PovertyStatus.POOR, c.PovertyStatus.RETURNED):
        candidates.append(Procedure.EXIT)
    if not monitored:
        candidates.append(Procedure.MONITORING)
    else:
        candidates.append(Procedure.ELIMINATION)
    return [{"procedure": p, "label": procedure_label(p)} for p in candidates if p not in open_procedures]


def procedures_context(user, household) -> dict:
    """What the household card's "Procedures" and "Measures" sections need (three queries)."""
    today = _today()
    household_cases = decorate(Case.objects.visible_to(user, VIEW).filter(household=household).order_by("-opened_at", "-id"), today)
    monitored = MonitoringRecord.objects.visible_to(user, VIEW).filter(household=household, eliminated_on__isnull=True).exists()
    measures = list(Measure.objects.visible_to(user, VIEW).filter(household=household).order_by("-start_date", "-id"))
    open_procedures = {x.procedure for x in household_cases if x.is_open}
    return {
        "household_cases": household_cases, "open_options": open_options(user, household, open_procedures, monitored),
        "monitoring_categories": MonitoringCategory.choices, "monitored": monitored, "today": today,
        "measures": measures, "measure_form": MeasureForm(initial={"start_date": today}),
    }


@login_required
def case_open(request, pk: int):
    """Open a case for the household (GET: the form with reasons; POST: the household card's buttons post here)."""
    user = request.user
    household = web.household_for(user, pk, VIEW)
    procedure = request.POST.get("procedure") or request.GET.get("procedure") or ""
    form = CaseOpenForm(request.POST or None, initial={"procedure": procedure, "first_clue": _today()}, procedure=procedure)
    status, error = 200, []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = services.case_open(actor=user, household=household, procedure=d["procedure"], reasons=d["reasons"], category=d["category"],
                                      first_clue=d["first_clue"], comment=d["comment"].strip())
        except PermissionDenied as exc:
            status, error = 403, _error_messages(exc)
        except ValidationError as exc:
            add_service_errors(exc, form)
            status, error = 400, _error_messages(exc)
        else:
            messages.success(request, _("Case opened: %(procedure)s.") % {"procedure": procedure_label(case.procedure)})
            return redirect("web:case", pk=case.pk)
    elif request.method == "POST":
        status = 400
    return render_page(request, "web/cases_open.html", {
        "nav": "cases", "household": household, "form": form, "error": error, "procedure_label": procedure_label(procedure) if procedure else "",
        "crumbs": web.breadcrumb(user, household.area),
    }, status=status)


class MeasureForm(FieldsetsMixin, forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=Measure.Category.choices)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200)
    start_date = forms.DateField(label=gettext_lazy("Start date"), widget=DATE_WIDGET)
    end_date = forms.DateField(label=gettext_lazy("End date"), required=False, widget=DATE_WIDGET)
    amount = forms.DecimalField(label=gettext_lazy("Amount (yuan)"), required=False, min_value=0, max_digits=12, decimal_places=2)
    provider = forms.CharField(label=gettext_lazy("Provider"), required=False, max_length=100)

    fieldsets = [(pgettext_lazy("measure form", "Assistance measure"), ["category", "description", "start_date", "end_date", "amount", "provider"])]


@login_required
def measure_new(request, pk: int):
    """Record an assistance measure of the household (the card's form posts here; errors come back on this page)."""
    user = request.user
    household = web.household_for(user, pk, VIEW)
    form = MeasureForm(request.POST or None, initial={"start_date": _today()})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                measure_add(actor=user, household=household, **form.cleaned_data)
            except PermissionDenied as exc:
                form.add_error(None, _error_messages(exc))
                status = 403
            except ValidationError as exc:
                add_service_errors(exc, form)
            else:
                messages.success(request, _("Measure recorded."))
                return redirect("web:household", pk=household.pk)
    return render_page(request, "web/form.html", {
        "title": _("Add an assistance measure"), "subtitle": f"{household.number} {household.head_name}", "household": household,
        "forms": [{"form": form}], "submit": _("Add measure"), "crumbs": web.breadcrumb(user, household.area),
        "cancel_url": reverse("web:household", kwargs={"pk": household.pk}),
    }, status=status)
