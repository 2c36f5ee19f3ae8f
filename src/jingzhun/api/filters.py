"""API-only filter sets. Households use `registry.filters.HouseholdFilter`, shared with the web UI.

Filters on a related record take the raw id (not a ModelChoiceFilter): a choice filter validates the id
against the whole table and would answer 400 for a missing id but 200 for another area's, telling the
caller which records exist outside their scope.
"""

from __future__ import annotations

import re

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from jingzhun.areas.models import Area, Level
from jingzhun.policy.models import MonitoringLine, PovertyLine
from jingzhun.registry.models import IncomeRecord, Person
from jingzhun.registry.selectors import person_search_condition

_HAN = re.compile(r"[\u3400-\u9fff]")


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.NumberFilter):
    """An integer (an id, a year), documented as such in the schema."""


class AreaFilter(django_filters.FilterSet):
    parent = django_filters.CharFilter(label=_("Parent area code"), method="filter_parent")
    level = django_filters.TypedChoiceFilter(label=_("Level"), choices=Level.choices, coerce=int)
    q = django_filters.CharFilter(label=_("Name, pinyin or initials (prefix)"), method="filter_q")

    class Meta:
        model = Area
        fields = ["parent", "level", "q"]

    def filter_parent(self, queryset, name, value: str):
        return queryset.filter(parent_id=value.strip().ljust(12, "0"))

    def filter_q(self, queryset, name, value: str):
        value = value.strip()
        if not value:
            return queryset
        if _HAN.search(value):
            return queryset.filter(name__startswith=value)
        letters = re.sub(r"[^a-z]", "", value.lower())
        if not letters:
            return queryset.none()
        return queryset.filter(Q(pinyin__startswith=letters) | Q(initials__startswith=letters))


class PersonFilter(django_filters.FilterSet):
    household = IntegerFilter(label=_("Household id"), field_name="household_id")
    q = django_filters.CharFilter(label=_("Name, pinyin, initials or ID number"), method="filter_q")

    class Meta:
        model = Person
        fields = ["household", "q"]

    def filter_q(self, queryset, name, value: str):
        condition = person_search_condition(value)
        return queryset if condition is None else queryset.filter(condition)


class IncomeFilter(django_filters.FilterSet):
    household = IntegerFilter(label=_("Household id"), field_name="household_id")
    year = IntegerFilter(label=_("Year"), field_name="year")

    class Meta:
        model = IncomeRecord
        fields = ["household", "year"]


class _LineFilter(django_filters.FilterSet):
    year = IntegerFilter(label=_("Year"), field_name="year")
    area = django_filters.CharFilter(label=_("Area code ('national' for the national line)"), method="filter_area")

    def filter_area(self, queryset, name, value: str):
        value = value.strip()
        if value.lower() == "national":
            return queryset.filter(area__isnull=True)
        return queryset.filter(area_id=value.ljust(12, "0"))


class PovertyLineFilter(_LineFilter):
    class Meta:
        model = PovertyLine
        fields = ["year", "area"]


class MonitoringLineFilter(_LineFilter):
    class Meta:
        model = MonitoringLine
        fields = ["year", "area"]
