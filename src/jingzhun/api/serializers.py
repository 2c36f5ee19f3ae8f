"""Serializers: output shapes, and input shapes that only parse and type-check (the services validate content).

Privacy: identity numbers, phone numbers and bank accounts are only ever returned masked
(`*_masked`); the one way to read a full identity number is the audited
`GET persons/{id}/identity/` endpoint.

Every choice field is returned as its code plus `<field>_display`, the label in the request's
language (Accept-Language, through Django's LocaleMiddleware).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jingzhun.areas.models import Area
from jingzhun.policy.models import MonitoringLine, PovertyLine
from jingzhun.registry import choices as c
from jingzhun.registry.income import COMPONENTS
from jingzhun.registry.models import Household, IncomeRecord, Person
from jingzhun.registry.services import HOUSEHOLD_FIELDS, PERSON_FIELDS

from .schema import CauseField


def mask_tail(value: str, keep: int = 4) -> str:
    """Keep the last `keep` characters: ``*******5678``; shorter values are masked entirely."""
    value = value or ""
    if len(value) <= keep:
        return "*" * len(value)
    return "*" * (len(value) - keep) + value[-keep:]


@extend_schema_field(OpenApiTypes.STR)
class MaskedField(serializers.ReadOnlyField):
    """A string attribute returned with all but its last four characters masked."""

    def to_representation(self, value):
        return mask_tail(str(value or ""))


# Adds a read-only `<field>_display` label right after every readable choice field.
# (A comment, not a docstring: drf-spectacular would show a docstring on every serializer using it.)
class ChoiceDisplayMixin:
    def get_fields(self):
        fields = super().get_fields()
        out = {}
        for name, field in fields.items():
            out[name] = field
            source = field.source or name
            if (
                isinstance(field, serializers.ChoiceField)
                and not field.write_only
                and f"{name}_display" not in fields
                and "." not in source
            ):
                out[f"{name}_display"] = serializers.CharField(source=f"get_{source}_display", read_only=True)
        return out


# Rejects keys that are not fields of the serializer: `PATCH households/1/ {"status": "exited"}` must not
# answer 200 and silently ignore a field that only a procedure may change.
class StrictInputMixin:
    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({k: [_("This field cannot be set here.")] for k in unknown})
        return super().to_internal_value(data)


# --- areas ----------------------------------------------------------------------------------------


class AreaSerializer(ChoiceDisplayMixin, serializers.ModelSerializer):
    class Meta:
        model = Area
        fields = ["code", "name", "level", "parent", "pinyin", "initials", "region", "valid_from", "valid_to"]
        read_only_fields = fields


# --- persons --------------------------------------------------------------------------------------

PERSON_OUT_FIELDS = [
    "id", "household", "household_number", "area", "relation", "name", "name_pinyin", "id_number_masked",
    "sex", "birth_date", "ethnicity", "education", "student_status", "health", "labour_ability", "work_status",
    "months_away", "medical_insurance", "serious_illness_insurance", "pension_insurance", "dibao", "tekun",
    "death_date", "created_at", "updated_at",
]


class PersonSerializer(ChoiceDisplayMixin, serializers.ModelSerializer):
    household_number = serializers.CharField(source="household.number", read_only=True, allow_null=True, default=None)
    id_number_masked = serializers.CharField(source="masked_id", read_only=True)

    class Meta:
        model = Person
        fields = PERSON_OUT_FIELDS
        read_only_fields = fields


class MemberSummarySerializer(ChoiceDisplayMixin, serializers.ModelSerializer):
    id_number_masked = serializers.CharField(source="masked_id", read_only=True)

    class Meta:
        model = Person
        fields = ["id", "name", "relation", "sex", "birth_date", "id_number_masked", "health", "labour_ability"]
        read_only_fields = fields


class PersonIdentitySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    id_number = serializers.CharField(read_only=True)


class PersonInputSerializer(StrictInputMixin, serializers.ModelSerializer):
    """One person's data. Sex and birth date may be left out: they are read from the identity number."""

    name = serializers.CharField(max_length=50, allow_blank=True)
    id_number = serializers.CharField(max_length=40, allow_blank=True, help_text="18 characters (or 15 for an old number)")
    sex = serializers.ChoiceField(choices=c.Sex.choices, required=False)
    birth_date = serializers.DateField(required=False)
    months_away = serializers.IntegerField(min_value=0, max_value=12, required=False)

    class Meta:
        model = Person
        fields = [f for f in PERSON_FIELDS if f != "relation"]
        validators: list = []


class MemberInputSerializer(PersonInputSerializer):
    relation = serializers.ChoiceField(choices=c.Relation.choices, help_text="Relation to the head (not 'head')")

    class Meta(PersonInputSerializer.Meta):
        fields = [*PersonInputSerializer.Meta.fields, "relation"]


class PersonCreateSerializer(MemberInputSerializer):
    """A new person joining an existing household (birth, marriage, ...)."""

    household = serializers.IntegerField()
    date = serializers.DateField(help_text="Date the person joined the household")
    reason = serializers.ChoiceField(choices=c.MembershipChange.choices)

    class Meta(MemberInputSerializer.Meta):
        fields = ["household", *MemberInputSerializer.Meta.fields, "date", "reason"]


class PersonDeathSerializer(StrictInputMixin, serializers.Serializer):
    death_date = serializers.DateField()


class PersonMoveSerializer(StrictInputMixin, serializers.Serializer):
    to_household = serializers.IntegerField()
    relation = serializers.ChoiceField(choices=c.Relation.choices, help_text="Relation to the new head (not 'head')")
    date = serializers.DateField()
    reason = serializers.ChoiceField(choices=c.MembershipChange.choices, required=False,
                                     help_text="Default: marriage")


# --- households -----------------------------------------------------------------------------------

HOUSEHOLD_LIST_FIELDS = [
    "id", "number", "area", "area_name", "head", "head_name", "size", "status", "registered_year", "exited_year",
    "household_type", "main_cause", "latest_year", "latest_per_capita",
]


class HouseholdListSerializer(ChoiceDisplayMixin, serializers.ModelSerializer):
    main_cause = CauseField(read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    latest_year = serializers.IntegerField(read_only=True, allow_null=True, default=None,
                                           help_text="Year of the latest income record")
    latest_per_capita = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, allow_null=True,
                                                 default=None, help_text="Per-capita net income of that year")

    class Meta:
        model = Household
        fields = HOUSEHOLD_LIST_FIELDS
        read_only_fields = fields


class HouseholdDetailSerializer(HouseholdListSerializer):
    secondary_cause_1 = CauseField(read_only=True)
    secondary_cause_2 = CauseField(read_only=True)
    phone_masked = MaskedField(source="phone")
    bank_account_masked = MaskedField(source="bank_account")
    members = MemberSummarySerializer(source="current_members", many=True, read_only=True)

    class Meta(HouseholdListSerializer.Meta):
        fields = [
            *HOUSEHOLD_LIST_FIELDS,
            *[f for f in HOUSEHOLD_FIELDS if f not in ("phone", "bank_account", "household_type", "main_cause")],
            "phone_masked", "bank_account_masked", "members", "created_at", "updated_at",
        ]
        read_only_fields = fields


class HouseholdUpdateSerializer(StrictInputMixin, serializers.ModelSerializer):
    main_cause = CauseField(required=False)
    secondary_cause_1 = CauseField(required=False)
    secondary_cause_2 = CauseField(required=False)

    class Meta:
        model = Household
        fields = HOUSEHOLD_FIELDS
        validators: list = []


class HouseholdCreateSerializer(HouseholdUpdateSerializer):
    area = serializers.CharField(max_length=12, help_text="12-digit code of the village")
    head = PersonInputSerializer()
    members = MemberInputSerializer(many=True, required=False, help_text="Members other than the head")
    date = serializers.DateField(required=False, help_text="Registration date (default: today)")

    class Meta(HouseholdUpdateSerializer.Meta):
        fields = ["area", "head", "members", "status", "registered_year", "date", *HOUSEHOLD_FIELDS]


# --- incomes --------------------------------------------------------------------------------------

MONEY_FIELDS = [*COMPONENTS, "production_costs"]


class IncomeRecordSerializer(serializers.ModelSerializer):
    household_number = serializers.CharField(source="household.number", read_only=True)

    class Meta:
        model = IncomeRecord
        fields = ["id", "household", "household_number", "year", "members", *MONEY_FIELDS, "gross", "net", "per_capita",
                  "updated_at"]
        read_only_fields = fields


class IncomeSetSerializer(StrictInputMixin, serializers.ModelSerializer):
    """Create or replace a household's income record for a year; gross, net and per capita are computed."""

    household = serializers.IntegerField()
    members = serializers.IntegerField(required=False, help_text="Household size used for per-capita income "
                                                                  "(default: the current size)")

    class Meta:
        model = IncomeRecord
        fields = ["household", "year", "members", *MONEY_FIELDS]
        validators: list = []


# --- policy lines ---------------------------------------------------------------------------------

LINE_FIELDS = ["id", "year", "area", "area_name", "amount", "source", "note"]


class _LineSerializer(StrictInputMixin, serializers.ModelSerializer):
    area = serializers.SlugRelatedField(
        slug_field="code", queryset=Area.objects.all(), allow_null=True, required=False, default=None,
        help_text="12-digit area code; null for the national line",
    )
    area_name = serializers.CharField(source="area.name", read_only=True, allow_null=True, default=None)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"),
                                      help_text="Yuan per person per year")

    class Meta:
        fields = LINE_FIELDS
        read_only_fields = ["id"]
        validators: list = []


class PovertyLineSerializer(_LineSerializer):
    class Meta(_LineSerializer.Meta):
        model = PovertyLine
        fields = [*LINE_FIELDS, "price_basis"]


class MonitoringLineSerializer(_LineSerializer):
    class Meta(_LineSerializer.Meta):
        model = MonitoringLine


class _LineKeyIsFixed:
    """Year and area identify a line: an update may repeat them but not change them."""

    def validate(self, attrs):
        current = {"year": str(self.instance.year), "area": self.instance.area_id or ""}
        for name, value in current.items():
            if name in self.initial_data and str(self.initial_data[name] or "") != value:
                raise serializers.ValidationError(
                    {name: [_("Year and area identify a line and cannot change; set a new line instead.")]})
        return super().validate(attrs)


class PovertyLineUpdateSerializer(_LineKeyIsFixed, PovertyLineSerializer):
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta(PovertyLineSerializer.Meta):
        read_only_fields = ["id", "year", "area"]


class MonitoringLineUpdateSerializer(_LineKeyIsFixed, MonitoringLineSerializer):
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta(MonitoringLineSerializer.Meta):
        read_only_fields = ["id", "year", "area"]
