"""`api/eligibility/`, `api/eligibility/open-cases/`, `api/monitoring-scan/`: the eligibility evaluation and the
monitoring scan through the API (the same as the web page ``/cases/eligibility/``).

* ``GET eligibility/?area=&year=&list=candidates|exits|blocked`` (``page``, ``page_size``: 100 by default, at most
  500): ``procedures.eligibility.evaluate_eligibility`` of the area and year: the counts, the households carrying
  each reason code per list, and one list paged (household id and number, head's name, village, status,
  per-capita income, line, reasons with their labels, the open case of the list's procedure).  Never an identity
  number.  The evaluation runs on each request (about 3 s per million persons): no state is kept between pages.
* ``POST eligibility/open-cases/`` ``{area, year, procedure, households: [ids]}``:
  ``procedures.proposals.cases_open_from_proposals`` (the households evaluated again, all or nothing); 201 with
  the cases opened and the households skipped (a case of the procedure already open), 200 when every household
  was skipped.
* ``POST monitoring-scan/`` ``{area, as_of?}``: ``procedures.proposals.monitoring_scan_start``: 202 with the job
  (``Location: /api/monitoring-scan/{id}/``); the job of the area still queued or running when there is one.
  ``GET monitoring-scan/{id}/``: its status, progress and, once it succeeded, ``result``
  ``{"flagged", "opened", "updated", "already_monitored"}``.

Errors: 404 for an area (or a household, a job) outside the caller's scope (view scope to read, change scope to
write), as everywhere; 400 flat ``{field: [message]}``; 403 ``{"detail": message}`` for a caller who may change the
area's data but does not hold the role of the action (opening: a village cadre of each household's village; the
scan: a county office or above).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from jingzhun.areas.models import Area, pad
from jingzhun.core.scoping import CHANGE, VIEW, get_visible_or_404
from jingzhun.jobs.models import Job, JobStatus
from jingzhun.procedures.eligibility import EXIT_REASONS, REASONS, NoPovertyLine, evaluate_eligibility
from jingzhun.procedures.models import Case
from jingzhun.procedures.proposals import (
    LIST_OF_PROCEDURE,
    MAX_HOUSEHOLDS,
    SCAN_JOB_KIND,
    PageableProposals,
    RoleRequired,
    cases_open_from_proposals,
    monitoring_scan_start,
    proposal_rows,
    reason_label,
)

from .cases import CaseSerializer, _area_names
from .imports import NamedChoiceField
from .pagination import Pagination
from .serializers import StrictInputMixin
from .views import NOT_FOUND

LISTS = ["candidates", "exits", "blocked"]
AREA_HELP = "Area code: 12 digits or its significant digits (522633)"
AREA_ERRORS = {"invalid": _("An area code is 2 to 12 digits.")}
WRONG_ROLE = OpenApiResponse(description="You may change the area's data but do not hold the role of the action (`{detail}`)")


class EligibilityPagination(Pagination):
    """`?page=N`, `?page_size=N` (default 100, as on the web page; at most 500)."""

    page_size = 100


# --- serializers ------------------------------------------------------------------------------------------------


class EligibilityQuerySerializer(serializers.Serializer):
    area = serializers.RegexField(r"^[0-9]{2,12}$", help_text=AREA_HELP, error_messages=AREA_ERRORS)
    year = serializers.IntegerField(min_value=1978, max_value=2100, help_text="Year of the incomes and the poverty line")
    list = serializers.ChoiceField(choices=LISTS, default="candidates", required=False,
                                   help_text="The list paged in `results`: candidates for identification, proposed exits, blocked exits")
    page = serializers.IntegerField(min_value=1, required=False)
    page_size = serializers.IntegerField(min_value=1, max_value=500, required=False, help_text="Default 100, at most 500")


class CountsSerializer(serializers.Serializer):
    households = serializers.IntegerField(help_text="Every household of the area, any status")
    candidates = serializers.IntegerField(help_text="Candidates for identification")
    exits = serializers.IntegerField(help_text="Registered households that may exit")
    blocked = serializers.IntegerField(help_text="Registered households that may not exit (yet)")


class ReasonCountsSerializer(serializers.Serializer):
    candidates = serializers.DictField(child=serializers.IntegerField(), help_text="Households carrying each code (every code, 0 when none)")
    exits = serializers.DictField(child=serializers.IntegerField())
    blocked = serializers.DictField(child=serializers.IntegerField())


class ProposalSerializer(serializers.Serializer):
    household = serializers.IntegerField(help_text="The household's id")
    number = serializers.CharField(help_text="Household number")
    head_name = serializers.CharField()
    village = serializers.CharField(help_text="12-digit code")
    village_name = serializers.CharField()
    status = serializers.CharField(help_text="Poverty status: none (candidates), poor or returned (exits, blocked)")
    per_capita = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True, help_text="Per-capita net income of the year (null: no record)")
    line = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True, help_text="The poverty line of the year for the village")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Reason codes, in a fixed order")
    reason_labels = serializers.ListField(child=serializers.CharField(), help_text="The reasons in the request's language")
    open_case = serializers.IntegerField(allow_null=True, help_text="The household's open case of the list's procedure (identification "
                                                                    "for candidates, exit for exits); null for none and for blocked")


class EligibilitySerializer(serializers.Serializer):
    area = serializers.CharField(help_text="12-digit code")
    area_name = serializers.CharField()
    year = serializers.IntegerField()
    same_year_exit = serializers.BooleanField(help_text="Whether a household identified in the year may exit in it (a local rule; false)")
    counts = CountsSerializer()
    reason_counts = ReasonCountsSerializer()
    reason_labels = serializers.DictField(child=serializers.CharField(), help_text="Every reason code with its label in the request's language")
    list = serializers.ChoiceField(choices=LISTS)
    count = serializers.IntegerField(help_text="Households in the list")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ProposalSerializer(many=True, help_text="One page of the list, by village and household number")


class OpenCasesInputSerializer(StrictInputMixin, serializers.Serializer):
    area = serializers.RegexField(r"^[0-9]{2,12}$", help_text=AREA_HELP + ": the area of the evaluation", error_messages=AREA_ERRORS)
    year = serializers.IntegerField(min_value=1978, max_value=2100, help_text="Year of the evaluation (and of the cases)")
    procedure = NamedChoiceField(component="ProposalProcedureEnum", choices=[(p, p.label) for p in LIST_OF_PROCEDURE],
                                 help_text="identification (households of the candidates list) or exit (of the exits list)")
    households = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=MAX_HOUSEHOLDS,
                                       help_text=f"Household ids (at most {MAX_HOUSEHOLDS})")


class SkippedSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    number = serializers.CharField()
    case = serializers.IntegerField(allow_null=True, help_text="The household's open case of the procedure")


class OpenedCasesSerializer(serializers.Serializer):
    cases = CaseSerializer(many=True, help_text="The cases opened, by village and household number")
    skipped = SkippedSerializer(many=True, help_text="Households left out: a case of the procedure was already open")


class MonitoringScanInputSerializer(StrictInputMixin, serializers.Serializer):
    area = serializers.RegexField(r"^[0-9]{2,12}$", help_text=AREA_HELP, error_messages=AREA_ERRORS)
    as_of = serializers.DateField(required=False, help_text="The scan date, YYYY-MM-DD, not in the future (default today)")


class MonitoringScanSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area_id", help_text="12-digit code")
    area_name = serializers.CharField(source="area.name")
    as_of = serializers.SerializerMethodField()
    status = NamedChoiceField(component="JobStatusEnum", choices=JobStatus.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    percent = serializers.IntegerField(read_only=True, help_text="progress / total in percent")

    class Meta:
        model = Job
        fields = ["id", "kind", "area", "area_name", "as_of", "status", "status_display", "progress", "total", "percent", "result", "errors",
                  "created_at", "started_at", "finished_at"]
        read_only_fields = fields
        extra_kwargs = {"kind": {"help_text": "monitoring.scan"},
                        "progress": {"help_text": "Flagged households applied"}, "total": {"help_text": "Flagged households (0 until known)"},
                        "result": {"help_text": "Once succeeded: {flagged, opened, updated, already_monitored}"}}

    def get_as_of(self, job) -> str:
        return job.params.get("as_of", "")


# --- views -------------------------------------------------------------------------------------------------------


class EligibilityView(APIView):
    @extend_schema(
        operation_id="eligibility_retrieve",
        summary="Eligibility evaluation of an area and a year",
        description="Candidates for identification, proposed exits and blocked exits (``procedures.eligibility``): the counts, the "
                    "households carrying each reason code, and one list paged (`list`, `page`, `page_size`: 100 by default). The "
                    "evaluation proposes, it never changes a status. No identity numbers. The area must be in your view scope.",
        parameters=[EligibilityQuerySerializer],
        responses={200: EligibilitySerializer, 400: OpenApiResponse(description="A bad parameter, or no poverty line of the year: `{field: [message]}`"),
                   404: OpenApiResponse(description="Unknown area, outside your scope, or a page past the end")},
    )
    def get(self, request):
        query = EligibilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        area = get_visible_or_404(request.user, Area, VIEW, code=pad(params["area"]))
        try:
            result = evaluate_eligibility(area_code=area.code, year=params["year"])
        except NoPovertyLine:
            raise exceptions.ValidationError({"year": [_("No poverty line of %(year)s applies to %(area)s.") % {"year": params["year"], "area": area.name}]}) from None
        name = params.get("list") or "candidates"
        paginator = EligibilityPagination()
        page = paginator.paginate_queryset(PageableProposals(getattr(result, name)), request, view=self)
        body = {
            "area": area.code, "area_name": area.name, "year": result.year, "same_year_exit": result.same_year_exit,
            "counts": result.counts, "reason_counts": result.reason_counts,
            "reason_labels": {code: reason_label(code) for code in (*REASONS, *EXIT_REASONS)},
            "list": name, "count": paginator.page.paginator.count, "next": paginator.get_next_link(), "previous": paginator.get_previous_link(),
            "results": proposal_rows(page, name),
        }
        return Response(EligibilitySerializer(body).data)


class EligibilityOpenCasesView(APIView):
    @extend_schema(
        operation_id="eligibility_open_cases",
        summary="Open identification or exit cases for households of the evaluation",
        description="The households are evaluated again: each must still be a candidate (identification) or a proposed exit (exit) "
                    "in the evaluation of the area and year, else 400 naming them (`households`) and nothing is opened. Households "
                    "with an open case of the procedure are skipped and listed. All or nothing. Only a village cadre of each "
                    "household's village opens its case (403 otherwise).",
        request=OpenCasesInputSerializer,
        responses={201: OpenedCasesSerializer, 200: OpenApiResponse(OpenedCasesSerializer, description="Every household was skipped"),
                   400: OpenApiResponse(description="`{field: [message]}`, e.g. `households`: those that are not proposals"),
                   403: WRONG_ROLE, 404: OpenApiResponse(description="The area or a household outside your change scope, or unknown")},
    )
    def post(self, request):
        serializer = OpenCasesInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        area = get_visible_or_404(request.user, Area, CHANGE, code=pad(data["area"]))
        try:
            opened = cases_open_from_proposals(actor=request.user, area_code=area.code, year=data["year"], household_ids=data["households"],
                                               procedure=data["procedure"])
        except RoleRequired as exc:
            raise exceptions.PermissionDenied(str(exc)) from None
        skipped_ids = [h.pk for h in opened.skipped]
        open_cases = dict(Case.objects.filter(household_id__in=skipped_ids, procedure=data["procedure"], closed_at__isnull=True)
                          .values_list("household_id", "pk")) if skipped_ids else {}
        rows = list(Case.objects.filter(pk__in=[c.pk for c in opened]).select_related("household", "opened_by")
                    .order_by("area", "household__number"))
        context = {"request": request, "today": timezone.localdate(), "area_names": _area_names(c.area for c in rows)}
        body = OpenedCasesSerializer({"cases": rows, "skipped": [{"household": h.pk, "number": h.number, "case": open_cases.get(h.pk)}
                                                                 for h in opened.skipped]}, context=context).data
        return Response(body, status=status.HTTP_201_CREATED if rows else status.HTTP_200_OK)


def _job_response(job: Job, request, **kwargs) -> Response:
    return Response(MonitoringScanSerializer(job).data, **kwargs)


class MonitoringScanView(APIView):
    @extend_schema(
        operation_id="monitoring_scan_create",
        summary="Run the monitoring scan of an area now",
        description="Starts a job (kind `monitoring.scan`) that flags households at risk on `as_of` and opens or updates their "
                    "monitoring identification cases; monitoring targets are left alone. While a scan of the area is queued or "
                    "running, its job is returned instead of a second one. County offices and above (403 otherwise). Poll "
                    "`GET /api/monitoring-scan/{id}/`.",
        request=MonitoringScanInputSerializer,
        responses={202: MonitoringScanSerializer, 400: OpenApiResponse(description="`{field: [message]}` (`as_of` in the future)"),
                   403: WRONG_ROLE, 404: OpenApiResponse(description="Unknown area, or outside your change scope")},
    )
    def post(self, request):
        serializer = MonitoringScanInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        area = get_visible_or_404(request.user, Area, CHANGE, code=pad(data["area"]))
        try:
            job, _started = monitoring_scan_start(actor=request.user, area=area, as_of=data.get("as_of") or timezone.localdate())
        except RoleRequired as exc:
            raise exceptions.PermissionDenied(str(exc)) from None
        job = Job.objects.select_related("area").get(pk=job.pk)
        response = _job_response(job, request, status=status.HTTP_202_ACCEPTED)
        response["Location"] = request.build_absolute_uri(reverse("api:monitoring-scan-detail", kwargs={"pk": job.pk}))
        return response


class MonitoringScanDetailView(APIView):
    @extend_schema(
        operation_id="monitoring_scan_retrieve",
        summary="A monitoring scan: status, progress and result",
        responses={200: MonitoringScanSerializer, 404: NOT_FOUND},
    )
    def get(self, request, pk: int):
        job = get_visible_or_404(request.user, Job.objects.filter(kind=SCAN_JOB_KIND).select_related("area"), VIEW, pk=pk)
        return _job_response(job, request)
