"""Writing audit rows. Services call `audit()` inside their own transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models

from .middleware import current_request
from .models import AuditEvent


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, (Decimal, dt.date, dt.datetime)):
        return str(value)
    return value


def _mask_tail(value: str) -> str:
    return "*" * max(len(value) - 4, 0) + value[-4:] if value else value


# Audit rows keep who changed what, not a second copy of the secrets: these are stored masked.
MASKED_FIELDS = {"id_number": "identity", "bank_account": "tail", "phone": "tail"}


def _masked(name: str, value: Any) -> Any:
    kind = MASKED_FIELDS.get(name)
    if not kind or not isinstance(value, str) or not value:
        return value
    if kind == "identity":
        from jingzhun.registry.identity import mask

        return mask(value)
    return _mask_tail(value)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The audited values of `fields` (foreign keys by their id)."""
    out = {}
    for name in fields:
        field = obj._meta.get_field(name)
        out[name] = _masked(name, _plain(getattr(obj, field.attname)))
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field whose value changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def audit(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    area_code: str = "",
    changes: dict | None = None,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        area_code = area_code or getattr(obj, "area_id", "") or ""
    request = current_request.get()
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        area_code=area_code or "",
        changes={k: _plain(v) if not isinstance(v, list) else [_plain(x) for x in v] for k, v in (changes or {}).items()},
        ip_address=ip,
    )
