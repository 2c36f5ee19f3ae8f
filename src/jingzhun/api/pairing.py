"""`api/pairing/`: pairing assistance (issue 6) through the API. See docs/api.md, "Pairing assistance".

Every write is one call of a pairing service (``services``, ``projects``, ``ledgers``, ``ledger_import``, ``reconcile``,
``assessment``); every read starts from a scoped queryset (``Partnership.objects.visible_to``, the ledgers'
``visible_to``) or a pairing selector (``rollups``, ``trace``, ``anomalies``).

Scope, as in the rest of the API (``views.py``): a partnership is visible when *either* side's area is in the caller's
scope; its records follow it. Reads look up on the view scope, writes on the change scope, and anything outside
answers 404 (the services' ``PermissionDenied``, e.g. a pledge recorded by the western side, is 404 too). A body that
fails shape validation is 400 before any look-up.

* Fund entries are append-only: ``PUT``, ``PATCH`` and ``DELETE`` answer 405; ``POST fund-entries/{id}/correct/`` reverses.
* Money is a string with two decimals; rollup figures are the codes of ``pairing.indicators``.
* Households are given by id; identity numbers appear only masked.
"""

from __future__ import annotations

import django_filters
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from jingzhun.areas.models import Area, pad
from jingzhun.core.scoping import CHANGE, VIEW, get_visible_or_404
from jingzhun.pairing import anomalies, assessment, ledger_import, ledgers, reconcile, report_xlsx, rollups, trace
from jingzhun.pairing.models import (
    Agreement,
    AssessmentIndicator,
    AssessmentScore,
    AssessmentTemplate,
    Beneficiary,
    Claim,
    FundEntry,
    FundKind,
    FundSource,
    Partnership,
    PartnershipKind,
    Project,
    ProjectStatus,
)
from jingzhun.pairing.projects import beneficiary_add, output_add, project_advance, project_create
from jingzhun.pairing.selectors import partnerships_visible
from jingzhun.pairing.services import agreement_set, fund_correct, fund_record, partnership_create
from jingzhun.registry.models import Household, Person

from . import pairing_serializers as ps
from .filters import IntegerFilter
from .imports import NamedChoiceField
from .serializers import ChoiceDisplayMixin
from .views import NOT_FOUND, ApiViewSet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BAD_REQUEST = OpenApiResponse(description="Invalid data: `{field: [message]}`")
WRITE_404 = OpenApiResponse(description="Not found, or outside your change scope")
YEAR_PATH = OpenApiParameter("year", OpenApiTypes.INT, OpenApiParameter.PATH, description="The assessment year")


class PairingViewSet(ApiViewSet):
    """Reads use the view scope, every unsafe method the change scope (the look-up of the object written to)."""

    @property
    def scope(self) -> str:
        return VIEW if self.request.method in SAFE_METHODS else CHANGE

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def parse(self, serializer_class, data=None):
        serializer = serializer_class(data=self.request.data if data is None else data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def query(self, serializer_class):
        return self.parse(serializer_class, self.request.query_params)

    def created(self, data, name: str, pk) -> Response:
        response = Response(data, status=status.HTTP_201_CREATED)
        response["Location"] = self.request.build_absolute_uri(reverse(f"api:{name}-detail", kwargs={"pk": pk}))
        return response


def _area_or_400(code: str | None, field: str) -> Area | None:
    """An area by its code (12 digits or the significant ones): areas are public reference data, scope is the services'."""
    if not code:
        return None
    area = Area.objects.filter(code=pad(code)).first()
    if area is None:
        raise exceptions.ValidationError({field: [_t("Unknown area code.")]})
    return area


def _visible_partnership(user, pk: int, action: str = VIEW) -> Partnership:
    return get_visible_or_404(user, Partnership.objects.select_related("east_area", "west_area"), action, pk=pk)


# --- partnerships ------------------------------------------------------------------------------------


class PartnershipFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=PartnershipKind.choices)
    area = django_filters.CharFilter(label=_("Area code (either side inside it)"), method="filter_area")
    year = IntegerFilter(label=_("Active in the year"), method="filter_year")
    parent = IntegerFilter(label=_("Parent partnership id"), field_name="parent_id")

    class Meta:
        model = Partnership
        fields = ["kind", "area", "year", "parent"]

    def filter_area(self, queryset, name, value: str):
        area = Area.objects.filter(code=pad(value.strip())).first() if value.strip().isdigit() else None
        if area is None:
            return queryset.none()
        return queryset.with_side_in(area.prefix)

    def filter_year(self, queryset, name, value):
        return queryset.active_in(int(value))


def _rollup_response(partnerships, start, end) -> Response:
    ids = rollups.partnership_ids(partnerships)
    values = rollups.rollup(partnerships=ids, start=start, end=end)
    return Response({"start": start.isoformat(), "end": end.isoformat(), "partnerships": sorted(ids), "figures": ps.figures_out(values)})


@extend_schema_view(
    list=extend_schema(summary="Partnerships in your scope (either side)",
                       description="Filters: `kind`, `area` (either side inside the area: 12 digits or the significant ones), "
                                   "`year` (active in that year), `parent`."),
    retrieve=extend_schema(summary="One partnership", responses={200: ps.PartnershipSerializer, 404: NOT_FOUND}),
)
class PartnershipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PairingViewSet):
    serializer_class = ps.PartnershipSerializer
    filterset_class = PartnershipFilter

    def get_queryset(self):
        return partnerships_visible(self.request.user, self.scope).order_by("kind", "name", "id")

    @extend_schema(summary="Create a partnership (change scope on one side)", request=ps.PartnershipCreateSerializer,
                   responses={201: ps.PartnershipSerializer, 400: BAD_REQUEST,
                              404: OpenApiResponse(description="Neither side is in your change scope")})
    def create(self, request):
        data = self.parse(ps.PartnershipCreateSerializer)
        data["west_area"] = _area_or_400(data["west_area"], "west_area")
        data["east_area"] = _area_or_400(data.get("east_area"), "east_area")
        if data.get("parent") is not None:
            parent = partnerships_visible(request.user).filter(pk=data["parent"]).first()
            if parent is None:
                raise exceptions.ValidationError({"parent": [_t("Unknown partnership.")]})
            data["parent"] = parent
        p = partnership_create(actor=request.user, **data)
        p = partnerships_visible(request.user).get(pk=p.pk)
        return self.created(self.get_serializer(p).data, "pairing-partnership", p.pk)

    @extend_schema(summary="Headline figures of the partnership and its descendants over a period",
                   parameters=[ps.PeriodQuerySerializer], responses={200: ps.RollupSerializer, 400: BAD_REQUEST, 404: NOT_FOUND})
    @action(detail=True, methods=["get"])
    def rollup(self, request, pk=None):
        p = self.get_object()
        q = self.query(ps.PeriodQuerySerializer)
        return _rollup_response(rollups.partnerships_for(request.user, partnership=p), q["start"], q["end"])

    @extend_schema(summary="Headline figures by calendar year", parameters=[ps.YearRangeQuerySerializer],
                   responses={200: ps.RollupByYearSerializer, 400: BAD_REQUEST, 404: NOT_FOUND})
    @action(detail=True, methods=["get"], url_path="rollup-by-year")
    def rollup_by_year(self, request, pk=None):
        p = self.get_object()
        q = self.query(ps.YearRangeQuerySerializer)
        ids = rollups.partnership_ids(rollups.partnerships_for(request.user, partnership=p))
        by_year = rollups.rollup_by_year(partnerships=ids, start_year=q["start_year"], end_year=q["end_year"])
        return Response({"partnerships": sorted(ids),
                         "years": [{"year": year, "figures": ps.figures_out(values)} for year, values in sorted(by_year.items())]})

    @extend_schema(methods=["GET"], summary="The partnership's agreements (annual targets)",
                   parameters=[OpenApiParameter("year", OpenApiTypes.INT, description="Only this year")],
                   responses={200: ps.AgreementSerializer(many=True), 404: NOT_FOUND})
    @extend_schema(methods=["POST"], summary="Set the target of a year and indicator (create or replace)",
                   request=ps.AgreementSetSerializer, responses={200: ps.AgreementSerializer, 400: BAD_REQUEST, 404: WRITE_404})
    @action(detail=True, methods=["get", "post"])
    def agreements(self, request, pk=None):
        p = self.get_object()
        if request.method == "POST":
            data = self.parse(ps.AgreementSetSerializer)
            row = agreement_set(actor=request.user, partnership=p, **data)
            return Response(ps.AgreementSerializer(row).data)
        qs = Agreement.objects.filter(partnership=p).order_by("year", "indicator")
        year = request.query_params.get("year", "").strip()
        if year:
            if not year.isdigit():
                raise exceptions.ValidationError({"year": [_t("Enter a whole number.")]})
            qs = qs.filter(year=int(year))
        return Response(ps.AgreementSerializer(qs, many=True).data)

    @extend_schema(summary="Progress of the year's agreements: target, actual, ratio", parameters=[ps.YearQuerySerializer],
                   responses={200: ps.ProgressSerializer(many=True), 400: BAD_REQUEST, 404: NOT_FOUND})
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        p = self.get_object()
        q = self.query(ps.YearQuerySerializer)
        rows = rollups.agreement_progress(partnership=p, year=q["year"])
        out = [{"indicator": r["indicator"], "label": str(r.get("label", r["indicator"])), "unit": r.get("unit", ""),
                "target": ps.jsonable(r["target"]), "actual": None if r["actual"] is None else str(ps.jsonable(r["actual"])),
                "ratio": None if r["ratio"] is None else str(r["ratio"])} for r in rows]
        return Response(out)

    @extend_schema(summary="Anomalies of the partnership and its descendants",
                   description="Disbursed above allocated, beneficiaries outside the paired area, a household counted twice, "
                               "projects completed without outputs.",
                   responses={200: ps.AnomalySerializer(many=True), 404: NOT_FOUND})
    @action(detail=True, methods=["get"])
    def anomalies(self, request, pk=None):
        p = self.get_object()
        found = anomalies.find_anomalies(partnerships=rollups.partnerships_for(request.user, partnership=p))
        return Response([{"code": a.code, "partnership_id": a.partnership_id, "object_label": str(a.object_label),
                          "object_id": a.object_id, "message": str(a.message), "detail": ps.jsonable(a.detail)} for a in found])

    @extend_schema(summary="Where the money of a source went: allocations, projects, beneficiary households",
                   parameters=[ps.TraceQuerySerializer],
                   responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="`pairing.trace.trace_source` (money as strings)"),
                              400: BAD_REQUEST, 404: NOT_FOUND})
    @action(detail=True, methods=["get"])
    def trace(self, request, pk=None):
        p = self.get_object()
        q = self.query(ps.TraceQuerySerializer)
        result = trace.trace_source(partnerships=rollups.partnerships_for(request.user, partnership=p), source=q["source"],
                                    start=q.get("start"), end=q.get("end"))
        return Response(ps.jsonable(result))

    @extend_schema(summary="The rollup as an xlsx workbook", parameters=[ps.PeriodQuerySerializer],
                   responses={(200, XLSX): OpenApiTypes.BINARY, 400: BAD_REQUEST, 404: NOT_FOUND})
    @action(detail=True, methods=["get"], url_path="report.xlsx")
    def report_xlsx(self, request, pk=None):
        p = self.get_object()
        q = self.query(ps.PeriodQuerySerializer)
        body = report_xlsx.rollup_workbook(partnerships=rollups.partnerships_for(request.user, partnership=p),
                                           start=q["start"], end=q["end"], title=p.name)
        response = HttpResponse(body, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="pairing-{p.pk}-{q["start"]:%Y%m%d}-{q["end"]:%Y%m%d}.xlsx"'
        return response

    @extend_schema(methods=["GET"], summary="The partnership's assessment scores of the year", parameters=[YEAR_PATH],
                   responses={200: ps.AssessmentScoreSerializer(many=True), 404: NOT_FOUND})
    @extend_schema(methods=["POST"], summary="Score the partnership for the year with a template (replaces that template's score)",
                   parameters=[YEAR_PATH], request=ps.AssessmentComputeSerializer,
                   responses={200: ps.AssessmentScoreSerializer, 400: BAD_REQUEST, 404: WRITE_404})
    @action(detail=True, methods=["get", "post"], url_path=r"assessment/(?P<year>[0-9]{4})")
    def assessment(self, request, pk=None, year=None):
        p = self.get_object()
        if request.method == "POST":
            data = self.parse(ps.AssessmentComputeSerializer)
            template = _template_or_400(data["template"])
            score = assessment.assessment_score(actor=request.user, partnership=p, year=int(year), template=template)
            score = AssessmentScore.objects.select_related("template", "computed_by").get(pk=score.pk)
            return Response(ps.AssessmentScoreSerializer(score).data)
        scores = AssessmentScore.objects.filter(partnership=p, year=int(year)).select_related("template", "computed_by")
        return Response(ps.AssessmentScoreSerializer(scores.order_by("template__year_from", "template__code"), many=True).data)

    @extend_schema(summary="Record the assessors' score of a manual indicator", parameters=[YEAR_PATH],
                   request=ps.AssessmentInputSetSerializer,
                   responses={200: ps.AssessmentInputSerializer, 400: BAD_REQUEST, 404: WRITE_404})
    @action(detail=True, methods=["post"], url_path=r"assessment/(?P<year>[0-9]{4})/inputs")
    def assessment_inputs(self, request, pk=None, year=None):
        p = self.get_object()
        data = self.parse(ps.AssessmentInputSetSerializer)
        template = _template_or_400(data["template"])
        indicator = AssessmentIndicator.objects.filter(template=template, code=data["indicator"]).first()
        if indicator is None:
            raise exceptions.ValidationError({"indicator": [_t("The template has no indicator with this code.")]})
        row = assessment.assessment_input_set(actor=request.user, partnership=p, year=int(year), indicator=indicator,
                                              score=data["score"], note=data["note"])
        return Response(ps.AssessmentInputSerializer(row).data)


def _template_or_400(code: str) -> AssessmentTemplate:
    template = AssessmentTemplate.objects.filter(code=code).first()
    if template is None:
        raise exceptions.ValidationError({"template": [_t("Unknown assessment template.")]})
    return template


class AreaRollupViewSet(PairingViewSet):
    """Figures over an area: every visible partnership with either side inside it."""

    serializer_class = ps.RollupSerializer
    lookup_field = "code"
    lookup_value_regex = "[0-9]{2,12}"

    def get_queryset(self):
        return Area.objects.all()

    def get_object(self):
        area = Area.objects.filter(code=pad(self.kwargs["code"])).first()
        if area is None:
            raise exceptions.NotFound()
        return area

    @extend_schema(summary="Headline figures of every visible partnership with a side in the area",
                   parameters=[ps.PeriodQuerySerializer], responses={200: ps.RollupSerializer, 400: BAD_REQUEST, 404: NOT_FOUND})
    @action(detail=True, methods=["get"])
    def rollup(self, request, code=None):
        area = self.get_object()
        q = self.query(ps.PeriodQuerySerializer)
        return _rollup_response(rollups.partnerships_for(request.user, area=area), q["start"], q["end"])


# --- funds -------------------------------------------------------------------------------------------


class FundEntryFilter(django_filters.FilterSet):
    partnership = IntegerFilter(label=_("Partnership id"), field_name="partnership_id")
    source = django_filters.ChoiceFilter(label=_("Source"), choices=FundSource.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=FundKind.choices)
    project = IntegerFilter(label=_("Project id"), field_name="project_id")
    date_from = django_filters.DateFilter(label=_("From (inclusive)"), field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(label=_("To (inclusive)"), field_name="date", lookup_expr="lte")

    class Meta:
        model = FundEntry
        fields = ["partnership", "source", "kind", "project", "date_from", "date_to"]


@extend_schema_view(
    list=extend_schema(summary="Fund entries of the partnerships in your scope",
                       description="Corrections are entries too (negative amount, `corrects` set). Filters: `partnership`, "
                                   "`source`, `kind`, `project`, `date_from`, `date_to`."),
    retrieve=extend_schema(summary="One fund entry", responses={200: ps.FundEntrySerializer, 404: NOT_FOUND}),
)
class FundEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PairingViewSet):
    """Append-only: no update, no delete (405); a mistake is reversed with `correct`."""

    serializer_class = ps.FundEntrySerializer
    filterset_class = FundEntryFilter

    def get_queryset(self):
        visible = Partnership.objects.visible_to(self.request.user, self.scope).values("pk")
        return FundEntry.objects.filter(partnership__in=visible).select_related("recorded_by").order_by("date", "id")

    @extend_schema(summary="Record a fund entry (pledged, allocated, disbursed, returned)",
                   description="A pledge needs change scope on the eastern side. Disbursed never exceeds allocated for a "
                               "partnership, source and project (400 on `amount`).",
                   request=ps.FundEntryCreateSerializer, responses={201: ps.FundEntrySerializer, 400: BAD_REQUEST, 404: WRITE_404})
    def create(self, request):
        data = self.parse(ps.FundEntryCreateSerializer)
        partnership = _visible_partnership(request.user, data.pop("partnership"), CHANGE)
        project_id = data.pop("project", None)
        project = None
        if project_id is not None:
            project = Project.objects.filter(partnership__in=Partnership.objects.visible_to(request.user).values("pk"), pk=project_id).first()
            if project is None:
                raise exceptions.ValidationError({"project": [_t("Unknown project.")]})
        entry = fund_record(actor=request.user, partnership=partnership, project=project, **data)
        return self.created(ps.FundEntrySerializer(entry).data, "pairing-fund-entry", entry.pk)

    @extend_schema(summary="Reverse an entry (once): a correction with the negated amount",
                   request=ps.FundCorrectSerializer, responses={201: ps.FundEntrySerializer, 400: BAD_REQUEST, 404: WRITE_404})
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        entry = self.get_object()
        data = self.parse(ps.FundCorrectSerializer)
        correction = fund_correct(actor=request.user, entry=entry, note=data["note"])
        return self.created(ps.FundEntrySerializer(correction).data, "pairing-fund-entry", correction.pk)


# --- projects ----------------------------------------------------------------------------------------


class ProjectFilter(django_filters.FilterSet):
    partnership = IntegerFilter(label=_("Partnership id"), field_name="partnership_id")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ProjectStatus.choices)
    area = django_filters.CharFilter(label=_("Area code (villages inside it)"), method="filter_area")

    class Meta:
        model = Project
        fields = ["partnership", "status", "area"]

    def filter_area(self, queryset, name, value: str):
        area = Area.objects.filter(code=pad(value.strip())).first() if value.strip().isdigit() else None
        return queryset.filter(village__code__startswith=area.prefix) if area else queryset.none()


@extend_schema_view(
    list=extend_schema(summary="Pairing projects of the partnerships in your scope"),
    retrieve=extend_schema(summary="One project with its outputs", responses={200: ps.ProjectSerializer, 404: NOT_FOUND}),
)
class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PairingViewSet):
    serializer_class = ps.ProjectSerializer
    filterset_class = ProjectFilter

    def get_queryset(self):
        visible = Partnership.objects.visible_to(self.request.user, self.scope).values("pk")
        return Project.objects.filter(partnership__in=visible).select_related("village").prefetch_related("outputs").order_by("partnership", "code")

    def render_project(self, pk, **kwargs) -> Response:
        project = Project.objects.select_related("village").prefetch_related("outputs").get(pk=pk)
        return Response(ps.ProjectSerializer(project).data, **kwargs)

    @extend_schema(summary="Put a project in the library", request=ps.ProjectCreateSerializer,
                   responses={201: ps.ProjectSerializer, 400: BAD_REQUEST, 404: WRITE_404})
    def create(self, request):
        data = self.parse(ps.ProjectCreateSerializer)
        partnership = _visible_partnership(request.user, data.pop("partnership"), CHANGE)
        data["village"] = _area_or_400(data["village"], "village")
        project = project_create(actor=request.user, partnership=partnership, **data)
        response = self.render_project(project.pk, status=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(reverse("api:pairing-project-detail", kwargs={"pk": project.pk}))
        return response

    @extend_schema(summary="Move the project to its next status", request=ps.ProjectAdvanceSerializer,
                   responses={200: ps.ProjectSerializer, 400: BAD_REQUEST, 404: WRITE_404})
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        project = self.get_object()
        data = self.parse(ps.ProjectAdvanceSerializer)
        project_advance(actor=request.user, project=project, to=data["status"])
        return self.render_project(project.pk)

    @extend_schema(summary="Add an output (school, clinic, road km, ...)", request=ps.OutputAddSerializer,
                   responses={201: ps.ProjectSerializer, 400: BAD_REQUEST, 404: WRITE_404})
    @action(detail=True, methods=["post"])
    def outputs(self, request, pk=None):
        project = self.get_object()
        data = self.parse(ps.OutputAddSerializer)
        output_add(actor=request.user, project=project, **data)
        return self.render_project(project.pk, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], summary="The project's beneficiary households (by id and number only)",
                   responses={200: ps.BeneficiarySerializer(many=True), 404: NOT_FOUND})
    @extend_schema(methods=["POST"], summary="Add a beneficiary household (by id; in your view scope)",
                   request=ps.BeneficiaryAddSerializer, responses={201: ps.BeneficiarySerializer, 400: BAD_REQUEST, 404: WRITE_404})
    @action(detail=True, methods=["get", "post"])
    def beneficiaries(self, request, pk=None):
        project = self.get_object()
        if request.method == "POST":
            data = self.parse(ps.BeneficiaryAddSerializer)
            household = get_visible_or_404(request.user, Household, VIEW, pk=data.pop("household"))
            row = beneficiary_add(actor=request.user, project=project, household=household, **data)
            row = Beneficiary.objects.select_related("household").get(pk=row.pk)
            return Response(ps.BeneficiarySerializer(row, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED)
        rows = Beneficiary.objects.filter(project=project).select_related("household").order_by("id")
        return Response(ps.BeneficiarySerializer(rows, many=True, context=self.get_serializer_context()).data)


# --- ledgers -----------------------------------------------------------------------------------------


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def ledger_output_serializer(spec) -> type[serializers.ModelSerializer]:
    """The record as read: its editable fields, each choice as a named enum plus ``<field>_display``."""
    model = spec.model
    attrs = {}
    for name in spec.fields:
        field = model._meta.get_field(name)
        if field.choices:
            attrs[name] = NamedChoiceField(component=f"{model.__name__}{_camel(name)}Enum", choices=field.choices, read_only=True)
    fields = ["id", "partnership", *spec.fields, "recorded_by", "recorded_at"]
    attrs["recorded_by"] = serializers.CharField(source="recorded_by.get_username", read_only=True, allow_null=True, default=None)
    meta = type("Meta", (), {"model": model, "fields": fields, "read_only_fields": fields})
    return type(f"{model.__name__}Serializer", (ChoiceDisplayMixin, serializers.ModelSerializer), {**attrs, "Meta": meta})


def ledger_input_serializer(spec, *, create: bool) -> type[serializers.ModelSerializer]:
    """The request body as documented (the service parses and validates the values itself)."""
    model = spec.model
    attrs = {}
    for name in spec.fields:
        field = model._meta.get_field(name)
        if field.choices:
            attrs[name] = NamedChoiceField(component=f"{model.__name__}{_camel(name)}Enum", choices=field.choices,
                                           required=create and not field.has_default() and not field.blank)
    fields = ["partnership", *spec.fields] if create else list(spec.fields)
    if create:
        attrs["partnership"] = serializers.IntegerField(help_text="The partnership's id")
    kwargs = {} if create else {name: {"required": False} for name in spec.fields}
    meta = type("Meta", (), {"model": model, "fields": fields, "extra_kwargs": kwargs, "validators": []})
    name = f"{model.__name__}{'Create' if create else 'Update'}Serializer"
    return type(name, (serializers.ModelSerializer,), {**attrs, "Meta": meta})


class LedgerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PairingViewSet):
    """One ledger of ``pairing.ledgers.LEDGERS`` (``spec``); writes go through ``ledger_create/update/delete``."""

    spec = None
    output_class: type = serializers.Serializer
    create_class: type = serializers.Serializer
    update_class: type = serializers.Serializer

    def get_serializer_class(self):
        return self.output_class

    def get_queryset(self):
        return self.spec.model.objects.visible_to(self.request.user, self.scope).select_related("recorded_by").order_by("date", "id")

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action == "list":
            value = self.request.query_params.get("partnership", "").strip()
            if value:
                queryset = queryset.filter(partnership_id=int(value)) if value.isdigit() else queryset.none()
        return queryset

    def _data(self, *, create: bool) -> dict:
        allowed = {"partnership", *self.spec.fields} if create else set(self.spec.fields)
        data = self.request.data
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise exceptions.ValidationError({k: [_t("This field cannot be set here.")] for k in unknown})
        return {k: data[k] for k in data}

    def render(self, record, **kwargs) -> Response:
        record = self.spec.model.objects.select_related("recorded_by").get(pk=record.pk)
        return Response(self.output_class(record, context=self.get_serializer_context()).data, **kwargs)

    def create(self, request):
        data = self._data(create=True)
        if "partnership" not in data or data["partnership"] in (None, ""):
            raise exceptions.ValidationError({"partnership": [_t("This field is required.")]})
        try:
            partnership_id = int(data.pop("partnership"))
        except (TypeError, ValueError):
            raise exceptions.ValidationError({"partnership": [_t("A valid integer is required.")]}) from None
        partnership = _visible_partnership(request.user, partnership_id, CHANGE)
        record = ledgers.ledger_create(actor=request.user, kind=self.spec.key, partnership=partnership, data=data)
        response = self.render(record, status=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(reverse(f"api:pairing-{self.spec.key}-detail", kwargs={"pk": record.pk}))
        return response

    def update(self, request, pk=None):
        record = self.get_object()
        record = ledgers.ledger_update(actor=request.user, record=record, data=self._data(create=False))
        return self.render(record)

    def partial_update(self, request, pk=None):
        return self.update(request, pk)

    def destroy(self, request, pk=None):
        ledgers.ledger_delete(actor=request.user, record=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class PeopleMixin:
    """``{kind}/{id}/people/``: the persons linked to a training session or a labour transfer."""

    def _links(self, record):
        link_model = self.spec.link_model
        fk = next(f.name for f in link_model._meta.fields if f.related_model is self.spec.model)
        return link_model.objects.filter(**{fk: record}).select_related("person").order_by("id")

    def people(self, request, pk=None):
        record = self.get_object()
        created = 0
        if request.method == "POST":
            numbers = [n.strip().upper() for n in self.parse(ps.PeopleLinkSerializer)["id_numbers"]]
            found = {p.id_number: p for p in Person.objects.visible_to(request.user, VIEW).filter(id_number__in=numbers, death_date__isnull=True)}
            missing = {f"id_numbers.{i}": [_t("No living person with this identity number in your scope.")]
                       for i, n in enumerate(numbers) if n not in found}
            if missing:
                raise exceptions.ValidationError(missing)
            created = ledgers.people_link(actor=request.user, record=record, persons=list(dict.fromkeys(found[n] for n in numbers)))
        links = list(self._links(record))
        return Response(ps.PeopleLinkResultSerializer({"created": created, "people": links}).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def ledger_viewset(spec) -> type[LedgerViewSet]:
    """A viewset class of its own for each ledger, so the schema lists each with its fields."""
    label = str(spec.model._meta.verbose_name_plural)
    one = str(spec.model._meta.verbose_name)
    output_class = ledger_output_serializer(spec)
    create_class = ledger_input_serializer(spec, create=True)
    update_class = ledger_input_serializer(spec, create=False)
    attrs = {"spec": spec, "output_class": output_class, "create_class": create_class, "update_class": update_class,
             "__doc__": f"Ledger of {label}."}
    bases: tuple = (LedgerViewSet,)
    if spec.link_model is not None:
        people = PeopleMixin.people
        people = extend_schema(methods=["GET"], summary=f"Persons linked to the {one} (identity numbers masked)",
                               responses={200: ps.PeopleLinkResultSerializer, 404: NOT_FOUND})(people)
        people = extend_schema(methods=["POST"], summary=f"Link registered persons to the {one} by identity number",
                               request=ps.PeopleLinkSerializer,
                               responses={200: ps.PeopleLinkResultSerializer, 201: ps.PeopleLinkResultSerializer,
                                          400: BAD_REQUEST, 404: WRITE_404})(people)
        attrs["people"] = action(detail=True, methods=["get", "post"])(people)
        bases = (PeopleMixin, LedgerViewSet)
    cls = type(f"{_camel(spec.key)}LedgerViewSet", bases, attrs)
    return extend_schema_view(
        list=extend_schema(summary=f"{label.capitalize()} of the partnerships in your scope",
                           parameters=[OpenApiParameter("partnership", OpenApiTypes.INT, description="Partnership id")]),
        retrieve=extend_schema(summary=f"One {one}", responses={200: output_class, 404: NOT_FOUND}),
        create=extend_schema(summary=f"Record a {one}", request=create_class,
                             responses={201: output_class, 400: BAD_REQUEST, 404: WRITE_404}),
        update=extend_schema(summary=f"Change a {one}", request=update_class, responses={200: output_class, 400: BAD_REQUEST, 404: WRITE_404}),
        partial_update=extend_schema(summary=f"Change a {one}", request=update_class,
                                     responses={200: output_class, 400: BAD_REQUEST, 404: WRITE_404}),
        destroy=extend_schema(summary=f"Delete a {one}", responses={204: None, 404: WRITE_404}),
    )(cls)


LEDGER_VIEWSETS = {key: ledger_viewset(spec) for key, spec in ledgers.LEDGERS.items()}


# --- imports -----------------------------------------------------------------------------------------


class LedgerImportViewSet(PairingViewSet):
    """``imports/{kind}/``: a file of one ledger for one partnership, all rows or none."""

    kind = ""
    serializer_class = ps.LedgerImportSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def create(self, request):
        data = self.parse(ps.LedgerImportSerializer)
        partnership = _visible_partnership(request.user, data["partnership"], CHANGE)
        upload = data["file"]
        result = ledger_import.ledger_import(actor=request.user, kind=self.kind, partnership=partnership, file=upload,
                                             filename=upload.name or "")
        if result.errors:
            errors = [{"row": e.row, "column": e.column, "message": str(e.message)} for e in result.errors]
            messages = [_t("Row %(row)s, column %(column)s: %(message)s") % e for e in errors]
            return Response({"file": messages, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"created": result.created}, status=status.HTTP_201_CREATED)

    def template(self, request):
        body = ledger_import.import_template(self.kind)
        response = HttpResponse(body, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="pairing-{self.kind}-template.xlsx"'
        return response


def import_viewset(kind: str) -> type[LedgerImportViewSet]:
    create = extend_schema(
        summary=f"Import a file of {kind} for a partnership (all rows or none)",
        description="Multipart form: `file` (xlsx or CSV in the layout of the template), `partnership`. 201 `{created}`; "
                    "400 `{file: [messages], errors: [{row, column, message}]}` with nothing written.",
        request={"multipart/form-data": ps.LedgerImportSerializer},
        responses={201: ps.ImportResultSerializer, 400: ps.ImportErrorsSerializer, 404: WRITE_404},
    )(LedgerImportViewSet.create)
    template = extend_schema(summary=f"The xlsx template for {kind}", responses={(200, XLSX): OpenApiTypes.BINARY})(
        LedgerImportViewSet.template)
    return type(f"{_camel(kind)}ImportViewSet", (LedgerImportViewSet,),
                {"kind": kind, "create": create, "template": action(detail=False, methods=["get"])(template),
                 "__doc__": f"Import of {kind}."})


IMPORT_VIEWSETS = {kind: import_viewset(kind) for kind in ledger_import.IMPORT_KINDS}


# --- claims ------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Claims (published figures) about partnerships or areas in your scope"),
    retrieve=extend_schema(summary="One claim", responses={200: ps.ClaimSerializer, 404: NOT_FOUND}),
)
class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PairingViewSet):
    serializer_class = ps.ClaimSerializer

    def get_queryset(self):
        return Claim.objects.visible_to(self.request.user, self.scope).select_related("created_by").order_by("-start", "id")

    @extend_schema(summary="Record a claim: a published figure with its source and statements",
                   request=ps.ClaimCreateSerializer, responses={201: ps.ClaimSerializer, 400: BAD_REQUEST, 404: WRITE_404})
    def create(self, request):
        data = self.parse(ps.ClaimCreateSerializer)
        if data.get("partnership") is not None:
            data["partnership"] = _visible_partnership(request.user, data["partnership"])
        data["area"] = _area_or_400(data.get("area"), "area")
        claim = reconcile.claim_create(actor=request.user, **data)
        claim = Claim.objects.select_related("created_by").get(pk=claim.pk)
        return self.created(ps.ClaimSerializer(claim).data, "pairing-claim", claim.pk)

    @extend_schema(summary="Check the claim against its own arithmetic and against the records",
                   responses={200: ps.FindingSerializer(many=True), 404: NOT_FOUND})
    @action(detail=True, methods=["get"])
    def check(self, request, pk=None):
        claim = self.get_object()
        findings = reconcile.claim_check(claim)
        return Response([ps.finding_out(f) for f in findings])


# --- households --------------------------------------------------------------------------------------


@extend_schema_view(
    retrieve=extend_schema(summary="Every pairing source that reached a household (projects, funds, benefits)",
                           responses={200: OpenApiResponse({"type": "array", "items": {"type": "object", "additionalProperties": True}},
                                                           description="A list of the sources "
                                                           "(`pairing.trace.trace_household`; money as strings)"),
                                      404: NOT_FOUND}),
)
class HouseholdPairingViewSet(mixins.RetrieveModelMixin, PairingViewSet):
    def get_queryset(self):
        return Household.objects.visible_to(self.request.user, VIEW)

    def retrieve(self, request, pk=None):
        household = self.get_object()
        return Response(ps.jsonable(trace.trace_household(household=household, user=request.user)))
