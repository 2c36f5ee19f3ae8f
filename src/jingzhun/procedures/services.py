"""Procedure write actions: open a case, take a step, record an objection.  Each takes the actor, locks the case,
checks the state table (``workflows.py``), the actor's role level and area, writes the step and the audit row in
one transaction, and applies the step's effect on the register (through ``registry.services``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.accounts.models import Role
from jingzhun.core.audit import audit
from jingzhun.core.scoping import CHANGE, require_scope
from jingzhun.policy.selectors import _most_specific, monitoring_line
from jingzhun.registry import choices as c
from jingzhun.registry.models import Household, IncomeRecord
from jingzhun.registry.selectors import household_members
from jingzhun.registry.services import household_set_status

from .models import Case, CaseStep, Measure, MonitoringRecord, Notice, Objection, Procedure, ProcedurePeriod
from .selectors import procedure_roles
from .workflows import ACTION_LABELS, ROLE_OF_LEVEL, STATE_LABELS, WORKFLOWS, Transition

# National defaults when no ProcedurePeriod row applies (DOMAIN.md section 6): notices of 7 days for
# identification and exit, 5 for monitoring, monitoring identification within 15 days of the first clue.
DEFAULT_DAYS = {("identification", "first_notice"): 7, ("identification", "second_notice"): 7, ("identification", "announcement"): 7,
                ("exit", "notice"): 7, ("monitoring", "notice"): 5, ("monitoring", "deadline"): 15}
EXIT_IN_YEAR_OF_REGISTRATION = False  # local rule: a household identified in a year does not exit that year
WORKING_AGES = (16, 59)
ELIMINATION_MIN_MONTHS = 6


class ProcedureError(ValidationError):
    """An illegal transition or a rule of the procedure not met: a clear message, nothing changed."""


def period_days(procedure: str, name: str, year: int, area_code: str) -> int:
    row = _most_specific(ProcedurePeriod, year, area_code, procedure=procedure, name=name)
    return row.days if row else DEFAULT_DAYS[(procedure, name)]


def acting_levels(user, area_code: str, today: dt.date | None = None) -> set[int]:
    """The area levels (village 5, township 4, county 3) at which the user holds a procedure role over the area."""
    return {level for prefix, level in procedure_roles(user, today) if area_code.startswith(prefix)}


def _require_level(actor, case: Case, t: Transition, action: str) -> str:
    if actor is None:  # the system itself (tests of rules, data migrations): acts at any level
        return ""
    require_scope(actor, case.area, CHANGE)
    if t.level not in acting_levels(actor, case.area):
        raise PermissionDenied(_("Only a user with the role “%(role)s” over this area may take the step “%(action)s”.")
                               % {"role": Role(ROLE_OF_LEVEL[t.level]).label, "action": action})
    return ROLE_OF_LEVEL[t.level]


def _current_notice(case: Case) -> Notice | None:
    return case.notices.order_by("-start_date", "-id").first()


def _check_needs(t: Transition, data: dict) -> None:
    for flag in ("consent_signed", "household_signed"):
        if flag in t.needs and data.get(flag) not in (True, "true", "on", "1", 1):
            raise ProcedureError({flag: _("The household's signature is required.")})
    missing = [n for n in t.needs if data.get(n) in (None, "")]
    if missing:
        raise ProcedureError({n: _("Required for this step.") for n in missing})
    if "attendance" in t.needs:
        try:
            attendance, representatives, votes = int(data["attendance"]), int(data["representatives"]), int(data["votes_for"])
        except (TypeError, ValueError):
            raise ProcedureError({"attendance": _("Attendance, representatives and votes are whole numbers.")}) from None
        if representatives < 1 or not 0 <= attendance <= representatives or not 0 <= votes <= attendance:
            raise ProcedureError({"attendance": _("Attendance must lie between 0 and the number of representatives, votes between 0 and the attendance.")})
        if attendance * 3 < representatives * 2:
            raise ProcedureError({"attendance": _("An appraisal needs at least two thirds of the villager representatives (%(attendance)s of %(representatives)s attended).")
                                  % {"attendance": attendance, "representatives": representatives}})
        if votes * 2 <= attendance:
            raise ProcedureError({"votes_for": _("The appraisal did not pass: %(votes)s of %(attendance)s votes in favour.") % {"votes": votes, "attendance": attendance}})


# --- opening --------------------------------------------------------------------------------------------------


def _working_age_labour(household: Household, on: dt.date) -> bool:
    lo, hi = WORKING_AGES
    for p in household_members(household):
        age = on.year - p.birth_date.year - ((on.month, on.day) < (p.birth_date.month, p.birth_date.day))
        if lo <= age <= hi and p.labour_ability in (c.LabourAbility.NORMAL, c.LabourAbility.SKILLED):
            return True
    return False


def _check_open(household: Household, procedure: str, year: int, today: dt.date) -> None:
    status = household.status
    if procedure == Procedure.IDENTIFICATION and status not in (c.PovertyStatus.NOT_REGISTERED, c.PovertyStatus.EXITED):
        raise ProcedureError(_("Only a household that is not registered, or has exited, can apply for identification."))
    if procedure == Procedure.EXIT:
        if status not in (c.PovertyStatus.POOR, c.PovertyStatus.RETURNED):
            raise ProcedureError(_("Only a registered poor household can exit."))
        if not EXIT_IN_YEAR_OF_REGISTRATION and household.registered_year == year:
            raise ProcedureError(_("A household identified in %(year)s does not exit in the same year.") % {"year": year})
    if procedure == Procedure.ELIMINATION:
        _check_elimination(household, today)


def _check_elimination(household: Household, today: dt.date) -> None:
    record = MonitoringRecord.objects.filter(household=household, eliminated_on__isnull=True).first()
    if record is None:
        raise ProcedureError(_("The household is not a monitoring target."))
    months = (today.year - record.identified_on.year) * 12 + today.month - record.identified_on.month - (today.day < record.identified_on.day)
    if months < ELIMINATION_MIN_MONTHS:
        raise ProcedureError(_("Risk can be eliminated at least 6 months after identification (identified on %(date)s).") % {"date": record.identified_on})
    if not Measure.objects.filter(household=household, start_date__gte=record.identified_on, start_date__lte=today).exists():
        raise ProcedureError(_("At least one assistance measure must have been applied since identification."))
    if not _working_age_labour(household, today):
        raise ProcedureError(_("A household without working-age labour is never marked as risk eliminated."))
    income = IncomeRecord.objects.filter(household=household).order_by("-year").first()
    line = monitoring_line(income.year, household.area_id) if income else None
    if income is None or line is None or income.per_capita < line.amount:
        raise ProcedureError(_("Income must be stably above the monitoring line (latest record: %(income)s, line: %(line)s).")
                             % {"income": income.per_capita if income else "-", "line": line.amount if line else "-"})


@transaction.atomic
def case_open(*, actor, household: Household, procedure: str, year: int | None = None, reasons: Iterable[str] = (), category: str = "",
              first_clue: dt.date | None = None, comment: str = "", today: dt.date | None = None) -> Case:
    """Open a case (the household applies, the village proposes an exit, a risk clue, a proposal to eliminate)."""
    today = today or timezone.localdate()
    household = Household.objects.select_for_update().get(pk=household.pk)
    require_scope(actor, household.area_id, CHANGE)
    if procedure not in WORKFLOWS:
        raise ProcedureError(_("Unknown procedure."))
    year = year or today.year
    _check_open(household, procedure, year, today)
    if Case.objects.filter(household=household, procedure=procedure, closed_at__isnull=True).exists():
        raise ProcedureError(_("This household already has an open case of this procedure."))
    due = None
    if procedure == Procedure.MONITORING:
        if not category:
            raise ProcedureError({"category": _("Choose the monitoring category.")})
        first_clue = first_clue or today
        due = first_clue + dt.timedelta(days=period_days(procedure, "deadline", year, household.area_id))
    case = Case.objects.create(procedure=procedure, household=household, area=household.area_id, year=year, state=WORKFLOWS[procedure].start,
                               category=category, reasons=sorted(set(reasons)), first_clue=first_clue, due_date=due,
                               opened_by=actor if getattr(actor, "pk", None) else None)
    CaseStep.objects.create(case=case, action="open", from_state="", to_state=case.state, actor=case.opened_by, comment=comment,
                            data={"reasons": case.reasons})
    audit(actor=actor, action="case.open", obj=case, area_code=case.area, changes={"procedure": [None, procedure], "household": [None, household.number]})
    return case


# --- steps ----------------------------------------------------------------------------------------------------


def _effect(case: Case, t: Transition, actor, today: dt.date) -> None:
    household = case.household
    if t.effect == "register_poor":
        target = c.PovertyStatus.RETURNED if household.status == c.PovertyStatus.EXITED else c.PovertyStatus.POOR
        household_set_status(actor=actor, household=household, status=target, date=today, procedure=Procedure.IDENTIFICATION)
    elif t.effect == "exit":
        household_set_status(actor=actor, household=household, status=c.PovertyStatus.EXITED, date=today, procedure=Procedure.EXIT)
    elif t.effect == "monitor":
        MonitoringRecord.objects.create(household=household, area=case.area, category=case.category, identified_on=today, identification=case)
    elif t.effect == "eliminate":
        _check_elimination(household, today)  # the rules again at approval: the facts may have changed since the case opened
        MonitoringRecord.objects.filter(household=household, eliminated_on__isnull=True).update(eliminated_on=today, elimination=case)


@transaction.atomic
def case_act(*, actor, case: Case, action: str, comment: str = "", data: dict | None = None, today: dt.date | None = None,
             notice: Notice | None = None) -> Case:
    """Take one step.  Illegal transitions, wrong roles, unmet rules and early notice closes raise; nothing changes."""
    today = today or timezone.localdate()
    data = dict(data or {})
    case = Case.objects.select_for_update().select_related("household").get(pk=case.pk)
    workflow = WORKFLOWS[case.procedure]
    t = workflow.transitions.get((case.state, action))
    if t is None or not case.is_open:
        allowed = ", ".join(str(ACTION_LABELS.get(a, a)) for a in workflow.allowed(case.state)) if case.is_open else ""
        raise ProcedureError(_("“%(action)s” is not a step of this case in the state “%(state)s” (allowed: %(allowed)s).")
                             % {"action": ACTION_LABELS.get(action, action), "state": STATE_LABELS.get(case.state, case.state),
                                "allowed": allowed or _("none, the case is closed")}, code="illegal_transition")
    role = _require_level(actor, case, t, action)
    _check_needs(t, data)
    if t.after_notice:
        current = _current_notice(case)
        if current is None:
            raise ProcedureError(_("This case has no notice to close."))
        if today <= current.end_date:
            raise ProcedureError(_("The notice runs until %(end)s: it cannot close early.") % {"end": current.end_date})
    if t.notice:
        if notice is None:
            notice = Notice.objects.create(procedure=case.procedure, kind=t.notice, area=case.area, start_date=today,
                                           days=period_days(case.procedure, t.notice, case.year, case.area),
                                           created_by=actor if getattr(actor, "pk", None) else None)
        notice.cases.add(case)
        data["notice"] = notice.pk
    step = CaseStep.objects.create(case=case, action=action, from_state=case.state, to_state=t.to, role=role, comment=comment,
                                   actor=actor if getattr(actor, "pk", None) else None, data=data)
    _effect(case, t, actor, today)
    before = case.state
    case.state = t.to
    if t.close:
        case.closed_at, case.outcome = timezone.now(), t.close
    case.save(update_fields=["state", "closed_at", "outcome", "updated_at"])
    audit(actor=actor, action=f"case.{action}", obj=case, area_code=case.area, changes={"state": [before, t.to], "step": [None, step.pk]})
    return case


def cases_act(*, actor, cases: Iterable[Case], action: str, comment: str = "", data: dict | None = None, today: dt.date | None = None) -> list[Case]:
    """A bulk action for a village's cases, all or nothing; a notice posted in bulk is one notice listing them all."""
    today = today or timezone.localdate()
    with transaction.atomic():
        shared: dict[tuple, Notice] = {}
        out = []
        for case in sorted(cases, key=lambda x: x.pk):
            t = WORKFLOWS[case.procedure].transitions.get((case.state, action))
            notice = None
            if t is not None and t.notice:
                key = (case.procedure, t.notice, case.area)
                if key not in shared:
                    shared[key] = Notice.objects.create(procedure=case.procedure, kind=t.notice, area=case.area, start_date=today,
                                                        days=period_days(case.procedure, t.notice, case.year, case.area),
                                                        created_by=actor if getattr(actor, "pk", None) else None)
                notice = shared[key]
            try:
                out.append(case_act(actor=actor, case=case, action=action, comment=comment, data=data, today=today, notice=notice))
            except ValidationError as exc:  # name the case that stopped the batch (nothing of the batch is written)
                def named(message: str, case=case) -> str:
                    return _("Case #%(case)s (household %(household)s): %(error)s") % {
                        "case": case.pk, "household": case.household.number, "error": message}
                if hasattr(exc, "error_dict"):
                    raise ProcedureError({k: [named(m) for m in v] for k, v in exc.message_dict.items()}) from exc
                raise ProcedureError(named(" ".join(exc.messages)), code=getattr(exc, "code", None)) from exc
        return out


@transaction.atomic
def objection_record(*, actor, case: Case, text: str, received_on: dt.date, objector: str = "") -> Case:
    """An objection received during the case's notice: recorded, and the case goes back (``objection_to``)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    require_scope(actor, case.area, CHANGE)
    workflow = WORKFLOWS[case.procedure]
    back = workflow.objection_to.get(case.state)
    notice = _current_notice(case)
    if not case.is_open or back is None or notice is None:
        raise ProcedureError(_("Objections are received only while the case is on notice."), code="not_on_notice")
    if not notice.start_date <= received_on <= notice.end_date:
        raise ProcedureError({"received_on": _("The notice ran from %(start)s to %(end)s.") % {"start": notice.start_date, "end": notice.end_date}})
    if not text.strip():
        raise ProcedureError({"text": _("Write down the objection.")})
    objection = Objection.objects.create(notice=notice, case=case, received_on=received_on, objector=objector, text=text.strip(),
                                         recorded_by=actor if getattr(actor, "pk", None) else None)
    CaseStep.objects.create(case=case, action="objection", from_state=case.state, to_state=back, actor=objection.recorded_by,
                            comment=text.strip(), data={"objection": objection.pk, "notice": notice.pk})
    before, case.state = case.state, back
    case.save(update_fields=["state", "updated_at"])
    audit(actor=actor, action="case.objection", obj=case, area_code=case.area, changes={"state": [before, back], "objection": [None, objection.pk]})
    return case
