"""Pairing projects (issue 6): a project's lifecycle, its outputs and its beneficiary households.

Writes need CHANGE scope on either side of the partnership (see ``services.require_side``); each runs in one
transaction and writes an audit row.  The status moves only to the next one in ``PROJECT_ORDER``; a project is
completed only once it has at least one output.  Beneficiary households live in the partnership's western area.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from jingzhun.core.audit import audit, snapshot
from jingzhun.registry.models import Household

from .models import CENT, PROJECT_ORDER, Beneficiary, Partnership, Project, ProjectOutput, ProjectStatus
from .services import _decimal, require_side

PROJECT_FIELDS = ["partnership", "name", "code", "status", "budget", "village", "start_date", "end_date"]


def _money(value, field: str, *, null: bool = False):
    if value is None and null:
        return None
    number = _decimal(value, field)
    if number < 0:
        raise ValidationError({field: _("The amount cannot be negative.")})
    if number != number.quantize(CENT):
        raise ValidationError({field: _("The amount has at most two decimal places.")})
    return number.quantize(CENT)


@transaction.atomic
def project_create(*, actor, partnership: Partnership, name: str, code: str, budget, village,
                   start_date: dt.date | None = None, end_date: dt.date | None = None) -> Project:
    require_side(actor, partnership)
    project = Project(partnership=partnership, name=name.strip(), code=code.strip(), budget=_money(budget, "budget"), village=village,
                      start_date=start_date, end_date=end_date, status=ProjectStatus.LIBRARY)
    project.full_clean()
    project.save()
    audit(actor=actor, action="pairing.project_create", obj=project, area_code=project.village_id, changes=snapshot(project, PROJECT_FIELDS))
    return project


@transaction.atomic
def project_advance(*, actor, project: Project, to: str) -> Project:
    """Move the project to the next status (no skipping, no going back)."""
    project = Project.objects.select_for_update().select_related("partnership").get(pk=project.pk)
    require_side(actor, project.partnership)
    if to not in PROJECT_ORDER:
        raise ValidationError({"status": _("Unknown project status.")})
    current = PROJECT_ORDER.index(project.status)
    if PROJECT_ORDER.index(to) != current + 1:
        raise ValidationError({"status": _("A project moves from %(current)s only to the next status.") % {"current": project.get_status_display()}})
    if to == ProjectStatus.COMPLETED and not project.outputs.exists():
        raise ValidationError({"status": ValidationError(_("A project cannot be completed without outputs."), code="completed_without_outputs")})
    before = project.status
    project.status = to
    project.save(update_fields=["status"])
    audit(actor=actor, action="pairing.project_advance", obj=project, area_code=project.village_id, changes={"status": [before, to]})
    return project


@transaction.atomic
def output_add(*, actor, project: Project, kind: str, count) -> ProjectOutput:
    project = Project.objects.select_related("partnership").get(pk=project.pk)
    require_side(actor, project.partnership)
    number = _decimal(count, "count")
    if number <= 0:
        raise ValidationError({"count": _("The count must be positive.")})
    output = ProjectOutput(project=project, kind=kind, count=number)
    output.full_clean()
    output.save()
    audit(actor=actor, action="pairing.output_add", obj=output, area_code=project.village_id, changes=snapshot(output, ["project", "kind", "count"]))
    return output


@transaction.atomic
def beneficiary_add(*, actor, project: Project, household: Household, benefit: str, amount=None) -> Beneficiary:
    project = Project.objects.select_related("partnership__west_area").get(pk=project.pk)
    require_side(actor, project.partnership)
    if not household.area_id.startswith(project.partnership.west_area.prefix):
        raise ValidationError({"household": _("The household does not live in the partnership's western area.")})
    if Beneficiary.objects.filter(project=project, household=household).exists():
        raise ValidationError({"household": _("The household is already a beneficiary of this project.")})
    row = Beneficiary(project=project, household=household, benefit=benefit, amount=_money(amount, "amount", null=True))
    row.full_clean(validate_unique=False)
    row.save()
    audit(actor=actor, action="pairing.beneficiary_add", obj=row, area_code=household.area_id,
          changes=snapshot(row, ["project", "household", "benefit", "amount"]))
    return row


def beneficiaries_count(*, partnership: Partnership | None = None, projects: Iterable[Project] | None = None) -> dict[str, int]:
    """{"households": n, "persons": m}: each household counted once however many projects it benefits from;
    persons are the households' current sizes.  `projects`: Project objects, ids or a queryset.  One query."""
    rows = Beneficiary.objects.all()
    if partnership is not None:
        rows = rows.filter(project__partnership=partnership)
    if projects is not None:
        rows = rows.filter(project__in=projects)
    agg = Household.objects.filter(pk__in=rows.values("household_id")).aggregate(n=Count("pk"), persons=Sum("size"))
    return {"households": agg["n"], "persons": agg["persons"] or 0}
