"""Background work on the register, run by the task worker (`jingzhun worker`)."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from jingzhun.jobs.services import job_finish, job_progress, job_running
from jingzhun.policy.selectors import excluded_income_components

from .income import COMPONENTS, compute_income
from .models import IncomeRecord

BATCH = 2000


def incomes_recompute(*, area_prefix: str, year: int, job_id: int | None = None) -> int:
    """Recompute gross/net/per-capita of every income record of `year` under `area_prefix`.

    Run after a change to the income component rules. Batches of 2,000 records, each batch one
    transaction (bulk update), so an interrupted run can simply be run again.
    """
    qs = IncomeRecord.objects.filter(year=year, household__area__code__startswith=area_prefix).order_by("pk")
    total = qs.count()
    done = changed = 0
    cache: dict[str, frozenset[str]] = {}
    last_pk = 0
    while True:
        batch = list(qs.filter(pk__gt=last_pk).select_related("household")[:BATCH])
        if not batch:
            break
        dirty = []
        for rec in batch:
            area = rec.household.area_id
            if area not in cache:
                cache[area] = excluded_income_components(year, area)
            t = compute_income({k: getattr(rec, k) for k in COMPONENTS}, production_costs=rec.production_costs,
                               members=rec.members, excluded=cache[area])
            if (rec.gross, rec.net, rec.per_capita) != (t.gross, t.net, t.per_capita):
                rec.gross, rec.net, rec.per_capita = t.gross, t.net, t.per_capita
                dirty.append(rec)
        with transaction.atomic():
            IncomeRecord.objects.bulk_update(dirty, ["gross", "net", "per_capita"])
        changed += len(dirty)
        done += len(batch)
        last_pk = batch[-1].pk
        if job_id:
            job_progress(job_id, done=done, total=total)
    return changed


@task()
def incomes_recompute_task(job_id: int) -> None:
    job = job_running(job_id)
    try:
        changed = incomes_recompute(area_prefix=job.area.prefix, year=int(job.params["year"]), job_id=job_id)
    except Exception as exc:  # the job row records the failure for the user who watches it
        job_finish(job_id, errors=[str(exc)])
        raise
    job_finish(job_id, result={"changed": changed})
