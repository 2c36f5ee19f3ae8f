"""The monitoring scan applied: each flagged household opens a monitoring identification case, or updates the
reasons of its open one (never a duplicate); households already monitoring targets are left alone.

Set-based in chunks: one query for the chunk's open cases and monitoring targets, one bulk insert of the new
cases and their first steps, one bulk update of the reasons; one audit row for the whole scan.  The one open
case per household and procedure is also a database constraint, so two scans racing cannot both open one.
Scheduled (``jingzhun monitoring-scan``, cron) and on demand (``monitoring_scan_task``, a Job).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from jingzhun.core.audit import audit
from jingzhun.jobs.services import job_finish, job_progress, job_running

from .models import Case, CaseStep, MonitoringCategory, MonitoringRecord, Procedure
from .monitoring_scan import scan_monitoring
from .services import period_days
from .workflows import MONITORING

CHUNK = 5000
# A household listed only for a department alert (no other trigger) opens a case as sudden hardship: the alert
# (an illness, a disaster, an accident) is the clue; the home visit decides whether it is one.
ALERT_ONLY_CATEGORY = MonitoringCategory.HARDSHIP


def monitoring_scan_apply(*, actor, area_code: str, as_of: dt.date, progress=None) -> dict:
    """Run the scan for the area on `as_of` and open or update monitoring cases; returns the counts."""
    flags = [(f.household_id, f.village, f.category or ALERT_ONLY_CATEGORY, f.flags)
             for f in scan_monitoring(area_code=area_code, as_of=as_of)]
    counts = {"flagged": len(flags), "opened": 0, "updated": 0, "already_monitored": 0}
    user = actor if getattr(actor, "pk", None) else None
    deadline_days: dict[str, int] = {}
    for start in range(0, len(flags), CHUNK):
        chunk = flags[start:start + CHUNK]
        ids = [f[0] for f in chunk]
        with transaction.atomic():
            open_cases = {c.household_id: c for c in Case.objects.select_for_update().filter(
                household_id__in=ids, procedure=Procedure.MONITORING, closed_at__isnull=True)}
            monitored = set(MonitoringRecord.objects.filter(household_id__in=ids, eliminated_on__isnull=True).values_list("household_id", flat=True))
            new, changed = [], []
            for household_id, village, category, reasons in chunk:
                if household_id in monitored:
                    counts["already_monitored"] += 1
                elif household_id in open_cases:
                    case = open_cases[household_id]
                    merged = sorted(set(case.reasons) | set(reasons))
                    if merged != case.reasons:
                        case.reasons, case.updated_at = merged, timezone.now()
                        changed.append(case)
                    counts["updated"] += 1
                else:
                    if village not in deadline_days:  # one look-up per village, not per case
                        deadline_days[village] = period_days(Procedure.MONITORING, "deadline", as_of.year, village)
                    due = as_of + dt.timedelta(days=deadline_days[village])
                    new.append(Case(procedure=Procedure.MONITORING, household_id=household_id, area=village, year=as_of.year,
                                    state=MONITORING.start, category=category, reasons=sorted(reasons), first_clue=as_of,
                                    due_date=due, opened_by=user))
            if changed:
                Case.objects.bulk_update(changed, ["reasons", "updated_at"])
            created = Case.objects.bulk_create(new)
            if created and created[0].pk is None:  # SQLite before 3.35 returns no ids: read them back
                created = list(Case.objects.filter(household_id__in=[c.household_id for c in new], procedure=Procedure.MONITORING,
                                                   closed_at__isnull=True))
            CaseStep.objects.bulk_create(CaseStep(case=c, action="open", from_state="", to_state=c.state, actor=user,
                                                  comment="monitoring scan", data={"reasons": c.reasons, "scan": as_of.isoformat()})
                                         for c in created)
            counts["opened"] += len(created)
        if progress:
            progress(min(start + CHUNK, len(flags)), len(flags))
    with transaction.atomic():
        audit(actor=actor, action="monitoring.scan", object_type="procedures.case", area_code=area_code,
              changes={"as_of": [None, as_of.isoformat()], **{k: [None, v] for k, v in counts.items()}, "at": [None, timezone.now()]})
    return counts


@task()
def monitoring_scan_task(job_id: int) -> None:
    """The scan on demand (job kind ``monitoring.scan``, params ``{"area": code, "as_of": "YYYY-MM-DD"}``)."""
    job = job_running(job_id)
    try:
        counts = monitoring_scan_apply(actor=job.created_by, area_code=job.params["area"], as_of=dt.date.fromisoformat(job.params["as_of"]),
                                       progress=lambda done, total: job_progress(job_id, done=done, total=total))
    except Exception as exc:  # the job row records the failure for the user who watches it
        job_finish(job_id, errors=[str(exc)])
        raise
    job_finish(job_id, result=counts)
