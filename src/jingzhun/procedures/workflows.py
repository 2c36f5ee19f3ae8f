"""The procedures as state tables (DOMAIN.md section 8): rules as data, one table per procedure.

Each transition is ``(from state, action) -> Transition(to state, level, ...)``: ``level`` is the area level of
the role that takes the step (village 5, township 4, county 3); ``notice`` names the notice the step posts
(its period comes from ``ProcedurePeriod``); ``after_notice`` marks the step that closes a notice, allowed only
after its last day and without an objection; ``objection_to`` on a notice state is where an objection sends
the case back.  ``close`` ends the case with an outcome; ``effect`` names what the step does to the register
(``services.EFFECTS``).  Anything not in a table is an illegal transition.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from .models import Notice, Procedure

VILLAGE, TOWNSHIP, COUNTY = 5, 4, 3
ROLE_OF_LEVEL = {VILLAGE: "village", TOWNSHIP: "township", COUNTY: "county"}


@dataclass(frozen=True)
class Transition:
    to: str
    level: int
    notice: str = ""  # Notice.Kind posted by this step
    after_notice: bool = False  # closes the current notice (after its last day, no objection)
    close: str = ""  # outcome when the step ends the case
    effect: str = ""  # what the step does to the register
    needs: tuple[str, ...] = ()  # step data the step requires (e.g. attendance of an appraisal)


@dataclass(frozen=True)
class Workflow:
    procedure: str
    start: str
    transitions: dict[tuple[str, str], Transition]
    objection_to: dict[str, str] = field(default_factory=dict)  # notice state -> state an objection sends back to

    def allowed(self, state: str) -> dict[str, Transition]:
        return {action: t for (s, action), t in self.transitions.items() if s == state}

    def states(self) -> list[str]:
        seen = [self.start]
        for (s, _a), t in self.transitions.items():
            for x in (s, t.to):
                if x not in seen:
                    seen.append(x)
        return seen


T = Transition
REJECT = T("rejected", COUNTY, close="rejected")

# 两公示一公告: application -> appraisal (2/3 of the representatives attend) -> village verification -> first notice
# -> township review -> second notice -> county approval -> announcement -> registered.
IDENTIFICATION = Workflow(Procedure.IDENTIFICATION, "applied", {
    ("applied", "appraise"): T("appraised", VILLAGE, needs=("attendance", "representatives", "votes_for")),
    ("applied", "withdraw"): T("withdrawn", VILLAGE, close="withdrawn"),
    ("appraised", "verify"): T("verified", VILLAGE),
    ("verified", "post_notice"): T("first_notice", VILLAGE, notice=Notice.Kind.FIRST),
    ("first_notice", "close_notice"): T("township_review", VILLAGE, after_notice=True),
    ("township_review", "review"): T("reviewed", TOWNSHIP),
    ("township_review", "reject"): T("rejected", TOWNSHIP, close="rejected"),
    ("reviewed", "post_notice"): T("second_notice", TOWNSHIP, notice=Notice.Kind.SECOND),
    ("second_notice", "close_notice"): T("county_approval", TOWNSHIP, after_notice=True),
    ("county_approval", "approve"): T("approved", COUNTY),
    ("county_approval", "reject"): REJECT,
    ("approved", "announce"): T("announced", COUNTY, notice=Notice.Kind.ANNOUNCEMENT),
    ("announced", "register"): T("registered", COUNTY, after_notice=True, close="completed", effect="register_poor"),
}, objection_to={"first_notice": "appraised", "second_notice": "township_review", "announced": "county_approval"})

# village appraisal -> verification -> the household agrees -> notice without objection -> announcement.
EXIT = Workflow(Procedure.EXIT, "proposed", {
    ("proposed", "appraise"): T("appraised", VILLAGE, needs=("attendance", "representatives", "votes_for")),
    ("proposed", "withdraw"): T("withdrawn", VILLAGE, close="withdrawn"),
    ("appraised", "verify"): T("verified", VILLAGE),
    ("verified", "household_agrees"): T("agreed", VILLAGE, needs=("household_signed",)),
    ("agreed", "post_notice"): T("notice", VILLAGE, notice=Notice.Kind.NOTICE),
    ("notice", "close_notice"): T("township_review", VILLAGE, after_notice=True),
    ("township_review", "review"): T("county_approval", TOWNSHIP),
    ("township_review", "reject"): T("rejected", TOWNSHIP, close="rejected"),
    ("county_approval", "approve"): T("approved", COUNTY),
    ("county_approval", "reject"): REJECT,
    ("approved", "announce"): T("exited", COUNTY, close="completed", effect="exit"),
}, objection_to={"notice": "proposed"})

# home visit with signed consent -> data comparison -> village appraisal and notice (>= 5 days) -> township
# review -> county approval -> announcement -> recorded; within 15 days of the first clue.
MONITORING = Workflow(Procedure.MONITORING, "opened", {
    ("opened", "visit"): T("visited", VILLAGE, needs=("consent_signed",)),
    ("opened", "dismiss"): T("dismissed", VILLAGE, close="dismissed"),
    ("visited", "compare"): T("compared", VILLAGE),
    ("compared", "appraise"): T("appraised", VILLAGE, needs=("attendance", "representatives", "votes_for")),
    ("appraised", "post_notice"): T("notice", VILLAGE, notice=Notice.Kind.NOTICE),
    ("notice", "close_notice"): T("township_review", VILLAGE, after_notice=True),
    ("township_review", "review"): T("county_approval", TOWNSHIP),
    ("township_review", "reject"): T("rejected", TOWNSHIP, close="rejected"),
    ("county_approval", "approve"): T("recorded", COUNTY, close="completed", effect="monitor"),
    ("county_approval", "reject"): REJECT,
}, objection_to={"notice": "compared"})

# income stably above the line for half a year, at least 6 months since identification, at least one measure,
# never without working-age labour (checked when the case opens and again at approval).
ELIMINATION = Workflow(Procedure.ELIMINATION, "proposed", {
    ("proposed", "appraise"): T("appraised", VILLAGE, needs=("attendance", "representatives", "votes_for")),
    ("proposed", "withdraw"): T("withdrawn", VILLAGE, close="withdrawn"),
    ("appraised", "review"): T("county_approval", TOWNSHIP),
    ("county_approval", "approve"): T("eliminated", COUNTY, close="completed", effect="eliminate"),
    ("county_approval", "reject"): REJECT,
})

WORKFLOWS: dict[str, Workflow] = {w.procedure: w for w in (IDENTIFICATION, EXIT, MONITORING, ELIMINATION)}

ACTION_LABELS = {
    "appraise": _("Record the appraisal"), "withdraw": _("Withdraw"), "verify": _("Record the verification"),
    "post_notice": _("Post the notice"), "close_notice": _("Close the notice"), "review": _("Review and pass on"),
    "reject": _("Reject"), "approve": _("Approve"), "announce": _("Announce"), "register": _("Register"),
    "household_agrees": _("Record the household's agreement"), "visit": _("Record the home visit"), "dismiss": _("Dismiss"),
    "compare": _("Record the data comparison"),
}

STATE_LABELS = {
    "applied": _("Applied"), "appraised": _("Appraised"), "verified": _("Verified"), "first_notice": _("First notice"),
    "township_review": _("Township review"), "reviewed": _("Reviewed"), "second_notice": _("Second notice"),
    "county_approval": _("County approval"), "approved": _("Approved"), "announced": _("Announced"), "registered": _("Registered"),
    "rejected": _("Rejected"), "withdrawn": _("Withdrawn"), "proposed": _("Proposed"), "agreed": _("Household agreed"),
    "notice": _("Notice"), "exited": _("Exited"), "opened": _("Opened"), "visited": _("Visited"), "compared": _("Compared"),
    "recorded": _("Recorded"), "dismissed": _("Dismissed"), "eliminated": _("Risk eliminated"),
}

# the reason codes of the eligibility evaluation, the monitoring scan and cases opened by hand
REASON_LABELS = {
    "income_below_line": gettext_lazy("Income below the poverty line"),
    "no_income_record": gettext_lazy("No income recorded for the year"),
    "food_insecure": gettext_lazy("No stable, sufficient food"),
    "clothing_insecure": gettext_lazy("No clothing for each season"),
    "child_out_of_school": gettext_lazy("A child of compulsory-education age out of school"),
    "no_medical_insurance": gettext_lazy("A member without basic medical insurance"),
    "unsafe_housing": gettext_lazy("Unsafe housing"),
    "unsafe_water": gettext_lazy("No safe drinking water"),
    "identified_this_year": gettext_lazy("Identified this year"),
    "income_above_line": gettext_lazy("Income stably above the line"),
    "guarantees_met": gettext_lazy("Two assurances and three guarantees met"),
    "income_below_monitoring_line": gettext_lazy("Income below the monitoring line"),
    "income_drop": gettext_lazy("Sharp drop of income"),
    "rigid_spending": gettext_lazy("Rigid spending above income"),
    "medical_spending": gettext_lazy("High medical spending"),
    "disaster": gettext_lazy("Natural disaster"),
    "accident": gettext_lazy("Accident"),
    "department_alert": gettext_lazy("Alert from a department's data"),
}
