"""Starting jobs and reporting their progress. The work itself runs in a django-tasks task."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from jingzhun.core.audit import audit
from jingzhun.core.scoping import CHANGE, require_scope

from .models import Job, JobStatus


def job_start(*, actor, kind: str, area, params: dict, task, action: str = CHANGE) -> Job:
    """Create the Job row and enqueue `task(job_id)` once the row is committed.

    `action` is the scope the work needs in the area: CHANGE for work that writes the register, VIEW for
    work that only reads it (a snapshot for the analytics)."""
    require_scope(actor, area.code, action)
    with transaction.atomic():
        job = Job.objects.create(kind=kind, area=area, params=params, created_by=actor if getattr(actor, "pk", None) else None)
        audit(actor=actor, action="job.start", obj=job, changes={"kind": [None, kind], "params": [None, params]})
    result = task.enqueue(job.pk)
    Job.objects.filter(pk=job.pk).update(task_result_id=str(result.id))
    job.refresh_from_db()
    return job


def job_progress(job_id: int, *, done: int, total: int | None = None, message: str = "") -> None:
    updates = {"progress": done, "status": JobStatus.RUNNING}
    if total is not None:
        updates["total"] = total
    if message:
        updates["message"] = message[:300]
    Job.objects.filter(pk=job_id).update(**updates)


def job_running(job_id: int) -> Job:
    Job.objects.filter(pk=job_id).update(status=JobStatus.RUNNING, started_at=timezone.now())
    return Job.objects.get(pk=job_id)


def job_finish(job_id: int, *, result: dict | None = None, errors: list | None = None) -> None:
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.FAILED if errors else JobStatus.SUCCEEDED,
        result=result or {}, errors=errors or [], finished_at=timezone.now(),
    )
