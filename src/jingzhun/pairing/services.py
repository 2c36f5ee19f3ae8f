"""Pairing write actions.  Each takes the actor, checks CHANGE scope, validates, writes and audits in one transaction.

Scope rule (documented choice): the actor needs CHANGE scope on *one* side of the partnership, the eastern or
the western area, for creating a partnership, setting an agreement and recording or correcting fund entries,
except pledges: a pledge is the eastern side's promise, so recording (or correcting) a pledge needs CHANGE scope on
the eastern area (on the western area only when the eastern side is not an area: an enterprise or a unit).
Actor ``None`` is the system itself and passes every scope check.

Ledger rule: for one partnership, source and project, the disbursed total never exceeds the allocated total
(both net of corrections) after the write.  Returned funds do not enter that comparison.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jingzhun.core.audit import audit, snapshot
from jingzhun.core.scoping import CHANGE, in_scope

from . import indicators
from .models import CENT, Agreement, FundEntry, FundKind, FundSource, Partnership, money_by

PARTNERSHIP_FIELDS = ["kind", "name", "east_area", "west_area", "east_party", "start_date", "end_date", "parent"]
ENTRY_FIELDS = ["partnership", "date", "kind", "source", "amount", "project", "note", "corrects"]


def require_side(actor, partnership: Partnership, *, east_only: bool = False) -> None:
    """PermissionDenied unless the actor may change one side of the partnership (the eastern side when `east_only`)."""
    if actor is None:
        return
    codes = [partnership.east_area_id] if east_only and partnership.east_area_id else partnership.area_codes()
    if not any(in_scope(actor, code, CHANGE) for code in codes):
        raise PermissionDenied(_("This partnership is outside your responsibility."))


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        number = None
    if number is None or not number.is_finite() or abs(number) >= Decimal("1E14"):
        raise ValidationError({field: _("Enter a number.")})
    return number


@transaction.atomic
def partnership_create(*, actor, kind: str, name: str, west_area, start_date: dt.date, east_area=None, east_party: str = "",
                       end_date: dt.date | None = None, parent: Partnership | None = None) -> Partnership:
    p = Partnership(kind=kind, name=name, east_area=east_area, west_area=west_area, east_party=east_party,
                    start_date=start_date, end_date=end_date, parent=parent)
    require_side(actor, p)
    p.full_clean()
    p.save()
    audit(actor=actor, action="pairing.partnership_create", obj=p, area_code=p.west_area_id, changes=snapshot(p, PARTNERSHIP_FIELDS))
    return p


@transaction.atomic
def agreement_set(*, actor, partnership: Partnership, year: int, indicator: str, target, unit: str = "") -> Agreement:
    """Create or replace the year's target for an indicator of ``pairing.indicators`` (the audit row keeps the old and new
    values); the unit defaults to the indicator's."""
    require_side(actor, partnership)
    if indicator not in indicators.BY_CODE:
        raise ValidationError({"indicator": _("Unknown indicator %(code)s: choose one of the pairing indicators.") % {"code": indicator}})
    target = _decimal(target, "target")
    if target < 0:
        raise ValidationError({"target": _("The target cannot be negative.")})
    row = Agreement.objects.select_for_update().filter(partnership=partnership, year=year, indicator=indicator).first()
    if target != target.quantize(CENT):
        raise ValidationError({"target": _("The target has at most two decimal places.")})
    target = target.quantize(CENT)
    before = {"year": year, "indicator": indicator, "target": str(row.target), "unit": row.unit} if row else {}
    if row is None:
        row = Agreement(partnership=partnership, year=year, indicator=indicator)
    row.target, row.unit = target, unit or indicators.BY_CODE[indicator].unit
    row.full_clean(validate_unique=False)
    row.save()
    after = {"year": year, "indicator": indicator, "target": str(row.target), "unit": row.unit}
    audit(actor=actor, action="pairing.agreement_set", obj=row, area_code=partnership.west_area_id,
          changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v})
    return row


def _check_disbursed(partnership_id: int, source: str, project_id: int | None) -> None:
    totals = money_by(FundEntry.objects.filter(partnership_id=partnership_id, source=source, project_id=project_id,
                                               kind__in=[FundKind.ALLOCATED, FundKind.DISBURSED]), ["kind"])
    allocated, disbursed = totals[FundKind.ALLOCATED,], totals[FundKind.DISBURSED,]
    if disbursed > allocated:
        raise ValidationError({"amount": _("Disbursed funds (%(disbursed)s) would exceed the allocated funds (%(allocated)s) for this source and project.")
                               % {"disbursed": disbursed, "allocated": allocated}})


def _lock(partnership: Partnership) -> Partnership:
    """Serialise ledger writes of one partnership (the check of totals reads what the previous write committed)."""
    return Partnership.objects.select_for_update().get(pk=partnership.pk)


@transaction.atomic
def fund_record(*, actor, partnership: Partnership, date: dt.date, kind: str, source: str, amount, project=None, note: str = "") -> FundEntry:
    """Append an entry; ``project`` (a Project of the same partnership, or None for funds not tied to a project)."""
    partnership = _lock(partnership)
    require_side(actor, partnership, east_only=kind == FundKind.PLEDGED)
    errors = {}
    if kind not in FundKind.values:
        errors["kind"] = _("Unknown kind of fund entry.")
    if source not in FundSource.values:
        errors["source"] = _("Unknown source of funds.")
    amount = _decimal(amount, "amount")
    if amount <= 0:
        errors["amount"] = _("The amount must be positive.")
    elif amount != amount.quantize(CENT):
        errors["amount"] = _("The amount has at most two decimal places.")
    else:
        amount = amount.quantize(CENT)
    if not partnership.covers(date):
        errors["date"] = _("The date is outside the partnership's period.")
    if project is not None and project.partnership_id != partnership.pk:
        errors["project"] = _("The project belongs to another partnership.")
    if errors:
        raise ValidationError(errors)
    entry = FundEntry(partnership=partnership, date=date, kind=kind, source=source, amount=amount, project=project, note=note,
                      recorded_by=actor if getattr(actor, "pk", None) else None)
    entry.full_clean()
    entry.save()
    _check_disbursed(partnership.pk, source, entry.project_id)
    audit(actor=actor, action="pairing.fund_record", obj=entry, area_code=partnership.west_area_id, changes=snapshot(entry, ENTRY_FIELDS))
    return entry


@transaction.atomic
def fund_correct(*, actor, entry: FundEntry, note: str) -> FundEntry:
    """Reverse an entry: same partnership, date, kind, source and project, minus its amount; once per entry."""
    partnership = _lock(entry.partnership)
    entry = FundEntry.objects.get(pk=entry.pk)
    require_side(actor, partnership, east_only=entry.kind == FundKind.PLEDGED)
    if not note.strip():
        raise ValidationError({"note": _("Say why the entry is corrected.")})
    if entry.corrects_id is not None:
        raise ValidationError({"corrects": _("A correction cannot itself be corrected: record a new entry instead.")})
    if FundEntry.objects.filter(corrects=entry).exists():
        raise ValidationError({"corrects": _("This entry has already been corrected.")})
    correction = FundEntry(partnership=partnership, date=entry.date, kind=entry.kind, source=entry.source, amount=-entry.amount,
                           project=entry.project, note=note, corrects=entry, recorded_by=actor if getattr(actor, "pk", None) else None)
    correction.save()
    _check_disbursed(partnership.pk, entry.source, entry.project_id)
    audit(actor=actor, action="pairing.fund_correct", obj=correction, area_code=partnership.west_area_id, changes=snapshot(correction, ENTRY_FIELDS))
    return correction
