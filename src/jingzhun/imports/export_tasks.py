"""Exports in the background (the web page ``/exports/`` and ``/api/exports/``), run by the task worker.

A job of kind ``export`` (started with the *view* scope in its area) carries ``params`` ``{layout, format, year,
unmask}``. ``export_task`` writes ``VAR_DIR/exports/<job id>.<ext>`` through ``imports.export.export`` (scoped,
identity numbers masked unless unmasked; the unmasked export is audited there as ``export.unmask``, a masked one
as ``export``) and records in the job's ``result`` the file's path (relative to ``VAR_DIR``), the number of rows,
the name the download is offered under and whether the numbers are unmasked.

Full identity numbers only when the job asked for them *and* its creator may unmask in the area when the task
runs (``in_scope(user, code, UNMASK)``): a role withdrawn in between gives a masked file.

Exported files are kept 24 hours (``MAX_AGE``): every export first deletes the older files
(``purge_old_exports``), so the directory never holds more than a day of exports; a job whose file is gone
says so and offers no download.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from jingzhun.core.scoping import SIGNIFICANT_DIGITS, UNMASK, in_scope
from jingzhun.jobs.services import job_finish, job_progress, job_running

from .export import export

KIND = "export"
FORMATS = ("xlsx", "csv", "parquet")
LAYOUTS = ("members", "incomes")
MAX_AGE = dt.timedelta(hours=24)
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}


def exports_dir() -> Path:
    return Path(settings.VAR_DIR) / "exports"


def purge_old_exports(*, max_age: dt.timedelta = MAX_AGE, now: float | None = None) -> int:
    """Delete the exported files older than `max_age` (by modification time); returns how many were deleted."""
    directory = exports_dir()
    if not directory.is_dir():
        return 0
    limit = (time.time() if now is None else now) - max_age.total_seconds()
    deleted = 0
    for path in directory.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
                deleted += 1
        except FileNotFoundError:  # another worker purged it first
            continue
    return deleted


def export_filename(*, layout: str, area, fmt: str, year: int | None, day: dt.date) -> str:
    """``jingzhun_members_522633_20261122.xlsx``; an income file of one year: ``jingzhun_incomes_522633_2020_20261122.csv``."""
    prefix = area.code[: SIGNIFICANT_DIGITS[area.level]]
    parts = ["jingzhun", layout, prefix, *([str(year)] if year and layout == "incomes" else []), day.strftime("%Y%m%d")]
    return "_".join(parts) + f".{fmt}"


def export_path(job) -> Path | None:
    """The file of a succeeded export job, or None when there is none (not finished, failed, or purged)."""
    relative = (job.result or {}).get("path")
    if not relative:
        return None
    path = Path(settings.VAR_DIR) / relative
    return path if path.is_file() else None


def _progress(job_id: int):
    return lambda done, total: job_progress(job_id, done=done, total=total)


@task()
def export_task(job_id: int) -> None:
    job = job_running(job_id)
    params = job.params
    fmt, layout = params["format"], params.get("layout", "members")
    year = params.get("year") if layout == "incomes" else None
    actor, area = job.created_by, job.area
    unmask = bool(params.get("unmask")) and (actor is None or in_scope(actor, area.code, UNMASK))
    purge_old_exports()
    directory = exports_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{job.pk}.{fmt}"
    try:
        rows = export(actor=actor, area=area, path=path, fmt=fmt, layout=layout, year=year, unmask=unmask,
                      progress=_progress(job_id))
    except Exception as exc:  # the job row records the failure for the user who watches it
        path.unlink(missing_ok=True)
        job_finish(job_id, errors=[str(exc)])
        raise
    job_progress(job_id, done=rows, total=rows)
    filename = export_filename(layout=layout, area=area, fmt=fmt, year=year, day=timezone.localdate())
    job_finish(job_id, result={"path": f"exports/{path.name}", "rows": rows, "filename": filename,
                               "unmasked": unmask})
