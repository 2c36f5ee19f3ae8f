"""Read helpers of the web pages that the app selectors do not (yet) provide. Each one starts from `visible_to`."""

from __future__ import annotations

import re
from decimal import Decimal

from django.db.models import Q
from django.http import Http404

from jingzhun.accounts.selectors import active_assignments
from jingzhun.areas.models import Area, Level, pad
from jingzhun.core.models import AuditEvent
from jingzhun.core.scoping import AUDIT, CHANGE, VIEW, get_visible_or_404, in_scope, user_prefixes
from jingzhun.policy.selectors import poverty_line
from jingzhun.procedures.models import Case, Measure
from jingzhun.registry.models import Household, IncomeRecord, Person, StatusChange
from jingzhun.registry.selectors import HOUSEHOLD_TOTALS

_CODE = re.compile(r"^[0-9]{2,12}$")


def area_for(user, code: str, action: str = VIEW) -> Area:
    """The area by its (possibly short) code with its ancestors loaded; 404 when missing or out of scope."""
    if not _CODE.match(code or ""):
        raise Http404
    qs = Area.objects.select_related("parent__parent__parent__parent")
    return get_visible_or_404(user, qs, action, code=pad(code))


def breadcrumb(user, area: Area | None) -> list[dict]:
    """The area's ancestors, widest first, from the parent chain (loaded by `area_for`).

    Ancestors above the user's scope are named (the area tree is public reference data) but not linked.
    """
    chain = []
    node = area
    while node is not None:
        chain.append(node)
        node = node.parent
    chain.reverse()
    codes = [a.code for a in chain]
    visible = set(Area.objects.visible_to(user).filter(code__in=codes).values_list("code", flat=True)) if codes else set()
    return [{"area": a, "link": a.code in visible} for a in chain]


def scope_roots(user) -> list[Area]:
    """The areas of the user's unexpired role assignments, without those inside another one."""
    areas = {ra.area.code: ra.area for ra in active_assignments(user)}
    return [a for code, a in sorted(areas.items())
            if not any(code != o.code and code.startswith(o.prefix) for o in areas.values())]


def totals(rows: list[dict]) -> dict:
    """The sum of child rows of `area_children_stats` with the overall incidence."""
    out = {k: sum(r[k] for r in rows) for k in ("households", "people", "poor_households", "poor_people")}
    out["incidence"] = out["poor_people"] / out["people"] if out["people"] else None
    return out


def village_totals(user, area: Area) -> dict:
    """Households, people, registered poor households and persons of one village (one query)."""
    r = Household.objects.visible_to(user).filter(area=area).aggregate(**HOUSEHOLD_TOTALS)
    r = {k: v or 0 for k, v in r.items()}
    r["incidence"] = r["poor_people"] / r["people"] if r["people"] else None
    return r


def allowed_in_area(user, area_code: str, action: str) -> bool:
    """Whether the user may take `action` on records of the area (for showing buttons; the services check again)."""
    return in_scope(user, area_code, action)


def household_incomes(user, household: Household) -> list[dict]:
    """The household's income records by year, each against the poverty line of its year and area.

    Poor means strictly below the line (DOMAIN.md section 12). One poverty-line look-up per year.
    """
    rows = []
    for record in IncomeRecord.objects.visible_to(user).filter(household=household).order_by("year"):
        line = poverty_line(record.year, household.area_id)
        amount = line.amount if line else None
        rows.append({
            "record": record, "line": amount,
            "below": (record.per_capita < amount) if amount is not None else None,
            "gap": (record.per_capita - amount) if amount is not None else None,
        })
    return rows


def income_chart_data(rows: list[dict]) -> dict:
    def num(value: Decimal | None):
        return float(value) if value is not None else None

    return {
        "years": [r["record"].year for r in rows],
        "income": [num(r["record"].per_capita) for r in rows],
        "line": [num(r["line"]) for r in rows],
    }


def household_status_history(user, household: Household):
    qs = StatusChange.objects.visible_to(user).filter(household=household).select_related("actor")
    return qs.order_by("-effective_date", "-id")


def household_audit_trail(user, household: Household, *, limit: int = 100) -> list[AuditEvent] | None:
    """Audit events of the household, its persons (present and past members), its income records, its procedure
    cases (opened, each step, objections, evidence) and its assistance measures.

    Only for users with the AUDIT action in the household's area (None otherwise); only objects the user can see.
    """
    if not allowed_in_area(user, household.area_id, AUDIT):
        return None
    persons = Person.objects.visible_to(user).filter(Q(household=household) | Q(memberships__household=household))
    names = {str(pk): name for pk, name in persons.values_list("pk", "name").distinct()}
    incomes = IncomeRecord.objects.visible_to(user).filter(household=household)
    years = {str(pk): str(year) for pk, year in incomes.values_list("pk", "year")}
    cases = {str(c.pk): f"{c.get_procedure_display()} #{c.pk}" for c in Case.objects.visible_to(user).filter(household=household)}
    measures = {str(pk): text for pk, text in Measure.objects.visible_to(user).filter(household=household).values_list("pk", "description")}
    labels = {"registry.household": {str(household.pk): household.number}, "registry.person": names,
              "registry.incomerecord": years, "procedures.case": cases, "procedures.measure": measures}
    condition = Q()
    for object_type, ids in labels.items():
        if ids:
            condition |= Q(object_type=object_type, object_id__in=list(ids))
    events = list(AuditEvent.objects.filter(condition).select_related("actor").order_by("-at", "-id")[:limit])
    for event in events:
        event.object_label = labels.get(event.object_type, {}).get(event.object_id, f"#{event.object_id}")
    return events


def person_for(user, pk: int, action: str = VIEW) -> Person:
    return get_visible_or_404(user, Person.objects.select_related("household"), action, pk=pk)


def household_for(user, pk: int, action: str = VIEW) -> Household:
    return get_visible_or_404(user, Household.objects.select_related("area"), action, pk=pk)


def income_for_year(user, household: Household, year) -> IncomeRecord | None:
    try:
        year = int(year)
    except (TypeError, ValueError):
        return None
    return IncomeRecord.objects.visible_to(user).filter(household=household, year=year).first()


def village_for_register(user, code: str) -> Area:
    """The village a new household is registered in: must be a village where the user may change data."""
    area = area_for(user, code, CHANGE)
    if area.level != Level.VILLAGE:
        raise Http404
    return area


def scope_area_choices(user, action: str) -> list[tuple[Area, bool]]:
    """The areas to choose from for `action`: the roots of the user's scope and one level below each (a national
    scope: the provinces). (area, is a child) pairs in code order."""
    prefixes = user_prefixes(user, action)
    if prefixes is None or "" in prefixes:
        return [(a, False) for a in Area.objects.filter(level=Level.PROVINCE).order_by("code")]
    roots = list(Area.objects.filter(code__in=[pad(p) for p in prefixes]).order_by("code"))
    children: dict[str, list[Area]] = {}
    for child in Area.objects.filter(parent__in=[r for r in roots if r.level < Level.VILLAGE]).order_by("code"):
        children.setdefault(child.parent_id, []).append(child)
    out = []
    for root in roots:
        out.append((root, False))
        out.extend((c, True) for c in children.get(root.code, []))
    return out
