from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from jingzhun.accounts.selectors import is_national
from jingzhun.core.audit import audit, diff, snapshot

from .models import MonitoringLine, PovertyLine

SEED_FILE = Path(__file__).parent / "data" / "lines.csv"
MODELS = {"poverty": PovertyLine, "monitoring": MonitoringLine}


@transaction.atomic
def line_set(*, actor, kind: str, year: int, amount: Decimal, area=None, source: str, price_basis: str = "", note: str = ""):
    """Create or change the line of `kind` for (year, area); audited."""
    if actor is not None and not is_national(actor):
        raise PermissionDenied(_("Only the national office sets poverty and monitoring lines."))
    model = MODELS[kind]
    fields = ["amount", "source", "note"] + (["price_basis"] if model is PovertyLine else [])
    line = model.objects.select_for_update().filter(year=year, area=area).first()
    before = snapshot(line, fields) if line else {}
    if line is None:
        line = model(year=year, area=area)
    line.amount, line.source, line.note = Decimal(amount), source, note
    if model is PovertyLine:
        line.price_basis = price_basis
    line.full_clean()
    line.save()
    audit(actor=actor, action=f"{kind}_line.{'change' if before else 'create'}", obj=line,
          area_code=area.code if area else "", changes=diff(before, snapshot(line, fields)))
    return line


def lines_seed(*, actor=None) -> int:
    """Load the published lines of DOMAIN.md section 6 (idempotent)."""
    n = 0
    with open(SEED_FILE, encoding="utf-8") as f:
        for rec in csv.DictReader(f):
            model = MODELS[rec["kind"]]
            if model.objects.filter(year=int(rec["year"]), area__isnull=True).exists():
                continue
            line_set(actor=actor, kind=rec["kind"], year=int(rec["year"]), amount=Decimal(rec["amount"]),
                     source=rec["source"], price_basis=rec["price_basis"])
            n += 1
    return n
