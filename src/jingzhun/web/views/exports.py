"""Export pages (`/exports/`): the register of an area in the import layouts, written in the background.

* ``/exports/``: the form (area in the user's view scope, layout members or incomes, year of an income file,
  format xlsx / CSV / Parquet, and "full identity numbers" for a user who may unmask them) and the user's own
  recent exports. ``?area=<code>`` (the area page's "Export" link) preselects an area; outside the scope it is a
  404. A POST starts ``imports.export_tasks.export_task`` (job kind ``export``, view scope) and goes to the job.
* ``/exports/<id>/``: the job's progress (htmx polls the page itself, target ``#export-job``), then the download.
* ``/exports/<id>/download``: the file, under a name like ``jingzhun_members_522633_20261122.xlsx``.

An export job is its creator's: for anyone else its page and its file are a 404 (the job list starts from
``Job.objects.visible_to`` and keeps the user's own jobs). The file is deleted after 24 hours
(``export_tasks.purge_old_exports``).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhun.accounts.selectors import home_area
from jingzhun.areas.models import Area, pad
from jingzhun.core.scoping import UNMASK, VIEW, get_visible_or_404, in_scope, user_prefixes
from jingzhun.imports.export_tasks import CONTENT_TYPES, FORMATS, KIND, export_path, export_task
from jingzhun.jobs.models import Job, JobStatus
from jingzhun.jobs.services import job_start

from .. import selectors as web
from .common import login_required, render_page

RUNNING = (JobStatus.QUEUED, JobStatus.RUNNING)
RECENT = 20


# --- reads ----------------------------------------------------------------------------------------


def export_jobs(user):
    """The user's own export jobs in their scope, newest first."""
    return (Job.objects.visible_to(user, VIEW).filter(kind=KIND, created_by=user.pk).select_related("area")
            .order_by("-created_at", "-id"))


def export_areas(user) -> list[tuple[Area, bool]]:
    """The areas offered: the roots of the user's view scope and one level below each (a national scope: the
    provinces). (area, is a child) pairs in code order."""
    return web.scope_area_choices(user, VIEW)


def may_unmask_somewhere(user) -> bool:
    prefixes = user_prefixes(user, UNMASK)
    return prefixes is None or bool(prefixes)


# --- the form -------------------------------------------------------------------------------------


class ExportForm(forms.Form):
    area = forms.CharField(label=gettext_lazy("Area"), widget=forms.Select)
    layout = forms.ChoiceField(label=gettext_lazy("Contents"), choices=[
        ("members", gettext_lazy("Households and members (one row per person)")),
        ("incomes", gettext_lazy("Incomes (one row per household and year)")),
    ], initial="members")
    year = forms.IntegerField(label=gettext_lazy("Year"), required=False, min_value=2000, max_value=2100,
                              help_text=gettext_lazy("Incomes only: one year (empty: every year)."))
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=[
        ("xlsx", gettext_lazy("Excel workbook (xlsx)")), ("csv", gettext_lazy("CSV (UTF-8)")), ("parquet", "Parquet"),
    ], initial="xlsx")
    unmask = forms.BooleanField(label=gettext_lazy("Full identity numbers"), required=False,
                                help_text=gettext_lazy("The export is recorded in the audit log."))

    def __init__(self, *args, user, selected: Area | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        areas = export_areas(user)
        if selected is not None and selected.code not in {a.code for a, _child in areas}:
            areas.insert(0, (selected, False))
        self.fields["area"].widget.choices = [(a.code, ("— " if child else "") + f"{a.name} ({a.prefix})") for a, child in areas]
        home = home_area(user)
        codes = [a.code for a, _child in areas]
        self.fields["area"].initial = (selected.code if selected is not None else
                                       home.code if home is not None and home.code in codes else next(iter(codes), None))
        self.fields["year"].widget.attrs.update({"placeholder": "2020"})
        if not may_unmask_somewhere(user):
            del self.fields["unmask"]

    def clean_area(self):
        """Any area in the user's view scope (not only those listed); anything else is a 404, as everywhere."""
        code = (self.cleaned_data["area"] or "").strip()
        if not code.isdigit() or not 2 <= len(code) <= 12:
            raise Http404
        return get_visible_or_404(self.user, Area, VIEW, code=pad(code))

    def clean(self):
        data = super().clean()
        if data.get("layout") != "incomes":
            data["year"] = None
        area = data.get("area")
        if data.get("unmask") and area is not None and not in_scope(self.user, area.code, UNMASK):
            self.add_error("unmask", _("You may not see full identity numbers in this area."))
        return data


# --- pages ----------------------------------------------------------------------------------------


def _job_url(job: Job) -> str:
    return reverse("web:export", kwargs={"pk": job.pk})


def _selected_area(request) -> Area | None:
    code = (request.GET.get("area") or "").strip()
    if not code:
        return None
    if not code.isdigit() or not 2 <= len(code) <= 12:
        raise Http404
    return get_visible_or_404(request.user, Area, VIEW, code=pad(code))


@login_required
def exports(request):
    """The form and the user's recent exports (POST: start the export, go to its page)."""
    user = request.user
    form = ExportForm(request.POST or None, user=user, selected=None if request.method == "POST" else _selected_area(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            params = {"layout": data["layout"], "format": data["format"], "year": data["year"], "unmask": bool(data.get("unmask"))}
            try:
                job = job_start(actor=user, kind=KIND, area=data["area"], params=params, task=export_task, action=VIEW)
            except PermissionDenied:
                raise Http404 from None
            return redirect(_job_url(job))
        status = 400
    jobs = list(export_jobs(user)[:RECENT])
    context = {"nav": "exports", "form": form, "jobs": [_job_row(j) for j in jobs], "can_export": bool(form.fields["area"].widget.choices)}
    return render_page(request, "web/exports.html", context, status=status)


def _job_row(job: Job) -> dict:
    path = export_path(job) if job.status == JobStatus.SUCCEEDED else None
    return {"job": job, "layout": job.params.get("layout", "members"), "format": job.params.get("format", ""),
            "year": job.params.get("year"), "unmask": bool((job.result or {}).get("unmasked", job.params.get("unmask"))),
            "rows": (job.result or {}).get("rows"), "available": path is not None,
            "expired": job.status == JobStatus.SUCCEEDED and path is None}


@login_required
def export_job(request, pk: int):
    """The export's progress (htmx polls `#export-job` every second while it runs), then its download."""
    job = get_visible_or_404(request.user, export_jobs(request.user), VIEW, pk=pk)
    context = {"nav": "exports", **_job_row(job), "running": job.status in RUNNING, "poll_url": _job_url(job)}
    return render_page(request, "web/exports_job.html", context, partials={"export-job": "job"})


@login_required
def export_download(request, pk: int):
    """The file, for the user who started the export; back to the job's page while there is none (yet)."""
    job = get_visible_or_404(request.user, export_jobs(request.user), VIEW, pk=pk)
    path = export_path(job) if job.status == JobStatus.SUCCEEDED else None
    if path is None:
        return redirect(_job_url(job))
    fmt = job.params.get("format") or path.suffix.lstrip(".")
    if fmt not in FORMATS:
        raise Http404
    return FileResponse(open(path, "rb"), as_attachment=True, filename=job.result.get("filename") or path.name,
                        content_type=CONTENT_TYPES[fmt])
