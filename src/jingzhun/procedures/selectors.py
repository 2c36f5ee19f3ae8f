"""Reading cases: the user's inbox (cases awaiting a step the user may take), overdue cases, notices, and the
register as of any past date from the status history."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from jingzhun.accounts.models import RoleAssignment
from jingzhun.areas.models import Area
from jingzhun.core.scoping import CHANGE, VIEW, code_prefix
from jingzhun.registry import choices as c
from jingzhun.registry.models import Household, StatusChange

from .models import Case, Notice
from .workflows import ROLE_OF_LEVEL, WORKFLOWS

REGISTERED = (c.PovertyStatus.POOR, c.PovertyStatus.RETURNED)


def _states_at_level(level: int) -> Q:
    """Open cases whose state allows a step at the level."""
    q = Q(pk__in=[])
    for procedure, workflow in WORKFLOWS.items():
        states = sorted({s for (s, _a), t in workflow.transitions.items() if t.level == level})
        if states:
            q |= Q(procedure=procedure, state__in=states)
    return q


def procedure_roles(user, today: dt.date | None = None) -> list[tuple[str, int]]:
    """(area code prefix, level) of each active role assignment of the user that is the procedure role of its area's
    level (a village role on a village, a township role on a township, a county role on a county)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    today = today or timezone.localdate()
    rows = (RoleAssignment.objects.filter(user=user, role__in=list(ROLE_OF_LEVEL.values()))
            .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today)).values_list("role", "area__code", "area__level"))
    return [(code_prefix(code, level), level) for role, code, level in rows if ROLE_OF_LEVEL.get(level) == role]


def inbox(user, today: dt.date | None = None) -> QuerySet[Case]:
    """Open cases in the user's areas that await a step of one of the user's procedure roles, overdue first."""
    today = today or timezone.localdate()
    condition = Q(pk__in=[])
    for prefix, level in procedure_roles(user, today):
        condition |= Q(area__startswith=prefix) & _states_at_level(level)
    return (Case.objects.visible_to(user, CHANGE).filter(condition, closed_at__isnull=True).select_related("household")
            .order_by(F("due_date").asc(nulls_last=True), "opened_at", "id"))


def overdue(user, today: dt.date | None = None) -> QuerySet[Case]:
    """Open cases past their deadline (monitoring identification: 15 days from the first clue, configurable)."""
    today = today or timezone.localdate()
    return Case.objects.visible_to(user, VIEW).filter(closed_at__isnull=True, due_date__lt=today).select_related("household")


def visible_cases(user) -> QuerySet[Case]:
    return Case.objects.visible_to(user, VIEW).select_related("household")


def case_timeline(case: Case) -> list:
    """The case's steps, objections and evidence in order of time."""
    items = [("step", s.at, s) for s in case.steps.select_related("actor")]
    items += [("objection", o.recorded_at, o) for o in case.objections.all()]
    items += [("evidence", e.uploaded_at, e) for e in case.evidence.all()]
    return sorted(items, key=lambda x: (x[1], x[0] != "step"))


def notices_visible(user) -> QuerySet[Notice]:
    return Notice.objects.visible_to(user, VIEW)


def status_on(household_qs: QuerySet[Household], on: dt.date) -> QuerySet[Household]:
    """The households annotated with ``status_on``: the status of their last change effective on or before ``on``."""
    last = StatusChange.objects.filter(household=OuterRef("pk"), effective_date__lte=on).order_by("-effective_date", "-id")
    return household_qs.annotate(status_on=Subquery(last.values("to_status")[:1]))


def registered_poor_on(area_code: str, on: dt.date) -> int:
    """How many households of the area were registered poor (poor or returned) on the date, from the status history."""
    level = Area.objects.values_list("level", flat=True).get(code=area_code)
    households = Household.objects.filter(area__code__startswith=code_prefix(area_code, level))
    return status_on(households, on).filter(status_on__in=REGISTERED).count()


def case_counts(user, prefix: str, today: dt.date | None = None) -> dict:
    """Open and overdue cases under an area code prefix (the area page's figures), in one query."""
    from django.db.models import Count

    today = today or timezone.localdate()
    return Case.objects.visible_to(user, VIEW).filter(area__startswith=prefix, closed_at__isnull=True).aggregate(
        open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today)))
