"""Demo cases, so that every demo login's inbox has work in it: identification cases at each stage in the demo
village (from the eligibility evaluation's candidates), and monitoring cases from a scan of the county.

Idempotent: nothing is added when the county already has cases.  The procedures run through their services,
as the system itself (actor None), with dates in the past, so that the notices have run their periods.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from jingzhun.areas.models import Area
from jingzhun.procedures.eligibility import evaluate_eligibility
from jingzhun.procedures.models import Case
from jingzhun.procedures.scan_apply import monitoring_scan_apply
from jingzhun.procedures.services import case_act, case_open
from jingzhun.registry.models import Household, IncomeRecord

APPRAISAL = {"attendance": 21, "representatives": 27, "votes_for": 19}
# the identification cases' stages: the steps taken, each (action, days before today)
STAGES = [
    [],
    [("appraise", 12)],
    [("appraise", 12), ("verify", 11), ("post_notice", 3)],
    [("appraise", 20), ("verify", 19), ("post_notice", 18), ("close_notice", 10)],
    [("appraise", 30), ("verify", 29), ("post_notice", 28), ("close_notice", 20), ("review", 19), ("post_notice", 18), ("close_notice", 10)],
]


def demo_cases(county_code: str, village: Area | None, today: dt.date | None = None) -> dict:
    """Open the demo's cases under the county; returns what was done."""
    today = today or timezone.localdate()
    if Case.objects.filter(area__startswith=county_code).exists():
        return {}
    last_year = IncomeRecord.objects.filter(household__area__code__startswith=county_code).order_by("-year").values_list("year", flat=True).first()
    if last_year is None:
        return {}
    done = {"identification": 0}
    if village is not None:
        # the evaluation's candidates first; any household may apply, so other non-registered ones make up the rest
        reasons = {p.household_id: p.reasons for p in list(evaluate_eligibility(area_code=village.code, year=last_year).candidates)[: len(STAGES)]}
        others = Household.objects.filter(area=village, status="none").exclude(pk__in=reasons).order_by("number")
        applicants = [*reasons, *others.values_list("pk", flat=True)[: len(STAGES) - len(reasons)]]
        for household_id, stage in zip(applicants, STAGES):
            household = Household.objects.get(pk=household_id)
            opened = today - dt.timedelta(days=(stage[0][1] + 1) if stage else 2)
            case = case_open(actor=None, household=household, procedure="identification", year=today.year,
                             reasons=reasons.get(household_id, ()), comment="户申请", today=opened)
            for action, days_ago in stage:
                case = case_act(actor=None, case=case, action=action, data=APPRAISAL, today=today - dt.timedelta(days=days_ago))
            done["identification"] += 1
    # the scan as of the end of March after the last income year: its cases are overdue by now, as they would be
    done["monitoring"] = monitoring_scan_apply(actor=None, area_code=county_code.ljust(12, "0"), as_of=dt.date(last_year + 1, 3, 31))
    return done
