"""Reads of the register. Every selector starts from `visible_to(user)`."""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Substr

from jingzhun.areas.models import Area
from jingzhun.core.paging import DEFAULT_CAP
from jingzhun.core.scoping import SIGNIFICANT_DIGITS, VIEW

from . import choices as c
from .identity import InvalidResidentId, parse_resident_id
from .models import Household, IncomeRecord, Person

POOR_STATUSES = (c.PovertyStatus.POOR, c.PovertyStatus.RETURNED)
# Aggregates of a set of households: counts of households and people, of which registered poor.
HOUSEHOLD_TOTALS = {
    "households": Count("id"),
    "people": Sum("size"),
    "poor_households": Count("id", filter=Q(status__in=POOR_STATUSES)),
    "poor_people": Sum("size", filter=Q(status__in=POOR_STATUSES)),
}
_HAN = re.compile(r"[\u3400-\u9fff]")
_ID_LIKE = re.compile(r"^[0-9]{6,17}[0-9Xx]?$")


def _prefix(field: str, text: str) -> Q:
    """An index-friendly prefix match: LIKE 'x%' on PostgreSQL (pattern_ops index), a range on SQLite."""
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__startswith": text})
    return Q(**{f"{field}__gte": text, f"{field}__lt": text + "\U0010ffff"})


def person_search_condition(query: str) -> Q | None:
    """How a free-text query matches a person: identity number, Chinese name, pinyin or initials."""
    query = query.strip()
    if not query:
        return None
    if _ID_LIKE.match(query):
        try:
            return Q(id_number=parse_resident_id(query).number)
        except InvalidResidentId:
            return Q(id_number=query.upper())
    if _HAN.search(query):
        return _prefix("name", query)
    letters = re.sub(r"[^a-z]", "", query.lower())
    if not letters:
        return Q(pk__in=[])
    return _prefix("name_initials", letters) | _prefix("name_pinyin", letters)


SEARCH_LIMIT = DEFAULT_CAP + 1  # one more than the pager counts, so it can say "more than"


def search_household_ids(user, query: str, *, limit: int = SEARCH_LIMIT) -> list[int]:
    """Ids of up to `limit` visible households with a member matching `query`, found from the person side.

    Starting from the persons (the name, pinyin or ID index) and stopping at `limit` keeps a short query
    ("吴", "wj") over a million persons as cheap as a precise one; the list and its pager then work on at
    most `limit` households. A query matching more households than that asks the user to narrow it.
    """
    condition = person_search_condition(query)
    if condition is None:
        return []
    matches = Person.objects.visible_to(user).filter(condition, household__isnull=False)
    # Neither DISTINCT nor a subquery here: with either, PostgreSQL's planner streams the whole household_id
    # index hoping to stop early, instead of reading the few matching rows from the name/pinyin/ID index.
    person_rows = matches.order_by().values_list("household_id", flat=True)[: limit * 4]
    return list(dict.fromkeys(person_rows))[:limit]


def households_visible(user, action: str = VIEW) -> QuerySet[Household]:
    return Household.objects.visible_to(user, action)


def household_list(user, *, area_code: str = "", status: str = "", cause: str = "", year: int | None = None,
                   query: str = "") -> QuerySet[Household]:
    """Households in the user's scope, filtered; annotated with the latest per-capita income."""
    qs = households_visible(user).select_related("area")
    if area_code:
        area = Area.objects.filter(code=area_code.ljust(12, "0")).first()
        qs = qs.filter(_prefix("area__code", area.prefix)) if area else qs.none()
    if status:
        qs = qs.filter(status=status)
    if cause:
        qs = qs.filter(Q(main_cause=cause) | Q(secondary_cause_1=cause) | Q(secondary_cause_2=cause))
    if year:
        qs = qs.filter(registered_year=year)
    if query:
        qs = qs.filter(pk__one_of=search_household_ids(user, query))
    latest = IncomeRecord.objects.filter(household=OuterRef("pk")).order_by("-year")
    return qs.annotate(
        latest_year=Subquery(latest.values("year")[:1], output_field=IntegerField()),
        latest_per_capita=Subquery(latest.values("per_capita")[:1]),
    ).order_by("number")


def person_search(user, query: str, *, limit: int = 20) -> list[Person]:
    condition = person_search_condition(query)
    if condition is None:
        return []
    qs = Person.objects.visible_to(user).filter(condition, household__isnull=False).select_related("household", "area")
    return list(qs.order_by("name", "id")[:limit])


def household_detail(user, pk: int) -> Household:
    from jingzhun.core.scoping import get_visible_or_404

    return get_visible_or_404(user, Household.objects.select_related("area", "area__parent", "head"), pk=pk)


def current_members_queryset() -> QuerySet[Person]:
    """Living members, head first then by age: for prefetching under households already in scope."""
    head_first = Case(When(relation=c.Relation.HEAD, then=Value(0)), default=Value(1), output_field=IntegerField())
    return Person.objects.filter(death_date__isnull=True).annotate(_head_first=head_first).order_by("_head_first", "birth_date", "id")


def household_members(household: Household) -> list[Person]:
    members = household.members.filter(death_date__isnull=True).order_by("birth_date", "id")
    return sorted(members, key=lambda p: p.pk != household.head_id)


def area_children_stats(user, area: Area | None) -> list[dict]:
    """One row per child area of `area` (provinces when None): households, people, registered poor, incidence.

    One grouped query over the user's visible households; children without households are listed with zeros.
    """
    level = area.level + 1 if area else 1
    if level > 5:
        return []
    children = Area.objects.visible_to(user).filter(level=level, valid_to__isnull=True)
    parent_prefix = area.prefix if area else ""
    children = children.filter(parent=area) if area else children
    n = SIGNIFICANT_DIGITS[level]
    qs = households_visible(user)
    if parent_prefix:
        qs = qs.filter(_prefix("area__code", parent_prefix))
    rows = (
        qs.annotate(child=Substr("area_id", 1, n))
        .values("child")
        .annotate(**HOUSEHOLD_TOTALS)
    )
    stats = {r["child"]: r for r in rows}
    out = []
    for child in children.order_by("code"):
        r = stats.get(child.prefix, {})
        people, poor = r.get("people") or 0, r.get("poor_people") or 0
        out.append({
            "area": child, "households": r.get("households", 0), "people": people,
            "poor_households": r.get("poor_households", 0), "poor_people": poor,
            "incidence": (poor / people) if people else None,
        })
    return out


def latest_income_year(user) -> int | None:
    return IncomeRecord.objects.visible_to(user).order_by("-year").values_list("year", flat=True).first()
