"""Serializers of the pairing API (``api/pairing.py``): output shapes, and input shapes that only parse and type-check.

The services validate content (``pairing.services``, ``pairing.projects``, ``pairing.ledgers``, ``pairing.reconcile``,
``pairing.assessment``) and their ``ValidationError`` becomes the API's flat 400 ``{field: [message]}``.

Money is always a string with two decimals (``"1234.50"``), never a float. Every choice field is documented as its
own named enum component (``FundKindEnum``, ``SecondmentKindEnum`` ...): several pairing models have a ``kind``.
Identity numbers never appear in full: linked persons are returned with ``id_number_masked``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from jingzhun.core.scoping import VIEW, in_scope
from jingzhun.pairing import indicators
from jingzhun.pairing.models import (
    CENT,
    Agreement,
    AssessmentScore,
    Beneficiary,
    BenefitType,
    Claim,
    FundEntry,
    FundKind,
    FundSource,
    Grade,
    OutputKind,
    Partnership,
    PartnershipKind,
    Project,
    ProjectOutput,
    ProjectStatus,
)
from jingzhun.registry.models import Household, Person

from .imports import NamedChoiceField
from .serializers import StrictInputMixin

AREA_CODE_RE = r"^[0-9]{2,12}$"
AREA_CODE_ERROR = {"invalid": _("An area code is 2 to 12 digits.")}
INDICATOR_CHOICES = [(i.code, i.label) for i in indicators.INDICATORS]
MONEY_UNITS = (indicators.YUAN, indicators.KM)


def jsonable(value: Any) -> Any:
    """Decimals as strings (exact: DRF's encoder would turn them into floats), dates as ISO strings, recursively;
    model instances as ``{"id", "label"}`` (households and persons by their id only); ``id_number`` keys dropped."""
    if isinstance(value, Decimal):
        return str(value.quantize(CENT)) if value == value.quantize(CENT) else str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items() if k != "id_number"}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (Household, Person)):
        return value.pk  # never a name or an identity number
    if isinstance(value, Model):
        return {"id": value.pk, "label": str(value)}
    if hasattr(value, "__html__") or type(value).__name__ == "__proxy__":
        return str(value)
    return value


def figure_out(code: str, value: Any) -> Any:
    """One rollup figure: money and kilometres as a two-decimal string, counts as integers."""
    if value is None:
        return None
    unit = indicators.BY_CODE[code].unit if code in indicators.BY_CODE else ""
    if unit in MONEY_UNITS or (isinstance(value, Decimal) and value != value.to_integral_value()):
        return str(Decimal(value).quantize(CENT))
    return int(value)


def figures_out(values: dict) -> dict:
    return {code: figure_out(code, value) for code, value in values.items()}


def _figures_serializer() -> type[serializers.Serializer]:
    fields = {}
    for i in indicators.INDICATORS:
        help_text = f"{i.label} ({i.unit})"
        if i.unit in MONEY_UNITS:
            fields[i.code] = serializers.DecimalField(max_digits=18, decimal_places=2, coerce_to_string=True, help_text=help_text)
        else:
            fields[i.code] = serializers.IntegerField(help_text=help_text)
    return type("PairingFiguresSerializer", (serializers.Serializer,), fields)


FiguresSerializer = _figures_serializer()


# --- partnerships ------------------------------------------------------------------------------------


class PartnershipSerializer(serializers.ModelSerializer):
    kind = NamedChoiceField(component="PartnershipKindEnum", choices=PartnershipKind.choices, read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    east_area_name = serializers.CharField(source="east_area.name", read_only=True, allow_null=True, default=None)
    west_area_name = serializers.CharField(source="west_area.name", read_only=True)
    active = serializers.SerializerMethodField()

    class Meta:
        model = Partnership
        fields = ["id", "kind", "kind_display", "name", "east_area", "east_area_name", "west_area", "west_area_name", "east_party",
                  "start_date", "end_date", "active", "parent", "created_at"]
        read_only_fields = fields
        extra_kwargs = {"east_area": {"help_text": "12-digit code (null for an enterprise, institution or unit)"},
                        "west_area": {"help_text": "12-digit code"}}

    def get_active(self, p) -> bool:
        """The partnership covers today."""
        today = self.context.get("today")
        return p.covers(today) if today else p.end_date is None


class PartnershipCreateSerializer(StrictInputMixin, serializers.Serializer):
    kind = NamedChoiceField(component="PartnershipKindEnum", choices=PartnershipKind.choices)
    name = serializers.CharField(max_length=200)
    east_area = serializers.RegexField(AREA_CODE_RE, required=False, allow_null=True, error_messages=AREA_CODE_ERROR,
                                       help_text="Eastern area code (area pairings); 12 digits or the significant ones")
    west_area = serializers.RegexField(AREA_CODE_RE, error_messages=AREA_CODE_ERROR, help_text="Western area code")
    east_party = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                       help_text="The enterprise, institution or unit (other kinds)")
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)
    parent = serializers.IntegerField(required=False, allow_null=True, help_text="Id of the partnership this one sits under")


class AgreementSerializer(serializers.ModelSerializer):
    indicator = NamedChoiceField(component="PairingIndicatorEnum", choices=INDICATOR_CHOICES, read_only=True)
    indicator_label = serializers.SerializerMethodField()

    class Meta:
        model = Agreement
        fields = ["id", "partnership", "year", "indicator", "indicator_label", "target", "unit"]
        read_only_fields = fields

    def get_indicator_label(self, a) -> str:
        return str(indicators.BY_CODE[a.indicator].label) if a.indicator in indicators.BY_CODE else a.indicator


class AgreementSetSerializer(StrictInputMixin, serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    indicator = NamedChoiceField(component="PairingIndicatorEnum", choices=INDICATOR_CHOICES)
    target = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=Decimal("0"),
                                      help_text="In the indicator's unit (yuan, persons, count, km)")
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class RollupSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    partnerships = serializers.ListField(child=serializers.IntegerField(), help_text="The partnerships counted (ids)")
    figures = FiguresSerializer(help_text="Every indicator of `pairing.indicators`; money as strings with two decimals")


class YearFiguresSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    figures = FiguresSerializer()


class RollupByYearSerializer(serializers.Serializer):
    partnerships = serializers.ListField(child=serializers.IntegerField())
    years = YearFiguresSerializer(many=True)


class PeriodQuerySerializer(serializers.Serializer):
    start = serializers.DateField(help_text="First day (inclusive), YYYY-MM-DD")
    end = serializers.DateField(help_text="Last day (inclusive), YYYY-MM-DD")

    def validate(self, attrs):
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": [_("The end date is before the start date.")]})
        return attrs


class YearRangeQuerySerializer(serializers.Serializer):
    start_year = serializers.IntegerField(min_value=2000, max_value=2100)
    end_year = serializers.IntegerField(min_value=2000, max_value=2100)

    def validate(self, attrs):
        if attrs["end_year"] < attrs["start_year"]:
            raise serializers.ValidationError({"end_year": [_("The last year is before the first year.")]})
        if attrs["end_year"] - attrs["start_year"] > 30:
            raise serializers.ValidationError({"end_year": [_("At most 30 years at a time.")]})
        return attrs


class YearQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class ProgressSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    target = serializers.CharField(help_text="Decimal string")
    actual = serializers.CharField(allow_null=True, help_text="Rollup of the partnership and its descendants over the year "
                                                              "(decimal string; null for an unknown indicator)")
    ratio = serializers.CharField(allow_null=True, help_text="actual / target to 4 places (null when the target is zero)")


class AnomalySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="disbursed_above_allocated, beneficiary_outside_area, household_counted_twice, "
                                           "completed_without_outputs, ...")
    partnership_id = serializers.IntegerField(allow_null=True)
    object_label = serializers.CharField()
    object_id = serializers.IntegerField(allow_null=True)
    message = serializers.CharField(help_text="In the request's language")
    detail = serializers.JSONField(help_text="The figures behind the finding (money as strings)")


class TraceQuerySerializer(serializers.Serializer):
    source = NamedChoiceField(component="FundSourceEnum", choices=FundSource.choices)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)


class AssessmentScoreSerializer(serializers.ModelSerializer):
    grade = NamedChoiceField(component="GradeEnum", choices=Grade.choices, read_only=True)
    grade_display = serializers.CharField(source="get_grade_display", read_only=True)
    template = serializers.CharField(source="template.code", read_only=True)
    detail = serializers.SerializerMethodField()
    computed_by = serializers.CharField(source="computed_by.get_username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = AssessmentScore
        fields = ["id", "partnership", "year", "template", "total", "grade", "grade_display", "detail", "computed_by", "computed_at"]
        read_only_fields = fields

    def get_detail(self, score) -> list[dict]:
        """One object per indicator: target, actual, ratio, score, weight."""
        return jsonable(score.detail)


class AssessmentComputeSerializer(StrictInputMixin, serializers.Serializer):
    template = serializers.SlugField(help_text="Code of the assessment template (e.g. the 2017 or 2021 template)")


class AssessmentInputSetSerializer(StrictInputMixin, serializers.Serializer):
    template = serializers.SlugField(help_text="Code of the assessment template")
    indicator = serializers.SlugField(help_text="Code of the template's indicator (a manual one)")
    score = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=Decimal("0"), max_value=Decimal("100"))
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AssessmentInputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    partnership = serializers.IntegerField(source="partnership_id")
    year = serializers.IntegerField()
    template = serializers.CharField(source="indicator.template.code")
    indicator = serializers.CharField(source="indicator.code")
    score = serializers.DecimalField(max_digits=6, decimal_places=2)
    note = serializers.CharField()


# --- funds -------------------------------------------------------------------------------------------


class FundEntrySerializer(serializers.ModelSerializer):
    kind = NamedChoiceField(component="FundKindEnum", choices=FundKind.choices, read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    source = NamedChoiceField(component="FundSourceEnum", choices=FundSource.choices, read_only=True)
    source_display = serializers.CharField(source="get_source_display", read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.get_username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = FundEntry
        fields = ["id", "partnership", "date", "kind", "kind_display", "source", "source_display", "amount", "project", "note",
                  "corrects", "recorded_by", "recorded_at"]
        read_only_fields = fields
        extra_kwargs = {"corrects": {"help_text": "The entry this one reverses (a correction has the negated amount)"},
                        "amount": {"help_text": "Yuan; negative only on a correction"}}


class FundEntryCreateSerializer(StrictInputMixin, serializers.Serializer):
    partnership = serializers.IntegerField()
    date = serializers.DateField()
    kind = NamedChoiceField(component="FundKindEnum", choices=FundKind.choices)
    source = NamedChoiceField(component="FundSourceEnum", choices=FundSource.choices)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="Yuan, positive, at most two decimals")
    project = serializers.IntegerField(required=False, allow_null=True, help_text="A project of the same partnership")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class FundCorrectSerializer(StrictInputMixin, serializers.Serializer):
    note = serializers.CharField(allow_blank=True, help_text="Why the entry is reversed")


# --- projects ----------------------------------------------------------------------------------------


class ProjectOutputSerializer(serializers.ModelSerializer):
    kind = NamedChoiceField(component="OutputKindEnum", choices=OutputKind.choices, read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = ProjectOutput
        fields = ["id", "kind", "kind_display", "count"]
        read_only_fields = fields


class ProjectSerializer(serializers.ModelSerializer):
    status = NamedChoiceField(component="ProjectStatusEnum", choices=ProjectStatus.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    outputs = ProjectOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Project
        fields = ["id", "partnership", "code", "name", "status", "status_display", "budget", "village", "village_name", "start_date",
                  "end_date", "outputs", "created_at"]
        read_only_fields = fields


class ProjectCreateSerializer(StrictInputMixin, serializers.Serializer):
    partnership = serializers.IntegerField()
    name = serializers.CharField(max_length=200)
    code = serializers.CharField(max_length=50)
    budget = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="Yuan")
    village = serializers.RegexField(AREA_CODE_RE, error_messages=AREA_CODE_ERROR, help_text="12-digit code of a village of the "
                                     "partnership's western area")
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)


class ProjectAdvanceSerializer(StrictInputMixin, serializers.Serializer):
    status = NamedChoiceField(component="ProjectStatusEnum", choices=ProjectStatus.choices, help_text="The next status")


class OutputAddSerializer(StrictInputMixin, serializers.Serializer):
    kind = NamedChoiceField(component="OutputKindEnum", choices=OutputKind.choices)
    count = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="Positive (kilometres for roads)")


class BeneficiarySerializer(serializers.ModelSerializer):
    """A beneficiary household by id and household number only: no names, no identity numbers."""

    benefit = NamedChoiceField(component="BenefitTypeEnum", choices=BenefitType.choices, read_only=True)
    benefit_display = serializers.CharField(source="get_benefit_display", read_only=True)
    household_number = serializers.SerializerMethodField()
    area = serializers.CharField(source="household.area_id", read_only=True, help_text="12-digit code of the household's village")

    class Meta:
        model = Beneficiary
        fields = ["id", "project", "household", "household_number", "area", "benefit", "benefit_display", "amount"]
        read_only_fields = fields

    def get_household_number(self, row) -> str | None:
        """Only for a household in the caller's view scope (an eastern officer sees no western household's number)."""
        request = self.context.get("request")
        if request is None or not in_scope(request.user, row.household.area_id, VIEW):
            return None
        return row.household.number


class BeneficiaryAddSerializer(StrictInputMixin, serializers.Serializer):
    household = serializers.IntegerField(help_text="The household's id")
    benefit = NamedChoiceField(component="BenefitTypeEnum", choices=BenefitType.choices)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True, help_text="Yuan")


# --- ledgers -----------------------------------------------------------------------------------------


class PeopleLinkSerializer(StrictInputMixin, serializers.Serializer):
    id_numbers = serializers.ListField(child=serializers.CharField(max_length=40), allow_empty=False, max_length=1000,
                                       help_text="Identity numbers of registered persons in your scope (at most 1000)")


class LinkedPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="person.id")
    name = serializers.CharField(source="person.name")
    id_number_masked = serializers.CharField(source="person.masked_id")
    registered = serializers.BooleanField(help_text="The household was registered poor on the record's date")


class PeopleLinkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Links created (persons already linked are not counted)")
    people = LinkedPersonSerializer(many=True, help_text="Every person linked to the record")


# --- imports -----------------------------------------------------------------------------------------


class LedgerImportSerializer(StrictInputMixin, serializers.Serializer):
    file = serializers.FileField(help_text="xlsx or CSV in the layout of the kind's template")
    partnership = serializers.IntegerField()


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Row number in the file (the header is row 1)")
    column = serializers.CharField()
    message = serializers.CharField()


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()


class ImportErrorsSerializer(serializers.Serializer):
    file = serializers.ListField(child=serializers.CharField(), help_text="One message per row error")
    errors = RowErrorSerializer(many=True)


# --- claims ------------------------------------------------------------------------------------------


class ClaimSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.get_username", read_only=True, allow_null=True, default=None)
    statements = serializers.JSONField(read_only=True)

    class Meta:
        model = Claim
        fields = ["id", "title", "source", "published_on", "partnership", "area", "start", "end", "statements", "created_by", "created_at"]
        read_only_fields = fields


class ClaimCreateSerializer(StrictInputMixin, serializers.Serializer):
    title = serializers.CharField(max_length=200)
    source = serializers.CharField(max_length=500)
    published_on = serializers.DateField(required=False, allow_null=True)
    partnership = serializers.IntegerField(required=False, allow_null=True)
    area = serializers.RegexField(AREA_CODE_RE, required=False, allow_null=True, error_messages=AREA_CODE_ERROR)
    start = serializers.DateField()
    end = serializers.DateField()
    statements = serializers.ListField(child=serializers.DictField(), allow_empty=False,
                                       help_text="Statements as in `pairing.reconcile` (total, average, share, increase, multiple, record)")


class FindingSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The statement's position in `statements`")
    kind = NamedChoiceField(component="FindingKindEnum", choices=["arithmetic", "records"])
    published = serializers.CharField(allow_null=True)
    computed = serializers.CharField(allow_null=True)
    difference = serializers.CharField(allow_null=True)
    message = serializers.CharField(help_text="In the request's language")


def _str(value) -> str | None:
    return None if value is None else str(jsonable(value))


def finding_out(f) -> dict:
    return {"index": f.index, "kind": f.kind, "published": _str(f.published), "computed": _str(f.computed),
            "difference": _str(f.difference), "message": str(f.message)}
