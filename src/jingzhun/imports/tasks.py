"""Validation and merge in the background (the web flow), run by the task worker; progress on the Job."""

from __future__ import annotations

from django_tasks import task

from jingzhun.jobs.services import job_finish, job_progress, job_running

from .models import ImportBatch
from .readers import UnreadableFile
from .services import import_merge, import_validate


def _progress(job_id: int):
    return lambda done, total: job_progress(job_id, done=done, total=total)


@task()
def import_validate_task(job_id: int) -> None:
    job = job_running(job_id)
    batch = ImportBatch.objects.get(pk=job.params["batch"])
    try:
        batch = import_validate(batch, actor=job.created_by, progress=_progress(job_id))
    except UnreadableFile as exc:
        job_finish(job_id, errors=[f"{exc.code}: {exc.message_en}"])
        return
    except Exception as exc:  # the job row records the failure for the user who watches it
        job_finish(job_id, errors=[str(exc)])
        raise
    job_finish(job_id, result={"batch": batch.pk, "errors": batch.error_count, "warnings": batch.warning_count})


@task()
def import_merge_task(job_id: int) -> None:
    """Merge (or resume merging) a validated batch: rerunning it after a crash continues after the last chunk."""
    job = job_running(job_id)
    batch = ImportBatch.objects.get(pk=job.params["batch"])
    try:
        batch = import_merge(batch, actor=job.created_by, progress=_progress(job_id))
    except Exception as exc:
        job_finish(job_id, errors=[str(exc)])
        raise
    job_finish(job_id, result={"batch": batch.pk, **batch.result.get("counts", {})})
