"""API viewsets: parse with a serializer, call one service or selector, render.

Scope and the write rule
------------------------
Every queryset starts from ``visible_to(user, action)``: reads use the 'view' scope, writes the
'change' scope, the identity endpoint the 'unmask' scope.

**Anything outside the caller's scope answers 404, reads and writes alike, never 403.** That covers

* reading or writing a record outside the scope (``GET``/``PATCH households/{id}/``, ``POST persons/{id}/death/``, ...):
  the look-up runs on ``visible_to(user, 'change')`` for writes, so a record the caller may see but not
  change (an analyst, an auditor) is "not found" for a write;
* creating inside something outside the change scope: the village of a new household, the household of a
  new person or income record, the destination of a move. The services raise ``PermissionDenied`` and
  the exception handler turns it into 404, so a user without any change scope (an analyst) gets 404 on
  every create too.

One answer for "missing" and "not yours" means a response never tells a caller whether a record exists
beyond their responsibility. A body that fails shape validation is answered 400 before any look-up (it
depends only on the body, so it reveals nothing).

The one 403 in the API is not about area scope: poverty and monitoring lines are readable by every
signed-in user and only superusers and the national office may set them (see ``permissions.py``).
Unauthenticated requests get 401 with ``WWW-Authenticate: Token``.
"""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import action
from rest_framework.response import Response

from jingzhun.areas.models import Area
from jingzhun.core.scoping import CHANGE, UNMASK, VIEW, get_visible_or_404
from jingzhun.policy.models import MonitoringLine, PovertyLine
from jingzhun.policy.services import line_set
from jingzhun.registry.filters import HouseholdFilter
from jingzhun.registry.models import Household, IncomeRecord, Person
from jingzhun.registry.selectors import current_members_queryset, household_list, households_visible
from jingzhun.registry.services import (
    household_register,
    household_update,
    income_set,
    person_add,
    person_move,
    person_record_death,
    person_reveal_id,
    person_update,
)

from . import serializers as s
from .filters import AreaFilter, IncomeFilter, MonitoringLineFilter, PersonFilter, PovertyLineFilter
from .pagination import Pagination
from .permissions import PolicyWriterOrReadOnly

NOT_FOUND = OpenApiResponse(description="Not found, or outside your scope")


class ApiViewSet(viewsets.GenericViewSet):
    # Token first: an unauthenticated request is answered 401 with `WWW-Authenticate: Token`.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    pagination_class = Pagination
    lookup_value_regex = "[0-9]+"
    scope_by_action: dict[str, str] = {}

    @property
    def scope(self) -> str:
        """The scope action ('view', 'change', 'unmask') the current request needs."""
        return self.scope_by_action.get(self.action, VIEW)

    def filter_queryset(self, queryset):
        # Query filters apply to lists only; detail and write look-ups use exactly the scoped queryset.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def out(self, serializer_class, instance, **kwargs) -> Response:
        return Response(serializer_class(instance, context=self.get_serializer_context()).data, **kwargs)


def _changeable_household(user, pk: int) -> Household:
    return get_visible_or_404(user, Household, CHANGE, pk=pk)


# --- areas ----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Areas in your scope", description="Filter by `parent` code and `level`; "
                       "`q` matches a name, pinyin or initials prefix."),
    retrieve=extend_schema(summary="One area by its code (12 digits, or its significant digits: 522633)",
                           responses={200: s.AreaSerializer, 404: NOT_FOUND}),
)
class AreaViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = s.AreaSerializer
    filterset_class = AreaFilter
    lookup_field = "code"
    lookup_value_regex = "[0-9]{2,12}"

    def get_queryset(self):
        return Area.objects.visible_to(self.request.user)

    def get_object(self):
        self.kwargs[self.lookup_field] = self.kwargs[self.lookup_field].ljust(12, "0")
        return super().get_object()


# --- households -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Households in your scope", description="Filters are those of the web list "
                       "(`registry.filters.HouseholdFilter`)."),
    retrieve=extend_schema(summary="One household with its current members",
                           responses={200: s.HouseholdDetailSerializer, 404: NOT_FOUND}),
)
class HouseholdViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    filterset_class = HouseholdFilter
    scope_by_action = {"partial_update": CHANGE}

    def get_serializer_class(self):
        return {
            "list": s.HouseholdListSerializer,
            "create": s.HouseholdCreateSerializer,
            "partial_update": s.HouseholdUpdateSerializer,
        }.get(self.action, s.HouseholdDetailSerializer)

    def get_queryset(self):
        if self.action == "list":
            return households_visible(self.request.user)  # HouseholdFilter.qs runs the selector on the request
        if self.scope != VIEW:
            return households_visible(self.request.user, self.scope)
        return self.detail_queryset()

    def detail_queryset(self):
        return household_list(self.request.user).prefetch_related(
            Prefetch("members", current_members_queryset(), to_attr="current_members"))

    def render_household(self, pk: int, **kwargs) -> Response:
        return self.out(s.HouseholdDetailSerializer, self.detail_queryset().get(pk=pk), **kwargs)

    @extend_schema(summary="Register a household with its head and members",
                   request=s.HouseholdCreateSerializer,
                   responses={201: s.HouseholdDetailSerializer, 400: OpenApiResponse(description="Invalid data"),
                              404: OpenApiResponse(description="Village outside your change scope")})
    def create(self, request):
        serializer = s.HouseholdCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        household = household_register(actor=request.user, **serializer.validated_data)
        return self.render_household(household.pk, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Change a household's data", request=s.HouseholdUpdateSerializer,
                   responses={200: s.HouseholdDetailSerializer, 404: NOT_FOUND})
    def partial_update(self, request, pk=None):
        household = self.get_object()
        serializer = s.HouseholdUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        household_update(actor=request.user, household=household, **serializer.validated_data)
        return self.render_household(household.pk)


# --- persons --------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Persons in your scope", description="`q` matches an identity number, a Chinese "
                       "name prefix, or a pinyin / initials prefix."),
    retrieve=extend_schema(summary="One person", responses={200: s.PersonSerializer, 404: NOT_FOUND}),
)
class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = s.PersonSerializer
    filterset_class = PersonFilter
    scope_by_action = {"partial_update": CHANGE, "death": CHANGE, "move": CHANGE, "identity": UNMASK}

    def get_queryset(self):
        return Person.objects.visible_to(self.request.user, self.scope).select_related("household")

    def render_person(self, pk: int, **kwargs) -> Response:
        return self.out(s.PersonSerializer, Person.objects.visible_to(self.request.user)
                        .select_related("household").get(pk=pk), **kwargs)

    @extend_schema(summary="Add a person to a household (birth, marriage, ...)", request=s.PersonCreateSerializer,
                   responses={201: s.PersonSerializer, 404: OpenApiResponse(description="Household outside your "
                                                                                        "change scope")})
    def create(self, request):
        serializer = s.PersonCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        household = _changeable_household(request.user, data.pop("household"))
        relation, date, reason = data.pop("relation"), data.pop("date"), data.pop("reason")
        person = person_add(actor=request.user, household=household, data=data, relation=relation, date=date,
                            reason=reason)
        return self.render_person(person.pk, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Change a person's data", request=s.PersonInputSerializer,
                   responses={200: s.PersonSerializer, 404: NOT_FOUND})
    def partial_update(self, request, pk=None):
        person = self.get_object()
        serializer = s.PersonInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        person_update(actor=request.user, person=person, **serializer.validated_data)
        return self.render_person(person.pk)

    @extend_schema(summary="Record a person's death (ends the membership)", request=s.PersonDeathSerializer,
                   responses={200: s.PersonSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def death(self, request, pk=None):
        person = self.get_object()
        serializer = s.PersonDeathSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        person_record_death(actor=request.user, person=person, **serializer.validated_data)
        return self.render_person(person.pk)

    @extend_schema(summary="Move a person to another household", request=s.PersonMoveSerializer,
                   responses={200: s.PersonSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        person = self.get_object()
        serializer = s.PersonMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        to_household = _changeable_household(request.user, data.pop("to_household"))
        person_move(actor=request.user, person=person, to_household=to_household, **data)
        return self.render_person(person.pk)

    @extend_schema(summary="The full identity number (the read is audited)",
                   description="Only for users who may unmask identity numbers in the person's area; others get 404.",
                   responses={200: s.PersonIdentitySerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["get"])
    def identity(self, request, pk=None):
        person = self.get_object()
        number = person_reveal_id(actor=request.user, person=person)
        response = Response(s.PersonIdentitySerializer({"id": person.pk, "id_number": number}).data)
        response["Cache-Control"] = "no-store"
        return response


# --- incomes --------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Income records in your scope"),
    retrieve=extend_schema(summary="One income record", responses={200: s.IncomeRecordSerializer, 404: NOT_FOUND}),
)
class IncomeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = s.IncomeRecordSerializer
    filterset_class = IncomeFilter

    def get_queryset(self):
        return IncomeRecord.objects.visible_to(self.request.user, self.scope).select_related("household")

    @extend_schema(
        summary="Set a household's income for a year (create or replace)",
        description="Gross, net and per-capita income are computed. 201 when the record is new, 200 when an "
                    "existing record for that year was replaced.",
        request=s.IncomeSetSerializer,
        responses={200: s.IncomeRecordSerializer, 201: s.IncomeRecordSerializer,
                   404: OpenApiResponse(description="Household outside your change scope")},
    )
    def create(self, request):
        serializer = s.IncomeSetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        household = _changeable_household(request.user, data.pop("household"))
        existed = IncomeRecord.objects.visible_to(request.user, CHANGE).filter(household=household,
                                                                               year=data["year"]).exists()
        record = income_set(actor=request.user, household=household, **data)
        record = self.get_queryset().get(pk=record.pk)
        return self.out(s.IncomeRecordSerializer, record, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


# --- policy lines ---------------------------------------------------------------------------------


class _LineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """National reference data: readable by every signed-in user; written by `policy.services.line_set`."""

    permission_classes = [PolicyWriterOrReadOnly]
    kind: str
    model: type
    update_serializer_class: type

    def get_queryset(self):
        return self.model.objects.select_related("area")

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return self.update_serializer_class
        return self.serializer_class

    def _set(self, **values):
        return line_set(actor=self.request.user, kind=self.kind, **values)

    def create(self, request):
        serializer = self.serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        existed = self.get_queryset().filter(year=data["year"], area=data.get("area")).exists()
        line = self._set(**data)
        return self.out(self.serializer_class, line, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        line = self.get_object()
        serializer = self.update_serializer_class(line, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        fields = [f for f in ("amount", "source", "note", "price_basis") if hasattr(line, f)]
        values = {f: getattr(line, f) for f in fields} | dict(serializer.validated_data)
        line = self._set(year=line.year, area=line.area, **values)
        return self.out(self.serializer_class, line)

    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)


def _line_schema(name: str, serializer, update_serializer):
    return extend_schema_view(
        list=extend_schema(summary=f"{name}s"),
        retrieve=extend_schema(summary=f"One {name.lower()}"),
        create=extend_schema(
            summary=f"Set the {name.lower()} of a year and area (create or replace)",
            description="Superusers and the national office only (403 otherwise). 201 when new, 200 when the "
                        "line of that year and area was replaced.",
            request=serializer, responses={200: serializer, 201: serializer},
        ),
        update=extend_schema(summary=f"Change a {name.lower()}", request=update_serializer, responses=serializer),
        partial_update=extend_schema(summary=f"Change a {name.lower()}", request=update_serializer,
                                     responses=serializer),
    )


@_line_schema("Poverty line", s.PovertyLineSerializer, s.PovertyLineUpdateSerializer)
class PovertyLineViewSet(_LineViewSet):
    kind, model = "poverty", PovertyLine
    serializer_class = s.PovertyLineSerializer
    update_serializer_class = s.PovertyLineUpdateSerializer
    filterset_class = PovertyLineFilter


@_line_schema("Monitoring line", s.MonitoringLineSerializer, s.MonitoringLineUpdateSerializer)
class MonitoringLineViewSet(_LineViewSet):
    kind, model = "monitoring", MonitoringLine
    serializer_class = s.MonitoringLineSerializer
    update_serializer_class = s.MonitoringLineUpdateSerializer
    filterset_class = MonitoringLineFilter
