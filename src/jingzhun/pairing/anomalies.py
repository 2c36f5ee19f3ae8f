"""Anomaly checks over the pairing ledgers of a set of partnerships.

Each check is one or two set-based queries and has a stable code (for filters, tests and the API):

- ``disbursed_above_allocated``: for one partnership, source and project (or no project), the net disbursed total
  exceeds the net allocated total (the services refuse it; rows entered outside them can break it);
- ``beneficiary_outside_area``: a beneficiary household whose village is not in the partnership's western area;
- ``household_counted_twice``: a household listed as beneficiary in more than one project of the set, so a total that
  adds the projects' counts counts it more than once (``detail["projects"]`` lists them);
- ``completed_without_outputs``: a project completed or accepted without any output;
- ``person_outside_area``: a trainee or placed worker link to a person whose village is outside the western area;
- ``poor_employed_above_jobs``: an enterprise investment employing more registered poor than the jobs it created
  (the database refuses it today; kept for rows loaded before the constraint or with it disabled);
- ``links_above_count``: a training session or labour transfer with more linked persons than its stated total.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q
from django.utils.translation import gettext as _

from jingzhun.core.scoping import code_prefix

from .models import (
    Beneficiary,
    EnterpriseInvestment,
    FundEntry,
    FundKind,
    LabourTransfer,
    Partnership,
    PlacedWorker,
    Project,
    ProjectStatus,
    Trainee,
    TrainingSession,
    money_by,
)
from .rollups import partnership_ids

CODES = ["disbursed_above_allocated", "beneficiary_outside_area", "household_counted_twice", "completed_without_outputs",
         "person_outside_area", "poor_employed_above_jobs", "links_above_count"]


@dataclass
class Anomaly:
    code: str
    partnership_id: int | None
    object_label: str
    object_id: int | None
    message: str
    detail: dict[str, Any] = field(default_factory=dict)


def _outside(ids: list[int], partnership_path: str, area_path: str) -> Q:
    """Rows of the partnerships whose `area_path` code lies outside their partnership's western area (one prefix
    condition per distinct western area, not per row)."""
    by_prefix: dict[str, list[int]] = defaultdict(list)
    for pk, code, level in Partnership.objects.filter(pk__in=ids).values_list("pk", "west_area_id", "west_area__level"):
        by_prefix[code_prefix(code, level)].append(pk)
    condition = Q(pk__in=[])
    for prefix, pks in by_prefix.items():
        condition |= Q(**{f"{partnership_path}__in": pks}) & ~Q(**{f"{area_path}__startswith": prefix})
    return condition


def disbursed_above_allocated(ids: list[int]) -> list[Anomaly]:
    totals = money_by(FundEntry.objects.filter(partnership_id__in=ids, kind__in=[FundKind.ALLOCATED, FundKind.DISBURSED]),
                      ["partnership_id", "source", "project_id", "kind"])
    groups: dict[tuple, dict[str, Any]] = defaultdict(dict)
    for (pid, source, project_id, kind), total in totals.items():
        groups[(pid, source, project_id)][kind] = total
    bad = []
    for (pid, source, project_id), kinds in groups.items():
        allocated, disbursed = kinds.get(FundKind.ALLOCATED, 0), kinds.get(FundKind.DISBURSED, 0)
        if disbursed > allocated:
            bad.append((pid, source, project_id, allocated, disbursed))
    labels = {p.pk: str(p) for p in Project.objects.filter(pk__in=[b[2] for b in bad if b[2]])}
    out = []
    for pid, source, project_id, allocated, disbursed in sorted(bad, key=lambda b: (b[0], b[1], b[2] or 0)):
        label = labels.get(project_id) or _("funds not tied to a project")
        out.append(Anomaly("disbursed_above_allocated", pid, label, project_id,
                           _("%(object)s: %(source)s disbursed %(disbursed)s exceeds allocated %(allocated)s.")
                           % {"object": label, "source": source, "disbursed": disbursed, "allocated": allocated},
                           {"source": source, "allocated": allocated, "disbursed": disbursed, "excess": disbursed - allocated}))
    return out


def beneficiary_outside_area(ids: list[int]) -> list[Anomaly]:
    rows = (Beneficiary.objects.filter(_outside(ids, "project__partnership_id", "household__area__code"))
            .select_related("project", "household").order_by("project__partnership_id", "project__code", "household__number"))
    return [Anomaly("beneficiary_outside_area", b.project.partnership_id, str(b.household), b.household_id,
                    _("Household %(household)s (village %(village)s) benefits from project %(project)s outside the paired western area.")
                    % {"household": b.household.number, "village": b.household.area_id, "project": b.project.code},
                    {"project_id": b.project_id, "village": b.household.area_id}) for b in rows]


def household_counted_twice(ids: list[int]) -> list[Anomaly]:
    rows = Beneficiary.objects.filter(project__partnership_id__in=ids)
    twice = rows.order_by().values("household_id").annotate(n=Count("project_id", distinct=True)).filter(n__gt=1).values("household_id")
    projects: dict[int, list] = defaultdict(list)
    labels = {}
    for household_id, number, project_id, code, pid in rows.filter(household_id__in=twice).order_by("household__number", "project__code").values_list(
            "household_id", "household__number", "project_id", "project__code", "project__partnership_id"):
        projects[household_id].append({"project_id": project_id, "code": code, "partnership_id": pid})
        labels[household_id] = number
    out = []
    for household_id, listed in projects.items():
        pids = sorted({p["partnership_id"] for p in listed})
        out.append(Anomaly("household_counted_twice", pids[0] if len(pids) == 1 else None, labels[household_id], household_id,
                           _("Household %(household)s is a beneficiary of %(n)d projects (%(codes)s): count it once in a total.")
                           % {"household": labels[household_id], "n": len(listed), "codes": ", ".join(p["code"] for p in listed)},
                           {"projects": listed, "extra": len(listed) - 1}))
    return out


def completed_without_outputs(ids: list[int]) -> list[Anomaly]:
    rows = (Project.objects.filter(partnership_id__in=ids, status__in=[ProjectStatus.COMPLETED, ProjectStatus.ACCEPTED], outputs__isnull=True)
            .order_by("partnership_id", "code"))
    return [Anomaly("completed_without_outputs", p.partnership_id, str(p), p.pk,
                    _("Project %(project)s is %(status)s but has no recorded output.") % {"project": p.code, "status": p.get_status_display()},
                    {"status": p.status}) for p in rows]


def person_outside_area(ids: list[int]) -> list[Anomaly]:
    out = []
    for model, record, label in ((Trainee, "session", _("training session")), (PlacedWorker, "transfer", _("labour transfer"))):
        rows = (model.objects.filter(_outside(ids, f"{record}__partnership_id", "person__area__code"))
                .select_related("person", record).order_by(f"{record}__partnership_id", f"{record}_id", "person_id"))
        for link in rows:
            parent = getattr(link, record)
            out.append(Anomaly("person_outside_area", parent.partnership_id, link.person.name, link.person_id,
                               _("%(person)s (village %(village)s), linked to the %(record)s %(name)s, lives outside the paired western area.")
                               % {"person": link.person.name, "village": link.person.area_id, "record": label, "name": parent},
                               {"record": record, "record_id": parent.pk, "village": link.person.area_id}))
    return out


def poor_employed_above_jobs(ids: list[int]) -> list[Anomaly]:
    rows = EnterpriseInvestment.objects.filter(partnership_id__in=ids, poor_employed__gt=F("jobs")).order_by("partnership_id", "date", "id")
    return [Anomaly("poor_employed_above_jobs", r.partnership_id, str(r), r.pk,
                    _("%(enterprise)s reports %(poor)d registered poor employed but only %(jobs)d jobs created.")
                    % {"enterprise": r.enterprise, "poor": r.poor_employed, "jobs": r.jobs},
                    {"uscc": r.uscc, "jobs": r.jobs, "poor_employed": r.poor_employed}) for r in rows]


def links_above_count(ids: list[int]) -> list[Anomaly]:
    out = []
    for model, links, total in ((TrainingSession, "trainee_links", "trainees"), (LabourTransfer, "worker_links", "workers")):
        rows = model.objects.filter(partnership_id__in=ids).annotate(linked=Count(links)).filter(linked__gt=F(total)).order_by("partnership_id", "date", "id")
        for r in rows:
            stated = getattr(r, total)
            out.append(Anomaly("links_above_count", r.partnership_id, str(r), r.pk,
                               _("%(record)s links %(linked)d persons but states a total of %(total)d.") % {"record": r, "linked": r.linked, "total": stated},
                               {"model": model._meta.model_name, "linked": r.linked, "total": stated}))
    return out


CHECKS = [disbursed_above_allocated, beneficiary_outside_area, household_counted_twice, completed_without_outputs, person_outside_area,
          poor_employed_above_jobs, links_above_count]


def find_anomalies(*, partnerships) -> list[Anomaly]:
    """Every anomaly of the partnerships (a queryset or ids), check by check in the order of ``CODES``."""
    ids = partnership_ids(partnerships)
    if not ids:
        return []
    out: list[Anomaly] = []
    for check in CHECKS:
        out.extend(check(ids))
    return out
