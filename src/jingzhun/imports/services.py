"""Import write actions: create a batch, validate it into staging (phase 1), merge it (phase 2, confirmed)."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from pathlib import Path

import polars as pl
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.core.audit import audit
from jingzhun.core.scoping import CHANGE, UNMASK, require_scope

from . import checks, merge, staging
from .codes import ERROR, WARNING
from .models import ImportBatch, ImportIssue, ImportStatus, MergedChunk, StagedHousehold, StagedIncome, StagedPerson
from .readers import UnreadableFile, open_import
from .validate import validate_batch


class ImportRefused(Exception):
    """The batch cannot be merged (errors, wrong status, scope)."""


def import_create(*, actor, source, original_name: str | None = None, area=None, year: int | None = None) -> ImportBatch:
    """Store the file under VAR_DIR/imports and record the batch (nothing is read yet).

    ``source`` is a path or an uploaded file (anything with ``chunks()``: Django's ``UploadedFile``)."""
    if area is not None:
        require_scope(actor, area.code, CHANGE)
    name = original_name or Path(getattr(source, "name", str(source))).name
    target_dir = Path(settings.VAR_DIR) / "imports"
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    if hasattr(source, "chunks"):
        with open(target, "wb") as out:
            for chunk in source.chunks():
                out.write(chunk)
    else:
        shutil.copyfile(source, target)
    with transaction.atomic():
        batch = ImportBatch.objects.create(area=area, created_by=actor if getattr(actor, "pk", None) else None, path=str(target),
                                           original_name=name[:255], size=target.stat().st_size, year=year)
        audit(actor=actor, action="import.upload", obj=batch, area_code=area.code if area else "",
              changes={"file": [None, batch.original_name], "size": [None, batch.size]})
    return batch


def import_report_unmasked(*, actor, batch: ImportBatch) -> None:
    """Record (audit) that the actor reads the import's report with full identity numbers; raises
    PermissionDenied unless the actor may unmask in the import's area."""
    if batch.area_id:
        require_scope(actor, batch.area.code, UNMASK)
    elif not getattr(actor, "is_superuser", False):
        raise PermissionDenied
    with transaction.atomic():
        audit(actor=actor, action="import.report_unmask", obj=batch, area_code=batch.area.code if batch.area_id else "")


def _clear(batch: ImportBatch) -> None:
    for model in (ImportIssue, StagedHousehold, StagedPerson, StagedIncome, MergedChunk):
        model.objects.filter(batch=batch).delete()


def _file_issue(batch: ImportBatch, sheet: str | None, code: str, *, column: str = "", value: str = "", params: dict | None = None) -> None:
    from .codes import severity

    ImportIssue.objects.create(batch=batch, sheet=sheet or "", row=1, column=column, code=code, severity=severity(code),
                               value=value[:200], params=params or {})


def import_validate(batch: ImportBatch, *, actor, today: dt.date | None = None, progress=None) -> ImportBatch:
    """Phase 1: read, validate cell by cell, stage, then run the checks across rows and against the register.

    Idempotent: a rerun replaces the batch's staging rows and issues.  Raises UnreadableFile (after recording
    it on the batch) when the file cannot be read at all."""
    if batch.area_id:
        require_scope(actor, batch.area.code, CHANGE)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.VALIDATING, message="")
    _clear(batch)
    try:
        opened = open_import(Path(batch.path))
    except UnreadableFile as exc:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportStatus.FAILED, message=f"{exc.code}: {exc.message_en}"[:500],
            result={"unreadable": {"code": exc.code, "en": exc.message_en, "zh": exc.message_zh, "details": exc.details}})
        raise
    with opened:  # removes the transcoded copy of a GB18030 file
        return _validate_parts(batch, opened, actor=actor, today=today, progress=progress)


def _validate_parts(batch: ImportBatch, opened, *, actor, today, progress) -> ImportBatch:
    rows = 0
    expected = sum(p.rows for p in opened.parts)  # the readers' count of data records (the progress bar's total)
    two_sheets = any(p.layout == "households" for p in opened.parts)
    layouts = {p.layout for p in opened.parts}
    layout = "incomes" if layouts == {"incomes"} else "members"
    for part in opened.parts:
        sheet = part.sheet or ""
        for _pos, text in part.unknown:
            _file_issue(batch, sheet, "unknown_column", value=text)
        missing = [c for c in part.missing if not (two_sheets and part.layout == "members" and c.level == "household"
                                                   and c.key != "household_number")]
        if missing:
            _file_issue(batch, sheet, "missing_columns", params={"columns": ", ".join(c.header for c in missing)})
            continue
        part_rows = 0
        conflicts = staging.HouseholdConflicts()
        for frame in part.batches():
            norm, issues = validate_batch(frame, part.layout, today=today)
            with transaction.atomic():
                staging.stage_issues(batch.pk, sheet, issues)
                if part.layout == "incomes":
                    if batch.year is not None and "year" not in norm.columns:
                        norm = norm.with_columns(year=pl.lit(batch.year, pl.Int64))
                    staging.stage_incomes(batch.pk, sheet, norm)
                else:
                    if part.layout == "members":
                        if not two_sheets:
                            staging.stage_issues(batch.pk, sheet, conflicts.feed(norm))
                            staging.stage_households(batch.pk, sheet, norm)
                        staging.stage_persons(batch.pk, sheet, norm)
                    else:
                        staging.stage_households(batch.pk, sheet, norm)
            part_rows += frame.height
            rows += frame.height
            if progress:
                progress(rows, expected or None)
        if part_rows == 0:
            _file_issue(batch, sheet, "no_rows")
    if connection.vendor == "postgresql":  # the checks join the staging tables: plan them with real statistics
        with connection.cursor() as cur:
            for table in ("imports_stagedhousehold", "imports_stagedperson", "imports_stagedincome"):
                cur.execute(f"ANALYZE {table}")
    with transaction.atomic():
        if layout == "incomes":
            checks.check_incomes(batch.pk, actor=actor, year=batch.year)
        else:
            checks.check_members(batch.pk, actor=actor, two_sheets=two_sheets)
    errors = ImportIssue.objects.filter(batch=batch, severity=ERROR).count()
    warnings = ImportIssue.objects.filter(batch=batch, severity=WARNING).count()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.INVALID if errors else ImportStatus.VALIDATED, format=opened.format, encoding=opened.encoding or "",
        layout=layout, rows=rows, error_count=errors, warning_count=warnings,
        households=StagedHousehold.objects.filter(batch=batch).count(), persons=StagedPerson.objects.filter(batch=batch).count(),
        validated_at=timezone.now(), merge_cursor=0, result={})
    batch.refresh_from_db()
    return batch


STAGING_LOST = "staging_lost: the validated rows were lost when the database restarted; validate the file again"


def _staging_intact(batch: ImportBatch) -> bool:
    """The staged rows are all there (PostgreSQL empties its unlogged staging tables after a crash)."""
    if batch.layout == "incomes":
        return StagedIncome.objects.filter(batch=batch).exists() or batch.rows == 0  # a crash empties the whole table
    return (StagedHousehold.objects.filter(batch=batch).count() == batch.households
            and StagedPerson.objects.filter(batch=batch).count() == batch.persons)


def import_merge(batch: ImportBatch, *, actor, progress=None) -> ImportBatch:
    """Phase 2 (the user confirmed): merge in resumable chunks; one audit event with the counts at the end."""
    batch.refresh_from_db()
    if batch.area_id:
        require_scope(actor, batch.area.code, CHANGE)
    if batch.status == ImportStatus.MERGED:
        return batch
    if batch.status not in (ImportStatus.VALIDATED, ImportStatus.MERGING) or batch.error_count:
        raise ImportRefused(_("Only a validated import without errors can be merged (this one: %(status)s, %(errors)s errors).")
                            % {"status": batch.get_status_display(), "errors": batch.error_count})
    if not _staging_intact(batch):
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.UPLOADED, message=STAGING_LOST[:500])
        raise ImportRefused(_("The validated rows of this import were lost when the database restarted: validate the file again."))
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.MERGING)
    batch.refresh_from_db()
    counts = merge.merge_incomes(batch, progress) if batch.layout == "incomes" else merge.merge_members(batch, progress)
    with transaction.atomic():
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.MERGED, merged_at=timezone.now(),
                                                       result={**{k: v for k, v in batch.result.items() if k != "chunks"}, "counts": counts})
        audit(actor=actor, action="import.merge", obj=batch, area_code=batch.area.code if batch.area_id else "",
              changes={k: [None, v] for k, v in {"file": batch.original_name, "rows": batch.rows, **counts}.items()})
        for model in (StagedHousehold, StagedPerson, StagedIncome):  # merged: the staging rows have served (issues stay)
            model.objects.filter(batch=batch).delete()
    batch.refresh_from_db()
    return batch
