"""Writes that the procedures' pages need besides the steps: a case's evidence (an uploaded attachment) and a
household's assistance measures.  Each takes the actor, checks change scope in the area, writes its row and its
audit row in one transaction.

Evidence is recognised by its content (the first bytes), never by its name or the browser's content type:
PDF, JPEG and PNG only, at most ``EVIDENCE_MAX_BYTES``.  The file is stored under a generated name with the
extension of the detected type (``evidence/<year>/<month>/<uuid>.<ext>``), the original name kept on the row.
Files are read and written through ``evidence_storage()``: the default storage when ``MEDIA_ROOT`` is set,
else ``VAR_DIR/media`` (a default ``MEDIA_ROOT`` of ``""`` would write into the process's working directory).
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.core.audit import audit
from jingzhun.core.scoping import CHANGE, require_scope
from jingzhun.registry.models import Household

from .models import Case, Evidence, Measure

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
#: content type -> (magic bytes at offset 0, extension)
EVIDENCE_TYPES = {
    "application/pdf": (b"%PDF-", "pdf"),
    "image/jpeg": (b"\xff\xd8\xff", "jpg"),
    "image/png": (b"\x89PNG\r\n\x1a\n", "png"),
}
HEAD_BYTES = 16


def evidence_storage() -> Storage:
    if settings.MEDIA_ROOT:
        return default_storage
    return FileSystemStorage(location=settings.VAR_DIR / "media")


def sniff_type(head: bytes) -> str | None:
    """The content type of a file from its first bytes (one of ``EVIDENCE_TYPES``), else None."""
    for content_type, (magic, _ext) in EVIDENCE_TYPES.items():
        if head.startswith(magic):
            return content_type
    return None


def _read_head(upload) -> bytes:
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return head or b""


def evidence_add(*, actor, case: Case, kind: str, upload) -> Evidence:
    """Attach a file to a case (a signed consent, the minutes, a photo of the posted notice, another document)."""
    require_scope(actor, case.area, CHANGE)
    if kind not in Evidence.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of document.")})
    if upload is None:
        raise ValidationError({"file": _("Choose a file.")})
    size = upload.size if upload.size is not None else len(upload.read())
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    if size > EVIDENCE_MAX_BYTES:
        raise ValidationError({"file": _("The file is %(size)s MB; at most %(limit)s MB are accepted.")
                               % {"size": f"{math.ceil(size * 10 / 1024 / 1024) / 10:.1f}", "limit": EVIDENCE_MAX_BYTES // (1024 * 1024)}})
    content_type = sniff_type(_read_head(upload))
    if content_type is None:
        raise ValidationError({"file": _("Only PDF, JPEG and PNG files are accepted (the file's content is none of them, whatever its name).")})
    ext = EVIDENCE_TYPES[content_type][1]
    original = PurePath(str(upload.name or "")).name[:255] or f"evidence.{ext}"
    now = timezone.localtime()
    storage = evidence_storage()
    name = storage.save(f"evidence/{now:%Y}/{now:%m}/{uuid.uuid4().hex}.{ext}", upload)
    try:
        with transaction.atomic():
            evidence = Evidence.objects.create(case=case, kind=kind, file=name, original_name=original, content_type=content_type, size=size,
                                               uploaded_by=actor if getattr(actor, "pk", None) else None)
            audit(actor=actor, action="case.evidence", obj=case, area_code=case.area,
                  changes={"evidence": [None, evidence.pk], "kind": [None, kind], "file": [None, original]})
    except BaseException:
        storage.delete(name)  # nothing of a failed write stays behind
        raise
    return evidence


def evidence_open(evidence: Evidence):
    """The stored file of an evidence row, opened for reading (binary)."""
    return evidence_storage().open(evidence.file.name, "rb")


# --- assistance measures --------------------------------------------------------------------------------------


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
        return amount.quantize(Decimal("0.01")) if amount.is_finite() else Decimal("NaN")
    except (InvalidOperation, ValueError):
        raise ValidationError({"amount": _("Enter an amount in yuan.")}) from None


@transaction.atomic
def measure_add(*, actor, household: Household, category: str, description: str, start_date: dt.date, end_date: dt.date | None = None,
                amount=None, provider: str = "") -> Measure:
    """Record an assistance measure delivered to a household (帮扶措施)."""
    require_scope(actor, household.area_id, CHANGE)
    errors = {}
    if category not in Measure.Category.values:
        errors["category"] = _("Choose the category of the measure.")
    description = (description or "").strip()
    if not description:
        errors["description"] = _("Describe the measure.")
    if start_date is None:
        errors["start_date"] = _("Enter the start date.")
    elif end_date is not None and end_date < start_date:
        errors["end_date"] = _("The end date cannot be before the start date.")
    amount = _decimal(amount)
    if amount is not None and (amount.is_nan() or amount < 0 or amount >= Decimal("1e10")):
        errors["amount"] = _("The amount must be between 0 and 9,999,999,999.99 yuan.")
    if errors:
        raise ValidationError(errors)
    measure = Measure.objects.create(household=household, area=household.area_id, category=category, description=description[:200],
                                     start_date=start_date, end_date=end_date, amount=amount, provider=(provider or "").strip()[:100],
                                     recorded_by=actor if getattr(actor, "pk", None) else None)
    audit(actor=actor, action="measure.add", obj=measure, area_code=measure.area,
          changes={"household": [None, household.number], "category": [None, category], "description": [None, measure.description],
                   "start_date": [None, start_date], "amount": [None, amount]})
    return measure
