"""Bulk import pages (`/imports/`): upload a file, watch it being checked, read the report, confirm the merge.

* ``/imports/``: the imports the user can see (their area's), newest first; the upload form (file, area where
  the user may change data, optional year of an income-only file) and the empty templates. An upload is stored
  by ``imports.services.import_create`` and checked in the background (``import_validate_task``, job kind
  ``import.validate``); the browser goes to the import's page.
* ``/imports/<id>/``: the status; while a job of the import runs, its progress (htmx polls
  ``/imports/<id>/progress/`` and reloads the page when the job is over); after the check, the counts by issue
  code and the issues (filter by code and severity, 100 per page), the report as JSON, CSV and xlsx, and, when
  the import has no errors, "Confirm and merge" (``import_merge_task``, job kind ``import.merge``); a merge
  that stopped half-way (status merging, no job running) offers "Resume merge"; after the merge, its counts.

Every read starts from ``ImportBatch.objects.visible_to``; an import outside the user's scope is a 404, and so
is a write (merge, check again) without change scope in the import's area.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from jingzhun.accounts.selectors import home_area
from jingzhun.areas.models import Area
from jingzhun.core.scoping import CHANGE, UNMASK, VIEW, get_visible_or_404, in_scope
from jingzhun.imports import report
from jingzhun.imports._read_errors import MESSAGES as READ_MESSAGES
from jingzhun.imports._read_errors import mb
from jingzhun.imports.codes import ERROR, WARNING
from jingzhun.imports.models import ImportBatch, ImportStatus
from jingzhun.imports.report_xlsx import column_label, issue_record, issue_text, write_report_csv, write_report_xlsx
from jingzhun.imports.services import import_create, import_report_unmasked
from jingzhun.imports.tasks import import_merge_task, import_validate_task
from jingzhun.imports.template import template_filename, write_template
from jingzhun.jobs.models import Job, JobStatus
from jingzhun.jobs.services import job_start

from .. import selectors as web
from .common import login_required, render_page

VALIDATE, MERGE = "import.validate", "import.merge"
JOB_KINDS = (VALIDATE, MERGE)
RUNNING = (JobStatus.QUEUED, JobStatus.RUNNING)
LIST_PAGE_SIZE = 50
ISSUE_PAGE_SIZE = 100
EXTENSIONS = (".xlsx", ".xlsm", ".csv", ".txt", ".tsv", ".parquet")
REPORTED = (ImportStatus.INVALID, ImportStatus.VALIDATED, ImportStatus.MERGING, ImportStatus.MERGED)
TEMPLATES = {  # name -> (layout, two sheets, formats)
    "members": ("members", False, ("xlsx", "csv")),
    "households_members": ("members", True, ("xlsx",)),
    "incomes": ("incomes", False, ("xlsx", "csv")),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- reads (each starts from visible_to) ----------------------------------------------------------


def batches_visible(user, action: str = VIEW):
    return ImportBatch.objects.visible_to(user, action).select_related("area", "created_by")


def batch_jobs(user, batch: ImportBatch):
    return Job.objects.visible_to(user).filter(kind__in=JOB_KINDS, params__batch=batch.pk)


def latest_job(user, batch: ImportBatch) -> Job | None:
    return batch_jobs(user, batch).order_by("-created_at", "-id").first()


def running_job(user, batch: ImportBatch) -> Job | None:
    return batch_jobs(user, batch).filter(status__in=RUNNING).order_by("-created_at", "-id").first()


def upload_areas(user) -> list[tuple[Area, bool]]:
    """The areas an upload may be filed under: where the user may change data, the roots of that scope and
    one level below each (a national scope: the provinces). (area, is a child) pairs in code order."""
    return web.scope_area_choices(user, CHANGE)


# --- the upload form ------------------------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"),
                           help_text=gettext_lazy("An xlsx workbook, a CSV file (UTF-8 or GB18030) or a Parquet file."))
    area = forms.ChoiceField(label=gettext_lazy("Area"),
                             help_text=gettext_lazy("The import's report is visible to the users of this area."))
    year = forms.IntegerField(label=gettext_lazy("Year"), required=False, min_value=2010, max_value=2035,
                              help_text=gettext_lazy("Only for a file of incomes: the year it is for."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        areas = upload_areas(user)
        self.areas = {a.code: a for a, _child in areas}
        self.fields["area"].choices = [(a.code, ("— " if child else "") + f"{a.name} ({a.prefix})") for a, child in areas]
        home = home_area(user)
        self.fields["area"].initial = home.code if home is not None and home.code in self.areas else next(iter(self.areas), None)
        self.fields["file"].widget.attrs.update({"accept": ",".join(EXTENSIONS), "data-max-bytes": settings.IMPORT_MAX_BYTES,
                                                 "data-too-large": too_large_message(None)})
        self.fields["year"].widget.attrs.update({"placeholder": "2020"})

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        if suffix == ".xls":
            raise forms.ValidationError(_("Old .xls workbooks cannot be read: open the file in Excel and save it as .xlsx."))
        if suffix not in EXTENSIONS:
            raise forms.ValidationError(_("Choose an xlsx workbook, a CSV file or a Parquet file."))
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(too_large_message(upload.size))
        return upload

    def clean_area(self):
        return self.areas[self.cleaned_data["area"]]


def too_large_message(size: int | None) -> str:
    """The refusal of a file over IMPORT_MAX_BYTES: the reader's own message (code ``too_large``) when the size is
    known, else (the browser's check before uploading) the same advice without the size."""
    limit = mb(settings.IMPORT_MAX_BYTES)
    if size is None:
        return _("The file is larger than %(limit)s MB, the largest file accepted. Split it (for example by township) "
                 "and import the parts.") % {"limit": limit}
    en, zh = READ_MESSAGES["too_large"]
    return (zh if (get_language() or "").startswith("zh") else en).format(size_mb=mb(size), limit_mb=limit)


# --- pages ----------------------------------------------------------------------------------------


def _batch_url(batch: ImportBatch) -> str:
    return reverse("web:import", kwargs={"pk": batch.pk})


@login_required
def imports(request):
    """The list of imports and the upload form (POST: upload, start the check, go to the import's page)."""
    user = request.user
    form = UploadForm(request.POST or None, request.FILES or None, user=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                batch = import_create(actor=user, source=data["file"], area=data["area"], year=data["year"])
                job_start(actor=user, kind=VALIDATE, area=data["area"], params={"batch": batch.pk}, task=import_validate_task)
            except PermissionDenied:
                raise Http404 from None
            messages.success(request, _("%(name)s received.") % {"name": batch.original_name})
            return redirect(_batch_url(batch))
        status = 400
    page_obj = Paginator(batches_visible(user), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "nav": "imports", "form": form, "page_obj": page_obj, "can_upload": bool(form.areas),
        "max_mb": mb(settings.IMPORT_MAX_BYTES), "templates": _template_links(),
    }
    return render_page(request, "web/imports.html", context, status=status)


def _template_links() -> list[dict]:
    labels = {"members": _("Households and members (one row per person)"),
              "households_members": _("Households and members (two sheets)"),
              "incomes": _("Incomes (one row per household and year)")}
    return [{"label": labels[name], "links": [(fmt, reverse("web:import_template", kwargs={"name": name, "fmt": fmt}))
                                              for fmt in formats]}
            for name, (_layout, _two, formats) in TEMPLATES.items()]


@login_required
def import_template(request, name: str, fmt: str):
    """The empty import template (xlsx with dropdowns and instructions, or a CSV header row)."""
    if name not in TEMPLATES or fmt not in TEMPLATES[name][2]:
        raise Http404
    layout, two_sheets, _formats = TEMPLATES[name]
    return _file_response(lambda path: write_template(path, layout, two_sheets=two_sheets), f".{fmt}",
                          template_filename(layout, fmt, two_sheets=two_sheets))


def _file_response(write, suffix: str, filename: str) -> FileResponse:
    """Write a file under VAR_DIR/tmp and stream it; the name is unlinked at once (the open handle keeps the data)."""
    tmp_dir = Path(settings.VAR_DIR) / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=tmp_dir, suffix=suffix, delete=False) as fh:
        path = Path(fh.name)
    try:
        write(path)
        handle = open(path, "rb")
    finally:
        path.unlink(missing_ok=True)
    content_type = {".xlsx": XLSX, ".csv": "text/csv; charset=utf-8", ".json": "application/json; charset=utf-8"}[suffix]
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)


def _failure(batch: ImportBatch, language: str) -> str:
    """Why the file could not be read, in the language (the reader's two messages, kept on the batch)."""
    unreadable = batch.result.get("unreadable") or {}
    return unreadable.get("zh" if language.startswith("zh") else "en") or batch.message


def _issue_filters(request, summary: list[dict]) -> dict:
    codes = [row["code"] for row in summary]
    code = request.GET.get("code") or ""
    severity = request.GET.get("severity") or ""
    return {"code": code if code in codes else "", "severity": severity if severity in (ERROR, WARNING) else "", "codes": codes}


def _issue_rows(page, language: str, unmask: bool) -> list[dict]:
    return [{"sheet": i.sheet, "row": i.row, "column": i.column, "column_label": column_label(i.column, language) if i.column else "",
             "code": i.code, "severity": i.severity, "message": issue_text(i, language, unmask=unmask)}
            for i in page]


def may_unmask(user, batch: ImportBatch) -> bool:
    """Whether the user may read the import's full identity numbers (the source rows of the xlsx report, upgraded
    15-digit numbers in messages): the unmask scope in the import's area."""
    return in_scope(user, batch.area.code, UNMASK) if batch.area_id else bool(user.is_superuser)


@login_required
def import_batch(request, pk: int):
    user = request.user
    batch = get_visible_or_404(user, batches_visible(user), VIEW, pk=pk)
    language = get_language() or settings.LANGUAGE_CODE
    job = latest_job(user, batch)
    running = job is not None and job.status in RUNNING
    can_change = batch.area_id is not None and in_scope(user, batch.area.code, CHANGE)
    url = _batch_url(batch)
    context = {
        "nav": "imports", "batch": batch, "job": job, "running": running, "batch_url": url,
        "poll_url": reverse("web:import_progress", kwargs={"pk": batch.pk}),
        "can_merge": can_change and not running and batch.status == ImportStatus.VALIDATED and batch.error_count == 0,
        "can_resume": can_change and not running and batch.status == ImportStatus.MERGING,
        "can_recheck": can_change and not running and batch.status in (ImportStatus.UPLOADED, ImportStatus.VALIDATING),
        "counts": _merge_counts(batch),
        "failure": _failure(batch, language) if batch.status == ImportStatus.FAILED else "",
        "staging_lost": batch.status == ImportStatus.UPLOADED and batch.message.startswith("staging_lost"),
        "reported": batch.status in REPORTED and not (running and job.kind == VALIDATE),
        "can_unmask": may_unmask(user, batch),
    }
    if context["reported"]:
        summary = [{"code": code, "severity": sev, "count": n} for code, sev, n in report.summary(batch)]
        filters = _issue_filters(request, summary)
        qs = report.issues(batch, code=filters["code"] or None)
        if filters["severity"]:
            qs = qs.filter(severity=filters["severity"])
        page_obj = Paginator(qs, ISSUE_PAGE_SIZE).get_page(request.GET.get("page"))
        context.update({"summary": summary, "filters": filters, "page_obj": page_obj,
                        "issues": _issue_rows(page_obj, language, context["can_unmask"]),
                        "filtered": bool(filters["code"] or filters["severity"])})
    return render_page(request, "web/imports_batch.html", context, partials={"import-issues": "issues"})


def _merge_counts(batch: ImportBatch) -> list[tuple[str, int]]:
    labels = {"households_created": _("Households created"), "households_updated": _("Households updated"),
              "persons_created": _("Persons created"), "persons_updated": _("Persons updated"),
              "income_records": _("Income records written")}
    counts = (batch.result or {}).get("counts") or {}
    order = [key for key in labels if key in counts] + sorted(key for key in counts if key not in labels)  # jsonb reorders keys
    return [(labels.get(key, key), counts[key]) for key in order]


@login_required
def import_progress(request, pk: int):
    """The progress of the import's running job (polled by htmx); when no job runs any more, back to the page."""
    user = request.user
    batch = get_visible_or_404(user, batches_visible(user), VIEW, pk=pk)
    job = latest_job(user, batch)
    url = _batch_url(batch)
    htmx = getattr(request, "htmx", False)
    if job is None or job.status not in RUNNING:
        return HttpResponseClientRedirect(url) if htmx else redirect(url)
    if not htmx:
        return redirect(url)
    context = {"batch": batch, "job": job, "running": True, "poll_url": request.path}
    response = render(request, "web/_import_job.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _start(request, batch: ImportBatch, kind: str, task) -> None:
    try:
        job_start(actor=request.user, kind=kind, area=batch.area, params={"batch": batch.pk}, task=task)
    except PermissionDenied:
        raise Http404 from None


@require_POST
@login_required
def import_merge(request, pk: int):
    """Confirm and merge (or resume an interrupted merge): only a validated import without errors."""
    user = request.user
    batch = get_visible_or_404(user, batches_visible(user), CHANGE, pk=pk)
    url = _batch_url(batch)
    if running_job(user, batch) is not None:
        return redirect(url)
    if batch.area_id is None or batch.status not in (ImportStatus.VALIDATED, ImportStatus.MERGING) or batch.error_count:
        messages.error(request, _("Only a validated import without errors can be merged (this one: %(status)s, %(errors)s errors).")
                       % {"status": batch.get_status_display(), "errors": batch.error_count})
        return redirect(url)
    _start(request, batch, MERGE, import_merge_task)
    return redirect(url)


@require_POST
@login_required
def import_recheck(request, pk: int):
    """Check the file again when a check stopped without a result (the worker was stopped): validation is idempotent."""
    user = request.user
    batch = get_visible_or_404(user, batches_visible(user), CHANGE, pk=pk)
    if batch.area_id is not None and running_job(user, batch) is None and batch.status in (ImportStatus.UPLOADED, ImportStatus.VALIDATING):
        _start(request, batch, VALIDATE, import_validate_task)
    return redirect(_batch_url(batch))


# --- downloads ------------------------------------------------------------------------------------


def _reported_batch(request, pk: int) -> ImportBatch:
    user = request.user
    batch = get_visible_or_404(user, batches_visible(user), VIEW, pk=pk)
    if batch.status not in REPORTED:
        raise Http404
    return batch


def _report_name(batch: ImportBatch, ext: str) -> str:
    return f"jingzhun-import-{batch.pk}-report.{ext}"


@login_required
def import_report_json(request, pk: int):
    """The report as the CLI's JSON: [{row, column, code, message}], messages in the page's language."""
    batch = _reported_batch(request, pk)
    language, unmask = get_language() or settings.LANGUAGE_CODE, may_unmask(request.user, batch)
    records = [issue_record(i, language, unmask=unmask) for i in report.issues(batch).iterator(chunk_size=5000)]
    response = HttpResponse(json.dumps(records, ensure_ascii=False, indent=1), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_report_name(batch, "json")}"'
    return response


@login_required
def import_report_csv(request, pk: int):
    """The issues as CSV (the columns of the workbook's issues sheet), UTF-8 with a byte-order mark."""
    batch = _reported_batch(request, pk)
    language, unmask = get_language() or settings.LANGUAGE_CODE, may_unmask(request.user, batch)
    return _file_response(lambda path: write_report_csv(batch, path, language=language, unmask=unmask), ".csv",
                          _report_name(batch, "csv"))


@login_required
def import_report_xlsx(request, pk: int):
    """The rows with issues, their bad cells marked, and the issues sheet (``imports.report_xlsx``).

    The rows are repeated as typed; identity numbers masked unless the user may unmask them (then the read is audited)."""
    batch = _reported_batch(request, pk)
    unmask = may_unmask(request.user, batch)
    if unmask:
        import_report_unmasked(actor=request.user, batch=batch)
    language = get_language() or settings.LANGUAGE_CODE
    return _file_response(lambda path: write_report_xlsx(batch, path, language=language, unmask=unmask), ".xlsx",
                          _report_name(batch, "xlsx"))
