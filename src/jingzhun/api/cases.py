"""`api/cases/`, `api/notices/`, `api/registered-poor/`: the procedures of DOMAIN.md section 8 through the API.

Every write is one call of ``procedures.services`` (``case_open``, ``case_act``, ``cases_act``, ``objection_record``) on
the server's date; every read starts from ``procedures.selectors`` (``visible_cases``, ``inbox``, ``notices_visible``,
``registered_poor_on``).

* ``GET cases/`` (filters ``procedure``, ``state``, ``area``, ``household``, ``open``, ``overdue=true``, ``inbox=true``)
  and ``GET cases/{id}/``: the case with ``allowed_actions`` (the steps of its state at the levels where the caller holds
  a procedure role: ``services.acting_levels``), its ``timeline`` (the steps), ``objections`` and ``notices``.
* ``POST cases/``: open a case (201). ``POST cases/{id}/act/``: take a step (200). ``POST cases/bulk-act/``: the same
  step for several cases, all or nothing (200). ``POST cases/{id}/objections/``: an objection during a notice (201).
* ``GET notices/``, ``GET notices/{id}/``: notices with their cases, each shown only by the head's name, the household
  number and its size, as posted in the village (never identity numbers, phones, bank accounts or health).
* ``GET registered-poor/?area=&date=``: how many households of the area were registered poor on the date.

Errors (the services' messages, in the request's language):

* 404: a case, household, notice or area outside the caller's scope (a write needs change scope), as everywhere;
* 409 ``{"detail": message}``: the action is not a step of the case in its state (or the case is closed); the message
  lists the allowed actions. Bulk: ``{"detail": message, "cases": [ids not in such a state]}``. An objection when the
  case is not on notice is 409 too;
* 403 ``{"detail": message}``: the step is for another level (a township step taken by a village cadre);
* 400: a rule or a need of the step not met, flat ``{field: [message]}`` like every 400 of the API (the step data's
  keys as ``data.<key>``; a rule that is not about one field under ``non_field_errors``).
"""

from __future__ import annotations

from contextlib import contextmanager

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.db import transaction
from django.db.models import F, Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import BooleanWidget
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from jingzhun.accounts.models import Role
from jingzhun.areas.models import Area, pad
from jingzhun.core.scoping import CHANGE, VIEW, get_visible_or_404
from jingzhun.procedures import selectors
from jingzhun.procedures.evidence import evidence_add
from jingzhun.procedures.models import Case, CaseStep, Evidence, MonitoringCategory, Notice, Objection, Procedure
from jingzhun.procedures.services import ProcedureError, acting_levels, case_act, case_open, cases_act, objection_record
from jingzhun.procedures.workflows import ACTION_LABELS, ROLE_OF_LEVEL, STATE_LABELS, WORKFLOWS
from jingzhun.registry.models import Household

from .filters import IntegerFilter
from .imports import NamedChoiceField
from .serializers import StrictInputMixin
from .views import NOT_FOUND, ApiViewSet

ACTIONS = sorted({a for w in WORKFLOWS.values() for (_s, a) in w.transitions})
STATES = sorted({s for w in WORKFLOWS.values() for s in w.states()})
ROLE_LABELS = dict(Role.choices)
BULK_MAX = 500


class CaseConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This is not a step of the case in its state.")
    default_code = "conflict"


def _label(labels: dict, key: str) -> str:
    return str(labels[key]) if key in labels else key


class _Illegal(Exception):
    """(message, case ids): some cases of a bulk step are not in a state that allows it."""


def _legal(case: Case, action_name: str) -> bool:
    return case.is_open and (case.state, action_name) in WORKFLOWS[case.procedure].transitions


def _area_names(codes) -> dict[str, str]:
    return dict(Area.objects.filter(code__in=set(codes)).values_list("code", "name"))


# --- serializers: output ----------------------------------------------------------------------------


class CaseSerializer(serializers.ModelSerializer):
    procedure = NamedChoiceField(component="ProcedureEnum", choices=Procedure.choices, read_only=True)
    procedure_display = serializers.CharField(source="get_procedure_display", read_only=True)
    household_number = serializers.CharField(source="household.number", read_only=True)
    head_name = serializers.CharField(source="household.head_name", read_only=True)
    area_name = serializers.SerializerMethodField()
    state_display = serializers.SerializerMethodField()
    category = NamedChoiceField(component="MonitoringCategoryEnum", choices=[("", "-"), *MonitoringCategory.choices], read_only=True,
                                help_text="Monitoring identification only ('' otherwise)")
    category_display = serializers.SerializerMethodField()
    is_open = serializers.BooleanField(read_only=True)
    overdue = serializers.SerializerMethodField()
    opened_by = serializers.CharField(source="opened_by.get_username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Case
        fields = ["id", "procedure", "procedure_display", "household", "household_number", "head_name", "area", "area_name", "year",
                  "state", "state_display", "category", "category_display", "reasons", "first_clue", "due_date", "overdue", "is_open",
                  "outcome", "opened_at", "opened_by", "closed_at", "updated_at"]
        read_only_fields = fields
        extra_kwargs = {"area": {"help_text": "12-digit code of the household's village"},
                        "reasons": {"help_text": "Reason codes given when the case was opened"},
                        "outcome": {"help_text": "completed, rejected, withdrawn or dismissed once closed ('' while open)"}}

    def get_area_name(self, case) -> str:
        return self.context.get("area_names", {}).get(case.area, "")

    def get_state_display(self, case) -> str:
        return _label(STATE_LABELS, case.state)

    def get_category_display(self, case) -> str:
        return case.get_category_display() if case.category else ""

    def get_overdue(self, case) -> bool:
        """Open and past its deadline (monitoring identification: 15 days from the first clue)."""
        today = self.context.get("today") or timezone.localdate()
        return case.is_open and case.due_date is not None and case.due_date < today


class AllowedActionSerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField(help_text="In the request's language")
    to_state = serializers.CharField()
    to_state_display = serializers.CharField()
    role = serializers.CharField(help_text="village, township or county: the level that takes the step")
    needs = serializers.ListField(child=serializers.CharField(), help_text="Keys the step's `data` must carry")
    notice = serializers.CharField(help_text="The notice the step posts ('' for none)")
    after_notice = serializers.BooleanField(help_text="Closes the current notice: only after its last day, without an objection")


class CaseStepSerializer(serializers.ModelSerializer):
    action_display = serializers.SerializerMethodField()
    from_state_display = serializers.SerializerMethodField()
    to_state_display = serializers.SerializerMethodField()
    role_display = serializers.SerializerMethodField()
    actor = serializers.CharField(source="actor.get_username", read_only=True, allow_null=True, default=None)
    data = serializers.JSONField(read_only=True, help_text="The step's data (an appraisal's attendance and votes, the notice posted, the objection)")

    class Meta:
        model = CaseStep
        fields = ["id", "action", "action_display", "from_state", "from_state_display", "to_state", "to_state_display", "role",
                  "role_display", "actor", "at", "comment", "data"]
        read_only_fields = fields
        extra_kwargs = {"action": {"help_text": "A step of the procedure, or `open` (the case was opened) or `objection`"},
                        "role": {"help_text": "village, township or county ('' for opening, an objection or the system)"}}

    def get_action_display(self, step) -> str:
        extra = {"open": _("Open"), "objection": _("Objection")}
        return str(extra[step.action]) if step.action in extra else _label(ACTION_LABELS, step.action)

    def get_from_state_display(self, step) -> str:
        return _label(STATE_LABELS, step.from_state) if step.from_state else ""

    def get_to_state_display(self, step) -> str:
        return _label(STATE_LABELS, step.to_state)

    def get_role_display(self, step) -> str:
        return str(ROLE_LABELS.get(step.role, step.role))


class CaseObjectionSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.get_username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Objection
        fields = ["id", "notice", "received_on", "objector", "text", "recorded_by", "recorded_at"]
        read_only_fields = fields


class CaseEvidenceSerializer(serializers.ModelSerializer):
    kind = NamedChoiceField(component="EvidenceKindEnum", choices=Evidence.Kind.choices, read_only=True)
    uploaded_by = serializers.CharField(source="uploaded_by.get_username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Evidence
        fields = ["id", "kind", "original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
        read_only_fields = fields


class EvidenceCreateSerializer(StrictInputMixin, serializers.Serializer):
    kind = NamedChoiceField(component="EvidenceKindEnum", choices=Evidence.Kind.choices)
    file = serializers.FileField(help_text="PDF, JPEG or PNG (recognised by content), at most 10 MB")


class CaseNoticeSerializer(serializers.ModelSerializer):
    kind = NamedChoiceField(component="NoticeKindEnum", choices=Notice.Kind.choices, read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    end_date = serializers.DateField(read_only=True, help_text="The last day of the notice (start + days - 1)")

    class Meta:
        model = Notice
        fields = ["id", "kind", "kind_display", "start_date", "days", "end_date"]
        read_only_fields = fields


class CaseDetailSerializer(CaseSerializer):
    allowed_actions = serializers.SerializerMethodField()
    timeline = CaseStepSerializer(source="steps", many=True, read_only=True, help_text="The steps in order, from the opening on")
    objections = CaseObjectionSerializer(many=True, read_only=True)
    notices = CaseNoticeSerializer(many=True, read_only=True, help_text="The notices that listed the case, oldest first")
    evidence = CaseEvidenceSerializer(many=True, read_only=True, help_text="Attachments (the files themselves are downloaded from the case page)")

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "allowed_actions", "timeline", "objections", "notices", "evidence"]
        read_only_fields = fields

    @extend_schema_field(AllowedActionSerializer(many=True))
    def get_allowed_actions(self, case) -> list:
        """The steps of the case's state that the caller may take (a procedure role at the step's level over the case's village)."""
        if not case.is_open:
            return []
        request = self.context.get("request")
        levels = acting_levels(getattr(request, "user", None), case.area)
        out = []
        for name, t in WORKFLOWS[case.procedure].allowed(case.state).items():
            if t.level in levels:
                out.append({"action": name, "label": _label(ACTION_LABELS, name), "to_state": t.to, "to_state_display": _label(STATE_LABELS, t.to),
                            "role": ROLE_OF_LEVEL[t.level], "needs": list(t.needs), "notice": str(t.notice), "after_notice": t.after_notice})
        return AllowedActionSerializer(out, many=True).data


class NoticeCaseSerializer(serializers.Serializer):
    case = serializers.IntegerField(source="pk")
    household_number = serializers.CharField(source="household.number")
    head_name = serializers.CharField(source="household.head_name")
    size = serializers.IntegerField(source="household.size", help_text="Members of the household")


class NoticeSerializer(CaseNoticeSerializer):
    procedure = NamedChoiceField(component="ProcedureEnum", choices=Procedure.choices, read_only=True)
    procedure_display = serializers.CharField(source="get_procedure_display", read_only=True)
    area_name = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.get_username", read_only=True, allow_null=True, default=None)
    cases = NoticeCaseSerializer(source="listed", many=True, read_only=True,
                                 help_text="The cases on the notice as posted: the head's name, the household number and size only")

    class Meta(CaseNoticeSerializer.Meta):
        fields = ["id", "procedure", "procedure_display", "kind", "kind_display", "area", "area_name", "start_date", "days", "end_date",
                  "created_by", "created_at", "cases"]
        read_only_fields = fields

    def get_area_name(self, notice) -> str:
        return self.context.get("area_names", {}).get(notice.area, "")


class BulkResultSerializer(serializers.Serializer):
    cases = CaseSerializer(many=True, help_text="The cases after the step, by id")


class RegisteredPoorSerializer(serializers.Serializer):
    area = serializers.CharField(help_text="12-digit code")
    date = serializers.DateField()
    registered_poor = serializers.IntegerField(help_text="Households registered poor (poor or returned) on the date, from the status history")


# --- serializers: input -----------------------------------------------------------------------------


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}],
                      "description": "The household's id (a JSON number) or its household number (a string)"})
class HouseholdRefField(serializers.Field):
    default_error_messages = {"invalid": _("Give the household's id (a number) or its household number (a string).")}

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool):
            return {"pk": data}
        if isinstance(data, str) and data.strip():
            return {"number": data.strip()}
        self.fail("invalid")

    def to_representation(self, value):
        return value


class CaseOpenSerializer(StrictInputMixin, serializers.Serializer):
    household = HouseholdRefField()
    procedure = NamedChoiceField(component="ProcedureEnum", choices=Procedure.choices)
    year = serializers.IntegerField(min_value=2010, max_value=2100, required=False, allow_null=True, help_text="Default: the current year")
    category = serializers.ChoiceField(choices=MonitoringCategory.choices, required=False, allow_blank=True,
                                       help_text="Monitoring identification: unstable, marginal or hardship (required there)")
    first_clue = serializers.DateField(required=False, allow_null=True, help_text="Monitoring identification: the first risk clue "
                                                                                  "(default today); the deadline counts from it")
    reasons = serializers.ListField(child=serializers.CharField(max_length=40), required=False, help_text="Reason codes")
    comment = serializers.CharField(required=False, allow_blank=True)


class CaseActSerializer(StrictInputMixin, serializers.Serializer):
    action = NamedChoiceField(component="CaseActionEnum", choices=ACTIONS, help_text="A step of the procedure (see `allowed_actions`)")
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    data = serializers.DictField(required=False, default=dict, help_text="Step data, e.g. an appraisal's "
                                 "`{\"attendance\": 20, \"representatives\": 27, \"votes_for\": 15}`, `{\"household_signed\": true}`, "
                                 "`{\"consent_signed\": true}`")


class CaseBulkActSerializer(CaseActSerializer):
    cases = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=BULK_MAX,
                                  help_text=f"Case ids (at most {BULK_MAX})")


class ObjectionCreateSerializer(StrictInputMixin, serializers.Serializer):
    text = serializers.CharField(allow_blank=True, help_text="The objection as received")
    received_on = serializers.DateField(help_text="Within the notice's period")
    objector = serializers.CharField(max_length=100, required=False, allow_blank=True, default="", help_text="May stay anonymous")


class RegisteredPoorQuerySerializer(serializers.Serializer):
    area = serializers.RegexField(r"^[0-9]{2,12}$", help_text="Area code: 12 digits or its significant digits (522633)",
                                  error_messages={"invalid": _("An area code is 2 to 12 digits.")})
    date = serializers.DateField(required=False, help_text="YYYY-MM-DD (default today)")


# --- filters ----------------------------------------------------------------------------------------

AREA_CODE = RegexValidator(r"^[0-9]{2,12}$", _("An area code is 2 to 12 digits."))


def _area_condition(queryset, value: str):
    area = Area.objects.filter(code=pad(value)).first()
    return queryset.filter(area__startswith=area.prefix) if area else queryset.none()


class CaseFilter(django_filters.FilterSet):
    procedure = django_filters.ChoiceFilter(label=_("Procedure"), choices=Procedure.choices)
    state = django_filters.ChoiceFilter(label=_("State"), choices=[(s, STATE_LABELS.get(s, s)) for s in STATES])
    area = django_filters.CharFilter(label=_("Area code"), method="filter_area", validators=[AREA_CODE])
    household = IntegerFilter(label=_("Household id"), field_name="household_id")
    open = django_filters.BooleanFilter(label=_("Open (true) or closed (false)"), method="filter_open", widget=BooleanWidget)
    overdue = django_filters.BooleanFilter(label=_("Open and past the deadline"), method="filter_overdue", widget=BooleanWidget)
    inbox = django_filters.BooleanFilter(label=_("Awaiting a step you may take"), method="filter_inbox", widget=BooleanWidget)

    class Meta:
        model = Case
        fields = ["procedure", "state", "area", "household", "open", "overdue", "inbox"]

    def filter_area(self, queryset, name, value):
        return _area_condition(queryset, value) if value else queryset

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(closed_at__isnull=value)

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(closed_at__isnull=True, due_date__lt=timezone.localdate())

    def filter_inbox(self, queryset, name, value):
        if not value:
            return queryset
        waiting = selectors.inbox(self.request.user).values("pk")
        return queryset.filter(pk__in=waiting).order_by(F("due_date").asc(nulls_last=True), "opened_at", "id")


class NoticeFilter(django_filters.FilterSet):
    procedure = django_filters.ChoiceFilter(label=_("Procedure"), choices=Procedure.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Notice.Kind.choices)
    area = django_filters.CharFilter(label=_("Area code"), method="filter_area", validators=[AREA_CODE])

    class Meta:
        model = Notice
        fields = ["procedure", "kind", "area"]

    def filter_area(self, queryset, name, value):
        return _area_condition(queryset, value) if value else queryset


@contextmanager
def _step_errors(*, data_keys: bool):
    """The services' exceptions of a step: a role refused -> 403 with its message (the caller may see the case, so nothing is
    hidden); with ``data_keys`` the field errors of the step data -> ``data.<key>``."""
    try:
        yield
    except DjangoPermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc) or None) from None
    except ProcedureError as exc:
        if data_keys and hasattr(exc, "error_dict"):
            raise exceptions.ValidationError({f"data.{k}": v for k, v in exc.message_dict.items()}) from None
        raise


# --- cases ------------------------------------------------------------------------------------------

ERRORS_400 = OpenApiResponse(description="A rule or a need of the step not met: `{field: [message]}` (step data as `data.<key>`)")
WRONG_ROLE = OpenApiResponse(description="The step is taken at another level (`{detail}`)")
CONFLICT = OpenApiResponse(description="Not a step of the case in its state, or the case is closed (`{detail}`, with the allowed actions)")


@extend_schema_view(
    list=extend_schema(summary="Procedure cases in your scope",
                       description="Newest first; with `inbox=true` the cases awaiting a step you may take, the earliest deadline first. "
                                   "`area`: 12 digits or the significant ones (a prefix: the cases of every village under it)."),
    retrieve=extend_schema(summary="One case: the steps you may take, its timeline, objections and notices",
                           responses={200: CaseDetailSerializer, 404: NOT_FOUND}),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    filterset_class = CaseFilter

    def get_serializer_class(self):
        return CaseSerializer if self.action == "list" else CaseDetailSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def get_queryset(self):
        return selectors.visible_cases(self.request.user).select_related("opened_by")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {**self.get_serializer_context(), "area_names": _area_names(c.area for c in page)}
        return self.get_paginated_response(CaseSerializer(page, many=True, context=context).data)

    def detail_queryset(self):
        return self.get_queryset().prefetch_related(
            Prefetch("steps", CaseStep.objects.select_related("actor").order_by("at", "id")),
            Prefetch("objections", Objection.objects.select_related("recorded_by").order_by("received_on", "id")),
            Prefetch("notices", Notice.objects.order_by("start_date", "id")),
            Prefetch("evidence", Evidence.objects.select_related("uploaded_by").order_by("uploaded_at", "id")))

    def render(self, case: Case, **kwargs) -> Response:
        context = {**self.get_serializer_context(), "area_names": _area_names([case.area])}
        return Response(CaseDetailSerializer(case, context=context).data, **kwargs)

    def render_case(self, pk: int, **kwargs) -> Response:
        """The case as it is after a write (read again with its steps, objections and notices)."""
        return self.render(self.detail_queryset().get(pk=pk), **kwargs)

    def retrieve(self, request, pk=None):
        return self.render(get_visible_or_404(request.user, self.detail_queryset(), VIEW, pk=pk))

    def _changeable(self):
        """The cases the caller may change, locked for the step (the state read here is the state the step sees)."""
        return Case.objects.visible_to(self.request.user, CHANGE).select_for_update()

    @extend_schema(
        summary="Open a case (an application, a proposed exit, a risk clue, a proposed risk elimination)",
        description="`household`: the id (number) or the household number (string), in your change scope. The rules of opening "
                    "(status, same-year exit, an open case of the procedure already, the risk elimination rules) answer 400.",
        request=CaseOpenSerializer,
        responses={201: CaseDetailSerializer, 400: OpenApiResponse(description="Invalid data or a rule not met: `{field: [message]}`"),
                   404: OpenApiResponse(description="Household unknown or outside your change scope")},
    )
    def create(self, request):
        serializer = CaseOpenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        household = get_visible_or_404(request.user, Household, CHANGE, **data.pop("household"))
        case = case_open(actor=request.user, household=household, procedure=data["procedure"], year=data.get("year"),
                         reasons=data.get("reasons") or (), category=data.get("category") or "", first_clue=data.get("first_clue"),
                         comment=data.get("comment") or "")
        response = self.render_case(case.pk, status=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(reverse("api:case-detail", kwargs={"pk": case.pk}))
        return response

    @extend_schema(
        summary="Take a step of a case",
        description="On the server's date. 409 when the action is not a step of the case's state (the message lists the allowed "
                    "ones), 403 when the step belongs to another level, 400 when a rule or a need is not met (an appraisal's "
                    "two-thirds attendance and majority, a signature, a notice that has not run its period).",
        request=CaseActSerializer,
        responses={200: CaseDetailSerializer, 400: ERRORS_400, 403: WRONG_ROLE, 404: NOT_FOUND, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def act(self, request, pk=None):
        serializer = CaseActSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        step = serializer.validated_data
        with _step_errors(data_keys=True), transaction.atomic():
            case = get_visible_or_404(request.user, self._changeable(), CHANGE, pk=pk)
            legal = _legal(case, step["action"])
            try:
                case = case_act(actor=request.user, case=case, action=step["action"], comment=step["comment"], data=step["data"])
            except ProcedureError as exc:
                if not legal:
                    raise CaseConflict(exc.messages[0]) from None
                raise
        return self.render_case(case.pk)

    @extend_schema(
        summary="Take the same step for several cases, all or nothing",
        description="A notice posted in bulk is one notice listing every case of a village. Any case unknown or outside your change "
                    "scope: 404; any case not in a state that allows the action: 409 with `cases`, their ids; nothing is written.",
        request=CaseBulkActSerializer,
        responses={200: BulkResultSerializer, 400: ERRORS_400, 403: WRONG_ROLE, 404: NOT_FOUND, 409: CONFLICT},
    )
    @action(detail=False, methods=["post"], url_path="bulk-act")
    def bulk_act(self, request):
        serializer = CaseBulkActSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        step = serializer.validated_data
        ids = sorted(set(step["cases"]))
        try:
            with _step_errors(data_keys=True), transaction.atomic():
                cases = list(self._changeable().filter(pk__in=ids).order_by("pk"))
                if len(cases) != len(ids):
                    raise exceptions.NotFound()
                illegal = [c for c in cases if not _legal(c, step["action"])]
                try:
                    if illegal:  # the service's own message for the first of them (it raises before writing anything)
                        case_act(actor=request.user, case=illegal[0], action=step["action"])
                    done = cases_act(actor=request.user, cases=cases, action=step["action"], comment=step["comment"], data=step["data"])
                except ProcedureError as exc:
                    if illegal:
                        raise _Illegal(exc.messages[0], [c.pk for c in illegal]) from None
                    raise
        except _Illegal as exc:  # answered here, after the rollback: the exception handler would turn the ids into strings
            return Response({"detail": exc.args[0], "cases": exc.args[1]}, status=status.HTTP_409_CONFLICT)
        rows = list(self.get_queryset().filter(pk__in=[c.pk for c in done]).order_by("pk"))
        context = {**self.get_serializer_context(), "area_names": _area_names(c.area for c in rows)}
        return Response(BulkResultSerializer({"cases": rows}, context=context).data)

    @extend_schema(
        summary="Record an objection received during the case's notice",
        description="The case goes back (identification: to the village's appraisal after the first notice, to the township's "
                    "review after the second, to the county's approval after the announcement). 409 when the case is not on notice; "
                    "400 when `received_on` lies outside the notice's period or the text is empty.",
        request=ObjectionCreateSerializer,
        responses={201: CaseDetailSerializer, 400: OpenApiResponse(description="`{field: [message]}`"), 404: NOT_FOUND,
                   409: OpenApiResponse(description="The case is not on notice (`{detail}`)")},
    )
    @action(detail=True, methods=["post"])
    def objections(self, request, pk=None):
        serializer = ObjectionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with _step_errors(data_keys=False), transaction.atomic():
            case = get_visible_or_404(request.user, self._changeable(), CHANGE, pk=pk)
            on_notice = case.is_open and case.state in WORKFLOWS[case.procedure].objection_to
            try:
                case = objection_record(actor=request.user, case=case, text=data["text"], received_on=data["received_on"],
                                        objector=data["objector"])
            except ProcedureError as exc:
                if not on_notice:
                    raise CaseConflict(exc.messages[0]) from None
                raise
        return self.render_case(case.pk, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Attach evidence to a case",
        description="Multipart: `kind` (consent, minutes, notice_photo, document) and `file` (PDF, JPEG or PNG by content, at most 10 MB). "
                    "400 per field; 404 outside the caller's change scope.",
        request={"multipart/form-data": EvidenceCreateSerializer},
        responses={201: CaseDetailSerializer, 400: OpenApiResponse(description="`{field: [message]}`"), 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def evidence(self, request, pk=None):
        case = get_visible_or_404(request.user, self._changeable(), CHANGE, pk=pk)
        serializer = EvidenceCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            evidence_add(actor=request.user, case=case, kind=serializer.validated_data["kind"], upload=serializer.validated_data["file"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"file": exc.messages}) from None
        return self.render_case(case.pk, status=status.HTTP_201_CREATED)



# --- notices ----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Notices and announcements in your scope",
                       description="Newest first. Each lists its cases as posted: the head's name, the household number and size."),
    retrieve=extend_schema(summary="One notice with its cases", responses={200: NoticeSerializer, 404: NOT_FOUND}),
)
class NoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = NoticeSerializer
    filterset_class = NoticeFilter

    def get_queryset(self):
        listed = Case.objects.select_related("household").only("id", "household__number", "household__head_name", "household__size")
        return (selectors.notices_visible(self.request.user).select_related("created_by")
                .prefetch_related(Prefetch("cases", listed.order_by("household__number", "id"), to_attr="listed")))

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {**self.get_serializer_context(), "area_names": _area_names(n.area for n in page)}
        return self.get_paginated_response(NoticeSerializer(page, many=True, context=context).data)

    def retrieve(self, request, *args, **kwargs):
        notice = self.get_object()
        context = {**self.get_serializer_context(), "area_names": _area_names([notice.area])}
        return Response(NoticeSerializer(notice, context=context).data)


# --- registered poor as of a date -------------------------------------------------------------------


class RegisteredPoorView(APIView):
    @extend_schema(
        operation_id="registered_poor_retrieve",
        summary="Registered poor households of an area on a date",
        description="From the status history: households whose last status change on or before the date made them poor or "
                    "returned. The whole area must be in your scope (404 otherwise).",
        parameters=[RegisteredPoorQuerySerializer],
        responses={200: RegisteredPoorSerializer, 400: OpenApiResponse(description="A bad parameter: `{field: [message]}`"),
                   404: OpenApiResponse(description="Unknown area, or outside your scope")},
    )
    def get(self, request):
        query = RegisteredPoorQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        area = get_visible_or_404(request.user, Area, VIEW, code=pad(query.validated_data["area"]))
        on = query.validated_data.get("date") or timezone.localdate()
        count = selectors.registered_poor_on(area.code, on)
        return Response(RegisteredPoorSerializer({"area": area.code, "date": on, "registered_poor": count}).data)


