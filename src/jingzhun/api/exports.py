"""`api/exports/`: the register of an area in the import layouts, written in the background (the web page
``/exports/`` and ``jingzhun export`` do the same).

* ``POST exports/`` (``area``, ``layout`` members | incomes, ``format`` xlsx | csv | parquet, ``year`` for incomes,
  ``unmask``): starts ``imports.export_tasks.export_task`` (job kind ``export``, view scope in the area); 202 with the
  export's job and ``Location: /api/exports/{id}/``.
* ``GET exports/``: your own exports, newest first (paged). ``GET exports/{id}/``: status, progress, rows, file name.
* ``GET exports/{id}/download/``: the file (``Content-Disposition: attachment``); 409 while the export runs or when it
  failed, 410 when the file was deleted (24 hours after the export).

An export is its creator's: for anyone else it is a 404, as is an area outside the caller's view scope. Identity
numbers are masked unless ``unmask`` is true and the caller may unmask them in the area (400 otherwise); such an
export is audited (``export.unmask``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, negotiation, renderers, serializers, status
from rest_framework.decorators import action

from jingzhun.areas.models import Area, pad
from jingzhun.core.scoping import UNMASK, VIEW, get_visible_or_404, in_scope
from jingzhun.imports.export_tasks import CONTENT_TYPES, FORMATS, KIND, LAYOUTS, export_path, export_task
from jingzhun.jobs.models import Job, JobStatus
from jingzhun.jobs.services import job_start

from .imports import NamedChoiceField
from .serializers import StrictInputMixin
from .views import NOT_FOUND, ApiViewSet

RUNNING = (JobStatus.QUEUED, JobStatus.RUNNING)


class NotReady(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The export has no file yet.")
    default_code = "not_ready"


class Gone(exceptions.APIException):
    status_code = status.HTTP_410_GONE
    default_detail = _("The file was deleted 24 hours after the export: export again.")
    default_code = "gone"


class IgnoreAccept(negotiation.BaseContentNegotiation):
    """A download answers whatever the client accepts (the file is not rendered); an error comes as JSON."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


# --- serializers -----------------------------------------------------------------------------------


class ExportCreateSerializer(StrictInputMixin, serializers.Serializer):
    area = serializers.RegexField(r"^[0-9]{2,12}$", help_text="The area to export (12 digits or its significant digits), in "
                                                              "your view scope", error_messages={"invalid": _("An area code is 2 to 12 digits.")})
    layout = serializers.ChoiceField(choices=LAYOUTS, default="members",
                                     help_text="members: households and members, one row per person (the import layout); "
                                               "incomes: one row per household and year")
    format = serializers.ChoiceField(choices=FORMATS, help_text="xlsx, csv (UTF-8 with a byte-order mark) or parquet")
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False, allow_null=True,
                                    help_text="incomes only: one year (default every year)")
    unmask = serializers.BooleanField(default=False, help_text="Full identity numbers (you must be allowed to unmask them "
                                                               "in the area; audited)")

    def validate(self, data):
        if data.get("year") is not None and data.get("layout") != "incomes":
            raise serializers.ValidationError({"year": [_("A year only applies to an export of incomes.")]})
        return data


class ExportSerializer(serializers.ModelSerializer):
    area_name = serializers.CharField(source="area.name", read_only=True)
    layout = serializers.SerializerMethodField()
    format = serializers.SerializerMethodField()
    year = serializers.SerializerMethodField()
    unmask = serializers.SerializerMethodField()
    status = NamedChoiceField(component="JobStatusEnum", choices=JobStatus.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    percent = serializers.IntegerField(read_only=True, help_text="progress / total in percent (0 while the total is unknown)")
    rows = serializers.SerializerMethodField()
    filename = serializers.SerializerMethodField()
    download = serializers.SerializerMethodField()
    expired = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = ["id", "area", "area_name", "layout", "format", "year", "unmask", "status", "status_display", "progress",
                  "total", "percent", "rows", "filename", "download", "expired", "errors", "created_at", "started_at",
                  "finished_at"]
        read_only_fields = fields
        extra_kwargs = {"progress": {"help_text": "Rows written so far"},
                        "total": {"help_text": "0 while unknown (the rows are not counted first)"},
                        "errors": {"help_text": "Why the export failed"}}

    def get_layout(self, job) -> str:
        return job.params.get("layout", "members")

    def get_format(self, job) -> str:
        return job.params.get("format", "")

    def get_year(self, job) -> int | None:
        return job.params.get("year")

    def get_unmask(self, job) -> bool:
        """Whether the file has full identity numbers (asked for; once written, what was written)."""
        return bool((job.result or {}).get("unmasked", job.params.get("unmask", False)))

    def get_rows(self, job) -> int | None:
        """Data rows written (null until the export succeeded)."""
        return (job.result or {}).get("rows")

    def get_filename(self, job) -> str | None:
        return (job.result or {}).get("filename")

    def get_download(self, job) -> str | None:
        """The file's URL while it is there (null before it is written and after it was deleted)."""
        if job.status != JobStatus.SUCCEEDED or export_path(job) is None:
            return None
        url = reverse("api:export-download", kwargs={"pk": job.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    def get_expired(self, job) -> bool:
        """The export succeeded but its file was deleted (24 hours later)."""
        return job.status == JobStatus.SUCCEEDED and export_path(job) is None


# --- the viewset -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Your exports", description="The exports you started, newest first (paged)."),
    retrieve=extend_schema(summary="One of your exports: status, progress, rows, the download's URL",
                           responses={200: ExportSerializer, 404: NOT_FOUND}),
)
class ExportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = ExportSerializer

    def get_queryset(self):
        user = self.request.user
        return (Job.objects.visible_to(user, VIEW).filter(kind=KIND, created_by=user.pk).select_related("area")
                .order_by("-created_at", "-id"))

    @extend_schema(
        summary="Export an area's register in the background",
        description="`area` (in your view scope), `layout` (`members` or `incomes`), `format` (`xlsx`, `csv`, `parquet`), "
                    "`year` (incomes only), `unmask` (full identity numbers: only where you may unmask them; audited). "
                    "202: the export's job (`queued` until the worker starts it); poll `exports/{id}/`, then download "
                    "`exports/{id}/download/`. The file is kept 24 hours.",
        request=ExportCreateSerializer,
        responses={202: ExportSerializer, 400: OpenApiResponse(description="Invalid data: `{field: [message]}`"),
                   404: OpenApiResponse(description="Area unknown or outside your scope")},
    )
    def create(self, request):
        serializer = ExportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        area = get_visible_or_404(request.user, Area, VIEW, code=pad(data["area"]))
        if data["unmask"] and not in_scope(request.user, area.code, UNMASK):
            raise serializers.ValidationError({"unmask": [_("You may not see full identity numbers in this area.")]})
        params = {"layout": data["layout"], "format": data["format"], "year": data.get("year"), "unmask": data["unmask"]}
        try:
            job = job_start(actor=request.user, kind=KIND, area=area, params=params, task=export_task, action=VIEW)
        except PermissionDenied:
            raise exceptions.NotFound() from None
        job.refresh_from_db()  # a task backend that runs at once has finished it already
        response = self.out(ExportSerializer, job, status=status.HTTP_202_ACCEPTED)
        response["Location"] = request.build_absolute_uri(reverse("api:export-detail", kwargs={"pk": job.pk}))
        return response

    @extend_schema(
        summary="Download the exported file",
        description="The file as an attachment named like `jingzhun_members_522633_20261122.xlsx`. 409 while the export "
                    "is queued or running, or when it failed; 410 once the file was deleted (24 hours after the export).",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: NOT_FOUND,
                   409: OpenApiResponse(description="No file yet: the export runs or failed (`{detail}`)"),
                   410: OpenApiResponse(description="The file was deleted (`{detail}`)")},
    )
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer], content_negotiation_class=IgnoreAccept)
    def download(self, request, pk=None):
        job = self.get_object()
        if job.status in RUNNING:
            raise NotReady(_("The export is still running: try again when its status is succeeded."))
        if job.status != JobStatus.SUCCEEDED:
            raise NotReady(_("The export failed: it has no file."))
        path = export_path(job)
        if path is None:
            raise Gone()
        return FileResponse(open(path, "rb"), as_attachment=True, filename=job.result.get("filename") or path.name,
                            content_type=CONTENT_TYPES[job.params["format"]])

