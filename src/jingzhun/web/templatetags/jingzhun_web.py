"""Presentation helpers of the web pages: numbers, ages, masking, audit rows, query strings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import numberformat, timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.procedures.models import Evidence
from jingzhun.procedures.workflows import ACTION_LABELS, STATE_LABELS
from jingzhun.registry.choices import MembershipChange
from jingzhun.registry.identity import mask

register = template.Library()

AUDIT_ACTIONS = {
    "household.register": _("Household registered"),
    "household.update": _("Household data changed"),
    "household.status": _("Poverty status changed"),
    "household.change_head": _("Head of household changed"),
    "person.add": _("Member added"),
    "person.update": _("Member data changed"),
    "person.move": _("Member moved"),
    "person.remove": _("Member removed"),
    "person.death": _("Death recorded"),
    "person.reveal_id": _("Full identity number viewed"),
    "income.set": _("Income recorded"),
    "case.open": _("Case opened"),
    "case.objection": _("Objection recorded"),
    "case.evidence": _("Evidence attached"),
    "measure.add": _("Assistance measure recorded"),
}
OBJECT_TYPES = {
    "registry.household": _("Household"),
    "registry.person": _("Person"),
    "registry.incomerecord": _("Income record"),
    "procedures.case": _("Case"),
    "procedures.measure": _("Assistance measure"),
}
EXTRA_LABELS = {"members": _("Members"), "reason": _("Reason"), "procedure": _("Procedure"), "step": _("Step"),
                "objection": _("Objection"), "household": _("Household"), "evidence": _("Evidence"),
                "kind": _("Kind of evidence"), "file": _("File")}
PROCEDURES = {
    "registration": _("Registration"),
    "identification": _("Identification procedure"),
    "exit": _("Exit procedure"),
    "return": _("Return to poverty"),
    "monitoring": _("Dynamic monitoring"),
    "correction": _("Correction"),
}
EXTRA_VALUES = {"reason": dict(MembershipChange.choices), "procedure": PROCEDURES, "state": STATE_LABELS,
                "kind": dict(Evidence.Kind.choices)}
SENSITIVE = {"id_number": mask, "bank_account": lambda v: mask_tail(v)}


@register.filter
def percent(value, digits: int = 1) -> str:
    """0.1288 -> '12.9%'; None -> '–'."""
    if value is None or value == "":
        return "–"
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.filter
def money(value, digits: int = 2) -> str:
    """Yuan with thousands separators: 12345.6 -> '12,345.60'; None -> '–'."""
    if value is None or value == "":
        return "–"
    try:
        value = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return numberformat.format(value, ".", decimal_pos=int(digits), grouping=3, thousand_sep=",", force_grouping=True)


@register.filter
def count(value) -> str:
    """Integers with thousands separators."""
    if value is None or value == "":
        return "–"
    return numberformat.format(int(value), ".", grouping=3, thousand_sep=",", force_grouping=True)


@register.filter
def age(birth_date: dt.date | None, on: dt.date | None = None) -> int | str:
    if not birth_date:
        return ""
    on = on or timezone.localdate()
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


@register.filter
def mask_tail(value: str | None, keep: int = 4) -> str:
    """A bank account shown by its last digits only: '****1234'."""
    if not value:
        return ""
    value = str(value)
    return "*" * max(len(value) - keep, 0) + value[-keep:] if len(value) > keep else "*" * len(value)


@register.filter
def yesno_label(value) -> str:
    if value is None:
        return "–"
    return str(_("Yes") if value else _("No"))


@register.filter
def percent_width(value) -> str:
    """A CSS width for an incidence bar, capped at 100%."""
    if not value:
        return "0%"
    return f"{min(float(value), 1.0) * 100:.1f}%"


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs) -> str:
    """The current query string with some parameters replaced (None or '' removes one)."""
    request = context.get("request")
    params = request.GET.copy() if request is not None else {}
    for key, value in kwargs.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode() if params else ""
    return "?" + encoded if encoded else "?"


@register.simple_tag
def user_assignments(user) -> list[dict]:
    """The user's unexpired role assignments (role label, area) for the page header."""
    if not getattr(user, "is_authenticated", False):
        return []
    from jingzhun.accounts.selectors import active_assignments

    assignments = sorted(active_assignments(user), key=lambda ra: ra.area.level)
    return [{"role": ra.get_role_display(), "area": ra.area} for ra in assignments]


@register.filter
def audit_action(action: str) -> str:
    if action not in AUDIT_ACTIONS and action.startswith("case.") and action[5:] in ACTION_LABELS:
        return str(ACTION_LABELS[action[5:]])  # a step of a procedure case
    return str(AUDIT_ACTIONS.get(action, action))


@register.filter
def audit_object(object_type: str) -> str:
    return str(OBJECT_TYPES.get(object_type, object_type))


def _field(object_type: str, name: str):
    try:
        return apps.get_model(object_type)._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return None


def _display(field, name: str, value) -> str:
    if value is None or value == "":
        return "–"
    if name in SENSITIVE:
        return SENSITIVE[name](str(value))
    if isinstance(value, bool):
        return yesno_label(value)
    if field is not None and getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if name in EXTRA_VALUES:
        return str(EXTRA_VALUES[name].get(value, value))
    return str(value)


@register.filter
def audit_changes(event) -> list[dict]:
    """[{label, old, new}] of an audit event; identity and bank numbers are masked."""
    rows = []
    for name, change in (event.changes or {}).items():
        old, new = change if isinstance(change, list) and len(change) == 2 else (None, change)
        field = _field(event.object_type, name)
        if field is not None and hasattr(field, "verbose_name"):
            label = str(field.verbose_name)
        else:
            label = str(EXTRA_LABELS.get(name, name))
        rows.append({"label": label, "old": _display(field, name, old), "new": _display(field, name, new)})
    return rows


@register.filter
def procedure_label(value: str) -> str:
    return str(PROCEDURES.get(value, value or "–"))


@register.filter
def actor_name(user) -> str:
    """Who did it: the user's full name, else the username; 'system' for automatic changes."""
    if user is None:
        return str(_("system"))
    return user.get_full_name() or user.get_username()
