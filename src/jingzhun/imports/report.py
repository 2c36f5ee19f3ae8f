"""The validation report of a batch: the issues, as the JSON list of the CLI's --report, and counts by code."""

from __future__ import annotations

import json

from .codes import message
from .models import ImportBatch, ImportIssue


def issues(batch: ImportBatch, *, code: str | None = None):
    qs = ImportIssue.objects.filter(batch=batch).order_by("sheet", "row", "id")
    return qs.filter(code=code) if code else qs


def records(batch: ImportBatch, *, language: str = "en", code: str | None = None) -> list[dict]:
    """[{row, column, code, message}] (the CLI's --report JSON)."""
    return [{"row": i.row, "column": i.column, "code": i.code, "message": message(i.code, i.params, i.value, language=language)}
            for i in issues(batch, code=code).iterator(chunk_size=5000)]


def to_json(batch: ImportBatch, **kw) -> str:
    return json.dumps(records(batch, **kw), ensure_ascii=False, indent=1)


def summary(batch: ImportBatch) -> list[tuple[str, str, int]]:
    from django.db.models import Count

    return [(r["code"], r["severity"], r["n"]) for r in ImportIssue.objects.filter(batch=batch)
            .values("code", "severity").annotate(n=Count("id")).order_by("-n", "code")]
