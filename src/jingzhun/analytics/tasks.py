"""Snapshots in the background (a user's "take a snapshot" button), run by the task worker."""

from __future__ import annotations

from django_tasks import task

from jingzhun.jobs.services import job_finish, job_progress, job_running

from .snapshots import snapshot_take


@task()
def snapshot_task(job_id: int) -> None:
    job = job_running(job_id)
    try:
        snap = snapshot_take(actor=job.created_by, area=job.area, kind=job.params.get("kind", "on_demand"),
                             years=job.params.get("years"),
                             progress=lambda done, total: job_progress(job_id, done=done, total=total))
    except Exception as exc:  # the job row records the failure for the user who watches it
        job_finish(job_id, errors=[str(exc)])
        raise
    job_finish(job_id, result={"snapshot": snap.pk, "persons": snap.persons, "years": [snap.first_year, snap.last_year]})
