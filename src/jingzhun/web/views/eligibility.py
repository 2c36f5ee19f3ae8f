"""The eligibility evaluation and the monitoring scan on a page (issue 5): ``/cases/eligibility/``.

* **Evaluation** (``procedures.eligibility.evaluate_eligibility``): an area in the user's scope and a year; the
  counts (households evaluated, candidates for identification, proposed exits, blocked exits), the households
  carrying each reason code per list, then one list at a time (tabs ``list=candidates|exits|blocked``), 100 per
  page: household number, head's name, village, per-capita income, the line and the reasons.  Never an identity
  number (none is read).  Village cadres tick households of their village and open identification or exit cases
  for them (``procedures.proposals.cases_open_from_proposals``: evaluated again, all or nothing, households with
  an open case of the procedure skipped and named).  A household with an open case shows it instead of a box.
* **Monitoring scan now** (county offices and above, over the area): ``procedures.proposals.monitoring_scan_start``
  starts a ``jobs.Job`` of kind ``monitoring.scan`` (params ``{"area": code, "as_of": "YYYY-MM-DD"}``) running
  ``procedures.scan_apply.monitoring_scan_task``; htmx polls its progress every second and shows the counts
  (opened, updated, already monitored) with a link to the inbox.  One scan per area at a time: a second click
  shows the one running.

Synchronous evaluation, decided: the evaluation is two statements for the counts and one per list (streamed,
``eligibility.py``), about 3 s per million persons measured on PostgreSQL, so a county (a few hundred thousand
persons) answers in about a second and a page of 100 rows re-runs it (no state kept between pages: the lists
always show the register as it is now, which a stored job result would not).  A prefecture or a province would
take tens of seconds, so an area above county level is evaluated only when the user asks for it (the form's
button), never when the page is opened; the page opens on the user's home area, evaluated at once when it is
a county or below.  A job would have to store millions of rows to page them: not worth it for a list that is
worked village by village.

The nav link: ``/cases/`` loads ``/cases/eligibility/link/`` (htmx, after the page), which answers the link for
users with a village, township or county role (or an office above), and nothing for others.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jingzhun.accounts.models import Role
from jingzhun.accounts.selectors import active_assignments, home_area
from jingzhun.areas.models import Area, Level
from jingzhun.core.scoping import VIEW, get_visible_or_404
from jingzhun.jobs.models import Job, JobStatus
from jingzhun.policy.models import PovertyLine
from jingzhun.procedures.eligibility import EXIT_REASONS, REASONS, NoPovertyLine, evaluate_eligibility
from jingzhun.procedures.models import Procedure
from jingzhun.procedures.proposals import (
    PROCEDURE_OF_LIST,
    SCAN_JOB_KIND,
    SCAN_ROLES,
    PageableProposals,
    RoleRequired,
    cases_open_from_proposals,
    monitoring_scan_start,
    proposal_rows,
    reason_label,
    role_prefixes,
    running_scan,
    scan_allowed,
)
from jingzhun.registry.forms import DATE_WIDGET, add_service_errors

from .. import selectors as web
from .common import int_or_none, login_required, render_page

PAGE_SIZE = 100
LISTS = ("candidates", "exits", "blocked")
LIST_LABELS = {"candidates": gettext_lazy("Candidates for identification"), "exits": gettext_lazy("Proposed exits"),
               "blocked": gettext_lazy("Blocked exits")}
#: Areas offered in the select: the user's areas, then the levels below them while the list stays this short.
AREA_OPTIONS_CAP = 600
#: Roles that see the link on /cases/ (procedure roles and the offices above them).
LINK_ROLES = (Role.VILLAGE, Role.TOWNSHIP, *SCAN_ROLES)



def line_years() -> list[int]:
    """The years with a poverty line, newest first (the evaluation needs one)."""
    return sorted(set(PovertyLine.objects.values_list("year", flat=True)), reverse=True)


def default_year(years: list[int]) -> int:
    this_year = timezone.localdate().year
    return next((y for y in years if y <= this_year), this_year)


def area_options(user, current: Area | None) -> list[dict]:
    """The user's areas and the areas below them, level by level while the list stays under AREA_OPTIONS_CAP."""
    roots = web.scope_roots(user)
    if user.is_superuser or "" in role_prefixes(user, (Role.NATIONAL,)):  # the whole country
        roots = list(Area.objects.filter(level=Level.PROVINCE, valid_to__isnull=True))
    areas = {a.code: a for a in roots}
    if roots:
        top = min(a.level for a in roots)
        condition = Q()
        for a in roots:
            condition |= Q(code__startswith=a.prefix)
        for level in range(top + 1, Level.VILLAGE + 1):
            below = Area.objects.filter(condition, level=level, valid_to__isnull=True)
            if len(areas) + below.count() > AREA_OPTIONS_CAP:
                break
            areas.update((a.code, a) for a in below)
    if current is not None:
        areas[current.code] = current
    top = min((a.level for a in areas.values()), default=1)
    return [{"value": a.prefix, "label": "\u2003" * (a.level - top) + a.name, "area": a} for a in sorted(areas.values(), key=lambda a: a.code)]


def village_prefixes(user) -> list[str]:
    """The villages where the user holds a village role (the level that opens cases)."""
    return [ra.area.code for ra in active_assignments(user) if ra.role == Role.VILLAGE and ra.area.level == Level.VILLAGE]


def _decorate(proposals, list_name: str, openers: list[str], selected: set[int]) -> list[dict]:
    """Rows of a page (``proposal_rows``: three queries), with a box for households of the user's villages without an open case."""
    rows = proposal_rows(proposals, list_name)
    for r in rows:
        r["selectable"] = bool(PROCEDURE_OF_LIST.get(list_name)) and r["open_case"] is None and any(r["village"].startswith(v) for v in openers)
        r["checked"] = r["household"] in selected
    return rows


def _reason_rows(result) -> list[dict]:
    counts = result.reason_counts
    return [{"code": code, "label": reason_label(code), **{name: counts[name].get(code) for name in LISTS}}
            for code in (*REASONS, *EXIT_REASONS)]


def _job_context(job: Job) -> dict:
    return {"job": job, "running": job.status in (JobStatus.QUEUED, JobStatus.RUNNING),
            "poll_url": reverse("web:eligibility_scan_job", kwargs={"pk": job.pk}),
            "inbox_url": f"{reverse('web:cases')}?{urlencode({'tab': 'inbox', 'procedure': Procedure.MONITORING})}",
            "as_of": job.params.get("as_of", ""), "result": job.result or {}}


class ScanForm(forms.Form):
    as_of = forms.DateField(label=gettext_lazy("Scan date"), widget=DATE_WIDGET)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["as_of"].widget.attrs["max"] = timezone.localdate().isoformat()  # the service refuses a future date too


def _page(request, data, *, status: int = 200, errors: list[str] | None = None, selected=(), scan_form: ScanForm | None = None,
          scan_area: Area | None = None):
    """The page for the parameters in `data` (the query, or the posted form when a POST is answered with its errors)."""
    user = request.user
    code = (data.get("area") or "").strip()
    area = web.area_for(user, code) if code else None
    explicit = area is not None
    if area is None:
        home = home_area(user)
        area = web.area_for(user, home.code) if home is not None else None
    if area is None and not user.is_superuser:
        return render_page(request, "web/no_scope.html", {})
    years = line_years()
    year = int_or_none(data.get("year"))
    if year is None or not 1978 <= year <= 2100:
        year = default_year(years)
    if year not in years:
        years = sorted({*years, year}, reverse=True)
    list_name = data.get("list") if data.get("list") in LISTS else "candidates"
    context = {
        "nav": "cases", "area": area, "year": year, "years": years, "list": list_name, "lists": [], "errors": errors or [],
        "options": area_options(user, area), "results_url": reverse("web:eligibility"), "result": None, "today": timezone.localdate(),
        "crumbs": web.breadcrumb(user, area) if area else [],
    }
    if area is not None and (explicit or area.level >= Level.COUNTY):
        try:
            result = evaluate_eligibility(area_code=area.code, year=year)
        except NoPovertyLine:
            context["errors"] = [*context["errors"], _("No poverty line of %(year)s applies to %(area)s.") % {"year": year, "area": area.name}]
        else:
            openers = village_prefixes(user)
            page_obj = Paginator(PageableProposals(getattr(result, list_name)), PAGE_SIZE).get_page(data.get("page"))
            query = {"area": area.prefix, "year": year}
            context.update({
                "result": result, "counts": result.counts, "reason_rows": _reason_rows(result), "page_obj": page_obj,
                "rows": _decorate(page_obj.object_list, list_name, openers, {int(x) for x in selected}),
                "procedure": PROCEDURE_OF_LIST.get(list_name, ""),
                "lists": [{"name": n, "label": LIST_LABELS[n], "count": result.counts[n], "url": f"{reverse('web:eligibility')}?{urlencode({**query, 'list': n})}"}
                          for n in LISTS],
                "page_query": urlencode({**query, "list": list_name}),
            })
            context["can_open"] = any(r["selectable"] for r in context["rows"])
    scan_area = scan_area or area
    if scan_area is not None and scan_allowed(user, scan_area.code):
        job = running_scan(scan_area)
        context.update({"can_scan": True, "scan_area": scan_area,
                        "scan_form": scan_form or ScanForm(initial={"as_of": timezone.localdate()}), "scan_job": _job_context(job) if job else None})
    return render_page(request, "web/eligibility.html", context, status=status)


@login_required
def eligibility(request):
    return _page(request, request.GET)


@never_cache
@login_required
def eligibility_link(request):
    """The link on /cases/ (an htmx fragment): for procedure roles and the offices above them, else nothing."""
    if not (request.user.is_superuser or role_prefixes(request.user, LINK_ROLES)):
        return HttpResponse("")
    return HttpResponse(render_to_string("web/_eligibility_link.html", {}, request=request))


@require_POST
@login_required
def eligibility_open(request):
    """Open identification or exit cases for the ticked households (the service evaluates them again)."""
    user, post = request.user, request.POST
    area = web.area_for(user, (post.get("area") or "").strip())
    procedure = post.get("procedure", "")
    selected = [x for x in post.getlist("households") if x.isdigit()]
    try:
        opened = cases_open_from_proposals(actor=user, area_code=area.code, year=int_or_none(post.get("year")), household_ids=post.getlist("households"),
                                           procedure=procedure)
    except RoleRequired as exc:
        return _page(request, post, status=403, errors=[str(exc)], selected=selected)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        return _page(request, post, status=400, errors=[_("No case was opened.")] + [str(m) for m in exc.messages], selected=selected)
    if opened:
        if procedure == Procedure.IDENTIFICATION:
            text = ngettext("%(n)s identification case opened.", "%(n)s identification cases opened.", len(opened))
        else:
            text = ngettext("%(n)s exit case opened.", "%(n)s exit cases opened.", len(opened))
        messages.success(request, text % {"n": len(opened)})
    if opened.skipped:
        messages.warning(request, _("Skipped, a case of this procedure is already open: %(households)s.")
                         % {"households": "、".join(h.number for h in opened.skipped)})
    query = {"area": area.prefix, "year": post.get("year", ""), "list": post.get("list", ""), "page": post.get("page", "")}
    query = {k: v for k, v in query.items() if v and (k not in ("year", "page") or int_or_none(v))}
    return redirect(f"{reverse('web:eligibility')}?{urlencode(query)}")


@require_POST
@login_required
def eligibility_scan(request):
    """Start the monitoring scan of an area (or show the one running); htmx gets the scan section, others the job page."""
    user = request.user
    htmx = getattr(request, "htmx", False)
    area = web.area_for(user, (request.POST.get("area") or "").strip())
    form = ScanForm(request.POST)
    context = {"can_scan": True, "scan_area": area, "scan_form": form, "options": area_options(user, area), "scan_job": None}
    status = 400
    if form.is_valid():
        try:
            job, _started = monitoring_scan_start(actor=user, area=area, as_of=form.cleaned_data["as_of"])
        except RoleRequired as exc:
            context["scan_errors"], status = [str(exc)], 403
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            add_service_errors(exc, form)
        else:
            if not htmx:
                return redirect("web:eligibility_scan_job", pk=job.pk)
            context.update({"scan_form": ScanForm(initial={"as_of": timezone.localdate()}), "scan_job": _job_context(job)})
            status = 200 if job.status == JobStatus.SUCCEEDED else 202
    if htmx:
        response = render(request, "web/_eligibility_scan.html", context, status=status)
        patch_vary_headers(response, ["HX-Request"])
        return response
    return _page(request, request.POST, status=status, errors=context.get("scan_errors"), scan_form=form, scan_area=area)


@login_required
def eligibility_scan_job(request, pk: int):
    """The progress and result of a scan; htmx polls the fragment every second while it runs."""
    job = get_visible_or_404(request.user, Job.objects.filter(kind=SCAN_JOB_KIND).select_related("area"), VIEW, pk=pk)
    context = {**_job_context(job), "back_url": f"{reverse('web:eligibility')}?{urlencode({'area': job.area.prefix})}"}
    template = "web/_eligibility_scan_job.html" if getattr(request, "htmx", False) else "web/eligibility_scan_job.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response

