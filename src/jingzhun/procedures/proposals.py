"""Opening identification and exit cases from the eligibility evaluation's proposals (issue 5).

    opened = cases_open_from_proposals(actor=cadre, area_code="522633100201", year=2020,
                                       household_ids=[12, 15], procedure="identification")
    opened            # the new cases (a list of Case, by village and household number)
    opened.skipped    # households left out: a case of this procedure was already open for them

The client is never trusted: the households are evaluated again (``eligibility.evaluate_eligibility``) and each
must still be a candidate for identification, or a proposed exit, in the evaluation of the area and year;
otherwise a ``ProcedureError`` names every household that is not (``{"households": [message, ...]}``) and
nothing is opened.  Each case is opened by ``services.case_open`` with the proposal's reasons, all in one
transaction (all or nothing).

Rules, checked in this order:

* ``procedure`` is ``identification`` or ``exit`` (the procedures the evaluation proposes); at least one and at
  most ``MAX_HOUSEHOLDS`` households; a known area; a year with a poverty line (``ProcedureError`` by field:
  ``procedure``, ``households``, ``area``, ``year``).
* The area must be in the actor's change scope, and so must every household (``PermissionDenied``: the API
  answers 404, as for an unknown household).
* Cases are opened by village cadres (the level that takes the first steps of both procedures): the actor must
  hold an unexpired village role over each household's village (``services.acting_levels``), else
  ``RoleRequired`` (a ``PermissionDenied``; the API answers 403).  ``actor=None`` is the system.
* Every household lies in the area and is a proposal of the right list.

Which statement is run: the evaluation of one household depends only on the household itself and on the
poverty line of its village (the most specific line enclosing the village), never on the rest of the area, so
the households are evaluated under the narrowest area that holds them all (their village when they share one,
else their township, county ...): the same proposals as the evaluation of the whole area, at the cost of that
small area only.

The monitoring scan on demand (``monitoring_scan_start``) lives here too: a ``jobs.Job`` of kind ``monitoring.scan``
running ``scan_apply.monitoring_scan_task``, started by a county office or an office above it over the area
(``scan_allowed``), one at a time per area.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from itertools import islice

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.accounts.models import Role
from jingzhun.accounts.selectors import active_assignments
from jingzhun.areas.models import Area
from jingzhun.core.scoping import CHANGE, code_prefix, require_scope
from jingzhun.jobs.models import Job, JobStatus
from jingzhun.jobs.services import job_start
from jingzhun.registry.models import Household

from .eligibility import NoPovertyLine, area_prefix, evaluate_eligibility
from .models import Case, Procedure
from .scan_apply import monitoring_scan_task
from .services import ProcedureError, acting_levels, case_open
from .workflows import REASON_LABELS, VILLAGE

#: The list of the evaluation each procedure opens cases from.
LIST_OF_PROCEDURE = {Procedure.IDENTIFICATION: "candidates", Procedure.EXIT: "exits"}
PROCEDURE_OF_LIST = {v: k for k, v in LIST_OF_PROCEDURE.items()}
#: Households per call (the web page shows 100 per page).
MAX_HOUSEHOLDS = 500
#: Significant digits of the levels, narrowest first.
_PREFIX_LENGTHS = (12, 9, 6, 4, 2)

#: Readable labels of the evaluation's reason codes (``eligibility.REASONS`` and ``EXIT_REASONS``), in both
#: languages; the same texts as the case pages use.


def reason_label(code: str) -> str:
    return str(REASON_LABELS.get(code, code))


class RoleRequired(PermissionDenied):
    """The actor may change the area's data but holds no village role over a household's village."""


class OpenedCases(list):
    """The cases opened, with ``skipped``: the households (``Household``) that already had an open case of the procedure."""

    def __init__(self, cases: Iterable[Case] = (), skipped: Iterable[Household] = ()):
        super().__init__(cases)
        self.skipped = list(skipped)


def _narrowest_prefix(villages: Iterable[str]) -> str:
    """The longest significant prefix (village, township, county, prefecture, province) shared by the villages."""
    codes = sorted(set(villages))
    for n in _PREFIX_LENGTHS:
        if codes[0][:n] == codes[-1][:n]:
            return codes[0][:n]
    return ""


def _household_ids(values) -> list[int]:
    try:
        ids = sorted({int(v) for v in values})
    except (TypeError, ValueError):
        raise ProcedureError({"households": _("Household ids are whole numbers.")}) from None
    if not ids:
        raise ProcedureError({"households": _("Choose at least one household.")})
    if len(ids) > MAX_HOUSEHOLDS:
        raise ProcedureError({"households": _("At most %(n)s households at once.") % {"n": MAX_HOUSEHOLDS}})
    return ids


def cases_open_from_proposals(*, actor, area_code: str, year: int, household_ids: Iterable[int], procedure: str,
                              today: dt.date | None = None) -> OpenedCases:
    """Open one case per household from the evaluation of ``area_code`` and ``year`` (see the module doc)."""
    if procedure not in LIST_OF_PROCEDURE:
        raise ProcedureError({"procedure": _("Cases are opened from the evaluation for identification or exit only.")})
    ids = _household_ids(household_ids)
    if not isinstance(year, int) or isinstance(year, bool):
        raise ProcedureError({"year": _("Give the year of the evaluation.")})
    try:
        prefix = area_prefix(area_code)
    except (ValueError, LookupError):
        raise ProcedureError({"area": _("Unknown area.")}) from None
    area_name = (Area.objects.filter(code=prefix.ljust(12, "0")).values_list("name", flat=True).first() or prefix) if prefix else _("the whole country")
    require_scope(actor, prefix.ljust(12, "0") if prefix else "", CHANGE)

    with transaction.atomic():
        households = Household.objects.filter(pk__in=ids)
        if actor is not None:
            households = households.visible_to(actor, CHANGE)
        households = {h.pk: h for h in households.select_related("area").order_by("area_id", "number")}
        if len(households) != len(ids):
            raise PermissionDenied(_("A household is unknown or outside your responsibility."))
        if actor is not None:
            for h in households.values():
                if VILLAGE not in acting_levels(actor, h.area_id, today):
                    raise RoleRequired(_("Only a village cadre of the household's village opens its case (household %(number)s).")
                                       % {"number": h.number})
        outside = [h for h in households.values() if not h.area_id.startswith(prefix)]
        if outside:
            raise ProcedureError({"households": [_("Household %(number)s is not in %(area)s.") % {"number": h.number, "area": area_name}
                                                 for h in outside]})

        already = set(Case.objects.filter(household_id__in=ids, procedure=procedure, closed_at__isnull=True).values_list("household_id", flat=True))
        skipped = [h for h in households.values() if h.pk in already]
        wanted = {pk for pk in households if pk not in already}
        if not wanted:
            return OpenedCases([], skipped)

        try:
            result = evaluate_eligibility(area_code=_narrowest_prefix(households[pk].area_id for pk in wanted), year=year)
        except NoPovertyLine:
            raise ProcedureError({"year": _("No poverty line of %(year)s applies to %(area)s.") % {"year": year, "area": area_name}}) from None
        proposals = {}
        listed = iter(getattr(result, LIST_OF_PROCEDURE[procedure]))
        try:
            for p in listed:
                if p.household_id in wanted:
                    proposals[p.household_id] = p
                    if len(proposals) == len(wanted):
                        break
        finally:
            listed.close()  # the server-side cursor of the list is closed at once
        missing = [households[pk] for pk in households if pk in wanted and pk not in proposals]
        if missing:
            if procedure == Procedure.IDENTIFICATION:
                text = _("Household %(number)s is not a candidate for identification in the evaluation of %(area)s for %(year)s.")
            else:
                text = _("Household %(number)s is not proposed to exit in the evaluation of %(area)s for %(year)s.")
            raise ProcedureError({"households": [text % {"number": h.number, "area": area_name, "year": year} for h in missing]})

        comment = _("Proposed by the eligibility evaluation of %(area)s for %(year)s.") % {"area": area_name, "year": year}
        opened = []
        for pk in (pk for pk in households if pk in wanted):
            try:
                opened.append(case_open(actor=actor, household=households[pk], procedure=procedure, year=year,
                                        reasons=proposals[pk].reasons, comment=comment, today=today))
            except ValidationError as exc:  # a rule of opening (checked again by the service): name the household
                raise ProcedureError({"households": [_("Household %(number)s: %(error)s") % {"number": households[pk].number, "error": m}
                                                     for m in exc.messages]}) from exc
    return OpenedCases(opened, skipped)


# --- reading the lists page by page (the web page and the API) ----------------------------------------------------


class PageableProposals:
    """A streamed ``eligibility.ProposalList`` for Django's ``Paginator``: ``len()`` is its count (taken with the
    evaluation), a slice runs the list's statement and reads it only up to the slice's end, then closes it."""

    def __init__(self, proposals):
        self.proposals = proposals

    def __len__(self) -> int:
        return len(self.proposals)

    def __getitem__(self, item: slice) -> list:
        rows = iter(self.proposals)
        try:
            return list(islice(rows, item.start, item.stop))
        finally:
            rows.close()  # the server-side cursor on PostgreSQL


def proposal_rows(proposals, list_name: str) -> list[dict]:
    """The proposals of a page with the head's name, the village's name and the open case of the list's procedure
    (identification for candidates, exit for exits): three queries, whatever the number of rows.  No identity number."""
    proposals = list(proposals)
    ids = [p.household_id for p in proposals]
    if not ids:
        return []
    heads = dict(Household.objects.filter(pk__in=ids).values_list("pk", "head_name"))
    villages = dict(Area.objects.filter(code__in={p.village for p in proposals}).values_list("code", "name"))
    procedure = PROCEDURE_OF_LIST.get(list_name)
    cases = {}
    if procedure:
        cases = dict(Case.objects.filter(household_id__in=ids, procedure=procedure, closed_at__isnull=True).values_list("household_id", "pk"))
    return [{"household": p.household_id, "number": p.number, "head_name": heads.get(p.household_id, ""), "village": p.village,
             "village_name": villages.get(p.village, ""), "status": p.status, "per_capita": p.per_capita, "line": p.line,
             "reasons": list(p.reasons), "reason_labels": [reason_label(r) for r in p.reasons], "open_case": cases.get(p.household_id)}
            for p in proposals]

# --- the monitoring scan on demand -------------------------------------------------------------------------------

SCAN_JOB_KIND = "monitoring.scan"
#: Roles that run the monitoring scan over their area: county offices and above.
SCAN_ROLES = (Role.COUNTY, Role.PREFECTURE, Role.PROVINCE, Role.NATIONAL)
RUNNING = (JobStatus.QUEUED, JobStatus.RUNNING)


def role_prefixes(user, roles) -> list[str]:
    """Code prefixes of the user's unexpired assignments of these roles ('' for the national office: everywhere)."""
    return ["" if ra.role == Role.NATIONAL else code_prefix(ra.area.code, ra.area.level)
            for ra in active_assignments(user) if ra.role in roles]


def scan_allowed(user, area_code: str) -> bool:
    """A county office, or an office above it, over the whole area (or a superuser)."""
    if getattr(user, "is_superuser", False):
        return True
    return any(area_code.startswith(p) for p in role_prefixes(user, SCAN_ROLES))


def running_scan(area: Area) -> Job | None:
    return Job.objects.filter(kind=SCAN_JOB_KIND, area=area, status__in=RUNNING).order_by("-created_at", "-id").first()


def monitoring_scan_start(*, actor, area: Area, as_of: dt.date, today: dt.date | None = None) -> tuple[Job, bool]:
    """Start the scan of the area on `as_of` as a job, or return the one of the area still queued or running.

    (job, started).  ``PermissionDenied`` outside the actor's change scope, ``RoleRequired`` below a county office,
    ``ProcedureError`` ``{"as_of": ...}`` for a date in the future."""
    require_scope(actor, area.code, CHANGE)
    if actor is not None and not scan_allowed(actor, area.code):
        raise RoleRequired(_("Only a county office, or an office above it, runs the monitoring scan of this area."))
    if as_of > (today or timezone.localdate()):
        raise ProcedureError({"as_of": _("The scan date cannot be in the future.")})
    job = running_scan(area)
    if job is not None:
        return job, False
    job = job_start(actor=actor, kind=SCAN_JOB_KIND, area=area, params={"area": area.code, "as_of": as_of.isoformat()}, task=monitoring_scan_task)
    return job, True
