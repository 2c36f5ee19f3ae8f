"""`api/imports/`: bulk import over the API, the same two phases as the web pages and the CLI.

* ``POST imports/`` (multipart: ``file``, ``area``, optional ``year``): stores the file
  (``imports.services.import_create``) and starts its check in the background (job ``import.validate``);
  202 with the import, its ``job`` being the check.
* ``GET imports/``: the imports in the caller's scope, newest first (paged).
* ``GET imports/{id}/``: status, row / household / person counts, errors and warnings, the counts by issue code
  (``summary``), the merge counts (``counts``) and the latest job of the import with its progress.
* ``GET imports/{id}/issues/?code=&severity=``: the issues, paged, ``{sheet, row, column, code, severity,
  message}`` with the message in the request's language (``Accept-Language``).
* ``POST imports/{id}/merge/``: confirm the merge (or resume one that stopped): 202 with the import, its
  ``job`` being the merge; 409 when the import has errors, is not validated or is already merged.
* ``POST imports/{id}/validate/``: check the file again when a check stopped without a result, or when the checked
  rows were lost (status ``uploaded`` with no job running); 409 otherwise.

Scope as in the rest of the API: an import outside the caller's scope is 404, and so is a write (upload into an
area, merge) without change scope there. A body that fails shape validation is 400 with ``{field: [message]}``.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from jingzhun.areas.models import Area, pad
from jingzhun.core.scoping import CHANGE, UNMASK, VIEW, get_visible_or_404, in_scope
from jingzhun.imports import report
from jingzhun.imports._read_errors import MESSAGES as READ_MESSAGES
from jingzhun.imports._read_errors import mb
from jingzhun.imports.codes import CODES, ERROR, WARNING
from jingzhun.imports.models import ImportBatch, ImportIssue, ImportStatus
from jingzhun.imports.report_xlsx import issue_text
from jingzhun.imports.services import import_create
from jingzhun.imports.tasks import import_merge_task, import_validate_task
from jingzhun.jobs.models import Job, JobStatus
from jingzhun.jobs.services import job_start

from .serializers import StrictInputMixin
from .views import NOT_FOUND, ApiViewSet

VALIDATE, MERGE = "import.validate", "import.merge"
RUNNING = (JobStatus.QUEUED, JobStatus.RUNNING)
EXTENSIONS = (".xlsx", ".xlsm", ".csv", ".txt", ".tsv", ".parquet")
SEVERITIES = [(ERROR, _("error")), (WARNING, _("warning"))]


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The import cannot be merged.")
    default_code = "conflict"


# --- an enum with its own component name (several serializers have a `status` field) -------------


class NamedChoiceField(serializers.ChoiceField):
    """A choice field documented as the OpenAPI component ``component`` (drf-spectacular would name every
    `status` enum after the field and warn about the collision)."""

    def __init__(self, *, component: str, **kwargs):
        self.component = component
        super().__init__(**kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField

    def map_serializer_field(self, auto_schema, direction):
        choices = self.target.choices
        component = ResolvedComponent(
            name=self.target.component, type=ResolvedComponent.SCHEMA, object=self.target.component,
            schema={"type": "string", "enum": list(choices), "description": "\n".join(f"* `{k}` - {v}" for k, v in choices.items())},
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


# --- serializers -----------------------------------------------------------------------------------


class ImportJobSerializer(serializers.ModelSerializer):
    status = NamedChoiceField(component="JobStatusEnum", choices=JobStatus.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    percent = serializers.IntegerField(read_only=True, help_text="progress / total in percent (0 while the total is unknown)")

    class Meta:
        model = Job
        fields = ["id", "kind", "status", "status_display", "progress", "total", "percent", "errors", "result", "created_at",
                  "started_at", "finished_at"]
        read_only_fields = fields
        extra_kwargs = {"kind": {"help_text": "import.validate (the check) or import.merge"},
                        "progress": {"help_text": "Rows read (check) or households / income records merged"},
                        "total": {"help_text": "0 while unknown (the check does not count the rows first)"}}


class CodeCountSerializer(serializers.Serializer):
    code = serializers.CharField()
    severity = NamedChoiceField(component="IssueSeverityEnum", choices=SEVERITIES)
    count = serializers.IntegerField()


class ImportBatchSerializer(serializers.ModelSerializer):
    status = NamedChoiceField(component="ImportStatusEnum", choices=ImportStatus.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    file_name = serializers.CharField(source="original_name", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True, allow_null=True, default=None)
    created_by = serializers.CharField(source="created_by.get_username", read_only=True, allow_null=True, default=None)
    counts = serializers.SerializerMethodField(help_text="What the merge wrote: households_created, households_updated, "
                                                         "persons_created, persons_updated (income files: income_records)")

    class Meta:
        model = ImportBatch
        fields = ["id", "file_name", "area", "area_name", "year", "size", "format", "encoding", "layout", "status",
                  "status_display", "rows", "households", "persons", "error_count", "warning_count", "counts", "message",
                  "created_by", "created_at", "validated_at", "merged_at"]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "integer"}})
    def get_counts(self, batch) -> dict:
        return dict((batch.result or {}).get("counts") or {})


class ImportBatchDetailSerializer(ImportBatchSerializer):
    summary = CodeCountSerializer(many=True, read_only=True, help_text="Issues by code, the most frequent first")
    job = ImportJobSerializer(read_only=True, allow_null=True, help_text="The import's latest job (check or merge)")

    class Meta(ImportBatchSerializer.Meta):
        fields = [*ImportBatchSerializer.Meta.fields, "summary", "job"]
        read_only_fields = fields


class ImportCreateSerializer(StrictInputMixin, serializers.Serializer):
    file = serializers.FileField(help_text="xlsx, CSV (UTF-8 or GB18030) or Parquet; recognised by content")
    area = serializers.RegexField(r"^[0-9]{2,12}$", help_text="The area the import is filed under (12 digits or its significant "
                                                              "digits): you must be allowed to change data there",
                                  error_messages={"invalid": _("An area code is 2 to 12 digits.")})
    year = serializers.IntegerField(min_value=2010, max_value=2035, required=False, allow_null=True,
                                    help_text="Only for a file of incomes: the year it is for")

    def validate_file(self, upload):
        suffix = Path(upload.name or "").suffix.lower()
        if suffix == ".xls":
            raise serializers.ValidationError(_("Old .xls workbooks cannot be read: open the file in Excel and save it as .xlsx."))
        if suffix not in EXTENSIONS:
            raise serializers.ValidationError(_("Choose an xlsx workbook, a CSV file or a Parquet file."))
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise serializers.ValidationError(too_large(upload.size))
        return upload


def too_large(size: int) -> str:
    """The reader's own message (code ``too_large``), in the request's language."""
    en, zh = READ_MESSAGES["too_large"]
    template = zh if (get_language() or "").startswith("zh") else en
    return template.format(size_mb=mb(size), limit_mb=mb(settings.IMPORT_MAX_BYTES))


class IssueQuerySerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=sorted(CODES), required=False, help_text="Only the issues of this code")
    severity = serializers.ChoiceField(choices=[ERROR, WARNING], required=False, help_text="error or warning")


class IssueSerializer(serializers.ModelSerializer):
    severity = NamedChoiceField(component="IssueSeverityEnum", choices=SEVERITIES, read_only=True)
    message = serializers.SerializerMethodField()

    class Meta:
        model = ImportIssue
        fields = ["sheet", "row", "column", "code", "severity", "message"]
        read_only_fields = fields
        extra_kwargs = {"sheet": {"help_text": "The workbook's sheet ('' for CSV and Parquet)"},
                        "row": {"help_text": "Row number in the file (the header is row 1; file-level issues are on row 1)"},
                        "column": {"help_text": "Column key (see the templates), '' for a file-level issue"}}

    def get_message(self, issue) -> str:
        """In the request's language; identity numbers masked unless the caller may unmask them in the import's area."""
        return issue_text(issue, get_language() or settings.LANGUAGE_CODE, unmask=self.context.get("unmask", False))


class IssuePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = IssueSerializer(many=True)


# --- reads -----------------------------------------------------------------------------------------


def latest_job(user, batch: ImportBatch, *, running: bool = False) -> Job | None:
    qs = Job.objects.visible_to(user).filter(kind__in=(VALIDATE, MERGE), params__batch=batch.pk)
    if running:
        qs = qs.filter(status__in=RUNNING)
    return qs.order_by("-created_at", "-id").first()


# --- the viewset -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Imports in your scope", description="Newest first. Each import's status, counts of rows, "
                       "errors and warnings, and what its merge wrote."),
    retrieve=extend_schema(summary="One import: status, counts by issue code, merge counts, the latest job's progress",
                           responses={200: ImportBatchDetailSerializer, 404: NOT_FOUND}),
)
class ImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    scope_by_action = {"create": CHANGE, "merge": CHANGE, "validate": CHANGE}

    def get_serializer_class(self):
        return ImportBatchSerializer if self.action == "list" else ImportBatchDetailSerializer

    def get_queryset(self):
        return ImportBatch.objects.visible_to(self.request.user, self.scope).select_related("area", "created_by")

    def render_batch(self, batch: ImportBatch, *, job: Job | None = None, **kwargs) -> Response:
        batch = ImportBatch.objects.visible_to(self.request.user, VIEW).select_related("area", "created_by").get(pk=batch.pk)
        if job is not None:
            job.refresh_from_db()  # a task backend that runs at once has finished it already
        batch.job = job if job is not None else latest_job(self.request.user, batch)
        batch.summary = [{"code": code, "severity": sev, "count": n} for code, sev, n in report.summary(batch)]
        return self.out(ImportBatchDetailSerializer, batch, **kwargs)

    def retrieve(self, request, pk=None):
        return self.render_batch(self.get_object())

    @extend_schema(
        summary="Upload a file to import: stored, then checked in the background",
        description="Multipart form: `file`, `area` (where you may change data), `year` (income files). 202: the import "
                    "(status `uploaded` until the worker starts the check) with `job`, the check; poll `imports/{id}/`. "
                    "Nothing reaches the register before `merge`.",
        request={"multipart/form-data": ImportCreateSerializer},
        responses={202: ImportBatchDetailSerializer, 400: OpenApiResponse(description="Invalid data: `{field: [message]}`"),
                   404: OpenApiResponse(description="Area unknown or outside your change scope")},
    )
    def create(self, request):
        serializer = ImportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        area = get_visible_or_404(request.user, Area, CHANGE, code=pad(data["area"]))
        upload = data["file"]
        batch = import_create(actor=request.user, source=upload, area=area, year=data.get("year"))
        job = job_start(actor=request.user, kind=VALIDATE, area=area, params={"batch": batch.pk}, task=import_validate_task)
        response = self.render_batch(batch, job=job, status=status.HTTP_202_ACCEPTED)
        response["Location"] = request.build_absolute_uri(reverse("api:import-detail", kwargs={"pk": batch.pk}))
        return response

    @extend_schema(
        summary="The issues of an import (paged)",
        description="In the order of the file (sheet, row). Messages in the request's language; an identity number in a "
                    "message is masked unless you may unmask identity numbers in the import's area.",
        parameters=[IssueQuerySerializer,
                    OpenApiParameter("page", OpenApiTypes.INT, description="Page number"),
                    OpenApiParameter("page_size", OpenApiTypes.INT, description="Issues per page (default 50, at most 500)")],
        responses={200: IssuePageSerializer, 400: OpenApiResponse(description="A bad parameter: `{field: [message]}`"),
                   404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"])
    def issues(self, request, pk=None):
        batch = self.get_object()
        query = IssueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = report.issues(batch, code=query.validated_data.get("code"))
        if query.validated_data.get("severity"):
            qs = qs.filter(severity=query.validated_data["severity"])
        page = self.paginate_queryset(qs)
        unmask = in_scope(request.user, batch.area.code, UNMASK) if batch.area_id else request.user.is_superuser
        context = {**self.get_serializer_context(), "unmask": unmask}
        return self.get_paginated_response(IssueSerializer(page, many=True, context=context).data)

    @extend_schema(
        summary="Confirm the merge of a checked import (or resume a merge that stopped)",
        description="Only an import with status `validated` (or `merging`: an interrupted merge) and no errors. 202: the import "
                    "with `job`, the merge; poll `imports/{id}/` until `status` is `merged`, then `counts` says what was "
                    "written. A merge already running is returned as it is.",
        request=None,
        responses={202: ImportBatchDetailSerializer, 404: NOT_FOUND,
                   409: OpenApiResponse(description="The import has errors, is not checked yet, or is already merged (`{detail}`)")},
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        batch = self.get_object()
        if batch.status == ImportStatus.MERGED:
            raise Conflict(_("This import is already merged."))
        if batch.status not in (ImportStatus.VALIDATED, ImportStatus.MERGING) or batch.error_count:
            raise Conflict(_("Only a validated import without errors can be merged (this one: %(status)s, %(errors)s errors).")
                           % {"status": batch.get_status_display(), "errors": batch.error_count})
        if batch.area_id is None:
            raise Conflict(_("This import was made from the command line: merge it there (jingzhun import --resume)."))
        job = latest_job(request.user, batch, running=True)
        if job is None:
            try:
                job = job_start(actor=request.user, kind=MERGE, area=batch.area, params={"batch": batch.pk}, task=import_merge_task)
            except PermissionDenied:
                raise exceptions.NotFound() from None
        return self.render_batch(batch, job=job, status=status.HTTP_202_ACCEPTED)


    @extend_schema(
        summary="Check the file again (a check that stopped, or checked rows that were lost)",
        description="Only for an import with status `uploaded` or `validating` whose job is no longer running (the worker "
                    "was stopped, or a merge found that the database lost the checked rows after a restart). 202: the "
                    "import with `job`, the new check.",
        request=None,
        responses={202: ImportBatchDetailSerializer, 404: NOT_FOUND,
                   409: OpenApiResponse(description="The import's check has a result already (`{detail}`)")},
    )
    @action(detail=True, methods=["post"])
    def validate(self, request, pk=None):
        batch = self.get_object()
        job = latest_job(request.user, batch, running=True)
        if job is None:
            if batch.status not in (ImportStatus.UPLOADED, ImportStatus.VALIDATING) or batch.area_id is None:
                raise Conflict(_("Only an import whose check did not finish can be checked again (this one: %(status)s).")
                               % {"status": batch.get_status_display()})
            try:
                job = job_start(actor=request.user, kind=VALIDATE, area=batch.area, params={"batch": batch.pk}, task=import_validate_task)
            except PermissionDenied:
                raise exceptions.NotFound() from None
        return self.render_batch(batch, job=job, status=status.HTTP_202_ACCEPTED)
