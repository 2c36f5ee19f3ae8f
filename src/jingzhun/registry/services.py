"""Writes to the register. Every function takes the acting user, validates, writes and audits in one transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.areas.models import Area, Level
from jingzhun.core.audit import audit, diff, snapshot
from jingzhun.core.scoping import UNMASK, require_scope
from jingzhun.policy.selectors import excluded_income_components

from . import choices as c
from .identity import InvalidResidentId, parse_resident_id
from .income import COMPONENTS, compute_income
from .models import Household, IncomeRecord, Membership, Person, StatusChange
from .names import name_pinyin

PERSON_FIELDS = [
    "name", "id_number", "sex", "birth_date", "ethnicity", "education", "student_status", "health",
    "labour_ability", "work_status", "months_away", "medical_insurance", "serious_illness_insurance",
    "pension_insurance", "dibao", "tekun", "relation",
]
HOUSEHOLD_FIELDS = [
    "identification_standard", "household_type", "main_cause", "secondary_cause_1", "secondary_cause_2",
    "address", "phone", "bank_account", "housing_area", "housing_structure", "housing_year_built",
    "housing_grade", "relocated", "has_electricity", "cooking_fuel", "water_source", "water_safe",
    "food_secure", "clothing_secure", "in_cooperative", "in_mutual_aid_fund", "in_industry",
]
AUDITED_HOUSEHOLD_FIELDS = ["area", "status", "head", "size", "registered_year", "exited_year", *HOUSEHOLD_FIELDS]
AUDITED_PERSON_FIELDS = ["household", "area", "death_date", *PERSON_FIELDS]


# --- checks -------------------------------------------------------------------------------------


def _village(area: Area | str) -> Area:
    area = area if isinstance(area, Area) else Area.objects.filter(code=str(area)).first()
    if area is None or area.level != Level.VILLAGE:
        raise ValidationError({"area": _("Choose a village.")})
    return area


def _identity_error(exc: InvalidResidentId) -> str:
    messages = {
        "length": _("The identity number must have 18 characters (or 15 for an old number)."),
        "format": _("The identity number may contain only digits and a final X."),
        "date": _("The birth date in the identity number does not exist or lies in the future."),
        "checksum": _("The check character of the identity number is wrong: check for a mistyped digit."),
        "area": _("The first six digits of the identity number are not a known area code."),
    }
    return messages[exc.reason]


def clean_person(data: dict[str, Any], *, exclude_pk: int | None = None, actor=None) -> dict[str, Any]:
    """Validate one person's data: identity number rules, agreement of sex and birth date, uniqueness.

    Returns the cleaned data (normalised number; sex and birth date filled from the number when absent).
    Raises ValidationError with field-level messages.
    """
    errors: dict[str, list[str]] = {}
    data = dict(data)
    name = (data.get("name") or "").strip()
    if not name:
        errors.setdefault("name", []).append(_("Enter the person's name."))
    data["name"] = name
    try:
        rid = parse_resident_id(str(data.get("id_number") or ""))
    except InvalidResidentId as exc:
        errors.setdefault("id_number", []).append(_identity_error(exc))
        raise ValidationError(errors) from None
    data["id_number"] = rid.number
    if data.get("sex") and data["sex"] != rid.sex:
        errors.setdefault("sex", []).append(_("The sex does not agree with the identity number."))
    data["sex"] = data.get("sex") or rid.sex
    if data.get("birth_date") and data["birth_date"] != rid.birth_date:
        errors.setdefault("birth_date", []).append(
            _("The birth date does not agree with the identity number (%(date)s).") % {"date": rid.birth_date.isoformat()}
        )
    data["birth_date"] = data.get("birth_date") or rid.birth_date
    if not errors:
        holder = Person.objects.filter(id_number=rid.number, death_date__isnull=True).exclude(pk=exclude_pk).select_related("household").first()
        if holder is not None:
            errors["id_number"] = [_duplicate_message(holder, actor)]
    if errors:
        raise ValidationError(errors)
    return data


def _duplicate_message(holder: Person, actor) -> str:
    visible = actor is None or Person.objects.visible_to(actor).filter(pk=holder.pk).exists()
    if visible and holder.household is not None:
        return _("This identity number is already registered to %(name)s in household %(number)s.") % {
            "name": holder.name, "number": holder.household.number}
    return _("This identity number is already registered in another area.")


# --- households -----------------------------------------------------------------------------------


def _next_household_number(area: Area) -> str:
    Area.objects.select_for_update().filter(code=area.code).first()  # serialise numbering per village
    last = Household.objects.filter(number__startswith=area.code).order_by("-number").values_list("number", flat=True).first()
    serial = int(last[12:]) + 1 if last else 1
    return f"{area.code}{serial:04d}"


def _new_person(household: Household, data: dict, *, relation: str) -> Person:
    full, initials = name_pinyin(data["name"])
    fields = {k: v for k, v in data.items() if k in PERSON_FIELDS and k != "relation"}
    person = Person(household=household, area_id=household.area_id, relation=relation,
                    name_pinyin=full, name_initials=initials, **fields)
    person.full_clean(exclude=["household", "area"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        # Lost a race with a concurrent registration of the same number; anything else is a real error.
        if Person.objects.filter(id_number=person.id_number, death_date__isnull=True).exists():
            raise ValidationError({"id_number": [_("This identity number is already registered in another area.")]}) from None
        raise
    return person


@transaction.atomic
def household_register(
    *,
    actor,
    area: Area | str,
    head: dict[str, Any],
    members: list[dict[str, Any]] = (),
    status: str = c.PovertyStatus.POOR,
    registered_year: int | None = None,
    date: dt.date | None = None,
    **fields: Any,
) -> Household:
    """Register a household with its head and members (each member dict carries `relation`)."""
    village = _village(area)
    require_scope(actor, village.code)
    date = date or timezone.localdate()
    unknown = set(fields) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise ValidationError({k: _("Unknown field.") for k in unknown})
    errors: dict[str, Any] = {}
    cleaned = []
    seen: dict[str, int] = {}
    for i, data in enumerate([head, *members]):
        prefix = "head" if i == 0 else f"members.{i - 1}"
        try:
            row = clean_person(data, actor=actor)
        except ValidationError as exc:
            errors.update({f"{prefix}.{k}": v for k, v in exc.message_dict.items()})
            continue
        if row["id_number"] in seen:
            errors[f"{prefix}.id_number"] = [_("The same identity number appears twice in this household.")]
        seen[row["id_number"]] = i
        if i > 0 and row.get("relation") in (None, "", c.Relation.HEAD):
            errors[f"{prefix}.relation"] = [_("Give each member's relation to the head (only one head).")]
        cleaned.append(row)
    if errors:
        raise ValidationError(errors)
    _check_causes(fields)
    household = Household(area=village, number=_next_household_number(village), status=status,
                          registered_year=registered_year if status != c.PovertyStatus.NOT_REGISTERED else None,
                          head_name=cleaned[0]["name"], **fields)
    household.full_clean(exclude=["head"])
    household.save()
    people = [_new_person(household, cleaned[0], relation=c.Relation.HEAD)]
    people += [_new_person(household, row, relation=row["relation"]) for row in cleaned[1:]]
    Membership.objects.bulk_create(
        Membership(person=p, household=household, relation=p.relation, start_date=date,
                   start_reason=c.MembershipChange.REGISTRATION) for p in people
    )
    household.head, household.size = people[0], len(people)
    household.save(update_fields=["head", "size"])
    if status != c.PovertyStatus.NOT_REGISTERED:
        StatusChange.objects.create(household=household, from_status=c.PovertyStatus.NOT_REGISTERED, to_status=status,
                                    effective_date=date, procedure="registration", actor=actor if getattr(actor, "pk", None) else None)
    audit(actor=actor, action="household.register", obj=household,
          changes={**diff({}, snapshot(household, AUDITED_HOUSEHOLD_FIELDS)), "members": [None, len(people)]})
    return household


@transaction.atomic
def household_update(*, actor, household: Household, **fields: Any) -> Household:
    household = Household.objects.select_for_update().get(pk=household.pk)
    require_scope(actor, household.area_id)
    unknown = set(fields) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise ValidationError({k: _("This field cannot be changed here.") for k in unknown})
    before = snapshot(household, AUDITED_HOUSEHOLD_FIELDS)
    for k, v in fields.items():
        setattr(household, k, v)
    _check_causes({k: getattr(household, k) for k in ("main_cause", "secondary_cause_1", "secondary_cause_2")})
    household.full_clean(exclude=["head"])
    household.save()
    changes = diff(before, snapshot(household, AUDITED_HOUSEHOLD_FIELDS))
    if changes:
        audit(actor=actor, action="household.update", obj=household, changes=changes)
    return household


@transaction.atomic
def household_set_status(*, actor, household: Household, status: str, date: dt.date, procedure: str) -> Household:
    """Change the poverty status and record it in the status history (used by the procedures)."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    require_scope(actor, household.area_id)
    if status not in c.PovertyStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if status == household.status:
        raise ValidationError({"status": _("The household already has this status.")})
    before = snapshot(household, ["status", "registered_year", "exited_year"])
    StatusChange.objects.create(household=household, from_status=household.status, to_status=status,
                                effective_date=date, procedure=procedure, actor=actor if getattr(actor, "pk", None) else None)
    household.status = status
    if status == c.PovertyStatus.POOR and household.registered_year is None:
        household.registered_year = date.year
    if status == c.PovertyStatus.EXITED:
        household.exited_year = date.year
    household.save(update_fields=["status", "registered_year", "exited_year", "updated_at"])
    audit(actor=actor, action="household.status", obj=household,
          changes={**diff(before, snapshot(household, ["status", "registered_year", "exited_year"])), "procedure": [None, procedure]})
    return household


def _check_causes(fields: dict[str, Any]) -> None:
    """One main cause and at most two different secondary causes."""
    main, first, second = (fields.get(k) or "" for k in ("main_cause", "secondary_cause_1", "secondary_cause_2"))
    errors = {}
    if first and first == main:
        errors["secondary_cause_1"] = [_("A secondary cause must differ from the main cause.")]
    if second and second in (main, first):
        errors["secondary_cause_2"] = [_("The second secondary cause must differ from the other causes.")]
    if second and not first:
        errors["secondary_cause_2"] = [_("Fill in the first secondary cause before the second.")]
    if errors:
        raise ValidationError(errors)


def _refresh_size(household: Household) -> None:
    size = Membership.objects.filter(household=household, end_date__isnull=True).count()
    Household.objects.filter(pk=household.pk).update(size=size)
    household.size = size


# --- members --------------------------------------------------------------------------------------


@transaction.atomic
def person_add(*, actor, household: Household, data: dict[str, Any], relation: str, date: dt.date,
               reason: str = c.MembershipChange.BIRTH) -> Person:
    """Add a new person (birth, marriage into the household, ...) to a household."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    require_scope(actor, household.area_id)
    if relation == c.Relation.HEAD:
        raise ValidationError({"relation": _("Use 'change head' to make a member the head.")})
    cleaned = clean_person(data, actor=actor)
    person = _new_person(household, cleaned, relation=relation)
    Membership.objects.create(person=person, household=household, relation=relation, start_date=date, start_reason=reason)
    _refresh_size(household)
    audit(actor=actor, action="person.add", obj=person,
          changes={**diff({}, snapshot(person, AUDITED_PERSON_FIELDS)), "reason": [None, reason]})
    return person


def _close_membership(person: Person, date: dt.date, reason: str) -> Membership | None:
    membership = Membership.objects.select_for_update().filter(person=person, end_date__isnull=True).first()
    if membership is not None:
        if date < membership.start_date:
            raise ValidationError({"date": _("The date is before the person joined the household.")})
        membership.end_date, membership.end_reason = date, reason
        membership.save(update_fields=["end_date", "end_reason"])
    return membership


@transaction.atomic
def person_move(*, actor, person: Person, to_household: Household, relation: str, date: dt.date,
                reason: str = c.MembershipChange.MARRIAGE) -> Person:
    """Move a person to another household (marriage, split, move). Both households must be in scope."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    to_household = Household.objects.select_for_update().get(pk=to_household.pk)
    if person.death_date:
        raise ValidationError({"person": _("A deceased person cannot move.")})
    if person.household_id == to_household.pk:
        raise ValidationError({"household": _("The person is already a member of this household.")})
    if relation == c.Relation.HEAD:
        raise ValidationError({"relation": _("Use 'change head' to make a member the head.")})
    require_scope(actor, to_household.area_id)
    if person.household_id:
        require_scope(actor, person.area_id)
        if person.household.head_id == person.pk and person.household.size > 1:
            raise ValidationError({"person": _("Choose a new head before the head leaves the household.")})
    before = snapshot(person, AUDITED_PERSON_FIELDS)
    old = person.household
    _close_membership(person, date, reason)
    Membership.objects.create(person=person, household=to_household, relation=relation, start_date=date, start_reason=reason)
    person.household, person.area_id, person.relation = to_household, to_household.area_id, relation
    person.save(update_fields=["household", "area", "relation", "updated_at"])
    for h in filter(None, [old, to_household]):
        _refresh_size(h)
    audit(actor=actor, action="person.move", obj=person, changes={**diff(before, snapshot(person, AUDITED_PERSON_FIELDS)), "reason": [None, reason]})
    return person


@transaction.atomic
def person_remove(*, actor, person: Person, date: dt.date, reason: str = c.MembershipChange.MOVE) -> Person:
    """End the person's membership (moved out of the registered population, correction)."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    household = person.household
    if household is None:
        raise ValidationError({"person": _("The person belongs to no household.")})
    require_scope(actor, person.area_id)
    if household.head_id == person.pk and household.size > 1:
        raise ValidationError({"person": _("Choose a new head before the head leaves the household.")})
    before = snapshot(person, AUDITED_PERSON_FIELDS)
    _close_membership(person, date, reason)
    person.household = None
    person.save(update_fields=["household", "updated_at"])
    _refresh_size(household)
    audit(actor=actor, action="person.remove", obj=person, changes={**diff(before, snapshot(person, AUDITED_PERSON_FIELDS)), "reason": [None, reason]})
    return person


@transaction.atomic
def person_record_death(*, actor, person: Person, death_date: dt.date) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    require_scope(actor, person.area_id)
    if person.death_date:
        raise ValidationError({"death_date": _("The death is already recorded.")})
    if death_date > timezone.localdate() or death_date < person.birth_date:
        raise ValidationError({"death_date": _("The date of death must lie between birth and today.")})
    household = person.household
    if household is not None and household.head_id == person.pk and household.size > 1:
        raise ValidationError({"person": _("Choose a new head before recording the head's death.")})
    before = snapshot(person, AUDITED_PERSON_FIELDS)
    _close_membership(person, death_date, c.MembershipChange.DEATH)
    person.death_date, person.household = death_date, None
    person.save(update_fields=["death_date", "household", "updated_at"])
    if household is not None:
        _refresh_size(household)
    audit(actor=actor, action="person.death", obj=person, changes=diff(before, snapshot(person, AUDITED_PERSON_FIELDS)))
    return person


@transaction.atomic
def household_change_head(*, actor, household: Household, new_head: Person, date: dt.date) -> Household:
    household = Household.objects.select_for_update().get(pk=household.pk)
    require_scope(actor, household.area_id)
    if new_head.household_id != household.pk or new_head.death_date:
        raise ValidationError({"head": _("The new head must be a living member of the household.")})
    if household.head_id == new_head.pk:
        raise ValidationError({"head": _("This person is already the head.")})
    old_head = household.head
    for person, relation in ((old_head, c.Relation.OTHER), (new_head, c.Relation.HEAD)):
        if person is None or person.household_id != household.pk:
            continue
        _close_membership(person, date, c.MembershipChange.CORRECTION)
        Membership.objects.create(person=person, household=household, relation=relation, start_date=date,
                                  start_reason=c.MembershipChange.CORRECTION)
        Person.objects.filter(pk=person.pk).update(relation=relation)
    before = {"head": old_head.pk if old_head else None, "head_name": household.head_name}
    household.head, household.head_name = new_head, new_head.name
    household.save(update_fields=["head", "head_name", "updated_at"])
    audit(actor=actor, action="household.change_head", obj=household,
          changes=diff(before, {"head": new_head.pk, "head_name": new_head.name}))
    return household


@transaction.atomic
def person_update(*, actor, person: Person, **fields: Any) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    require_scope(actor, person.area_id)
    unknown = set(fields) - set(PERSON_FIELDS) | ({"relation"} & set(fields))
    if unknown:
        raise ValidationError({k: _("This field cannot be changed here.") for k in unknown})
    before = snapshot(person, AUDITED_PERSON_FIELDS)
    data = {**{k: getattr(person, k) for k in PERSON_FIELDS}, **fields}
    cleaned = clean_person(data, exclude_pk=person.pk, actor=actor)
    for k in fields:
        setattr(person, k, cleaned[k])
    person.name_pinyin, person.name_initials = name_pinyin(person.name)
    person.full_clean(exclude=["household", "area"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise ValidationError({"id_number": [_("This identity number is already registered in another area.")]}) from None
    if person.household and person.household.head_id == person.pk and "name" in fields:
        Household.objects.filter(pk=person.household_id).update(head_name=person.name)
    changes = diff(before, snapshot(person, AUDITED_PERSON_FIELDS))
    if changes:
        audit(actor=actor, action="person.update", obj=person, changes=changes)
    return person


def person_reveal_id(*, actor, person: Person) -> str:
    """The full identity number, for a user allowed to unmask in the person's area; the read is audited."""
    require_scope(actor, person.area_id, UNMASK)
    with transaction.atomic():
        audit(actor=actor, action="person.reveal_id", obj=person)
    return person.id_number


# --- incomes --------------------------------------------------------------------------------------


@transaction.atomic
def income_set(*, actor, household: Household, year: int, production_costs: Decimal | int | str = 0,
               members: int | None = None, **components: Decimal | int | str) -> IncomeRecord:
    """Create or replace the household's income record for `year`; totals by `compute_income`."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    require_scope(actor, household.area_id)
    errors = {}
    unknown = set(components) - set(COMPONENTS)
    if unknown:
        raise ValidationError({k: _("Unknown income component.") for k in unknown})
    this_year = timezone.localdate().year
    if not 2000 <= int(year) <= this_year:
        errors["year"] = [_("The year must lie between 2000 and %(year)s.") % {"year": this_year}]
    values = {}
    for k in (*COMPONENTS, "production_costs"):
        raw = production_costs if k == "production_costs" else components.get(k, 0)
        try:
            value = Decimal(str(raw if raw not in (None, "") else 0))
        except ArithmeticError:
            errors[k] = [_("Enter an amount in yuan.")]
            continue
        if not value.is_finite() or value < 0 or value >= Decimal("1e10"):
            errors[k] = [_("Enter an amount between 0 and 9,999,999,999 yuan.")]
        values[k] = value
    members = members if members is not None else household.size
    if not members or members < 1:
        errors["members"] = [_("The household size must be at least 1.")]
    if errors:
        raise ValidationError(errors)
    totals = compute_income({k: values[k] for k in COMPONENTS}, production_costs=values["production_costs"], members=members,
                            excluded=excluded_income_components(int(year), household.area_id))
    record = IncomeRecord.objects.filter(household=household, year=year).first()
    fields = [*COMPONENTS, "production_costs", "members", "gross", "net", "per_capita"]
    before = snapshot(record, fields) if record else {}
    record = record or IncomeRecord(household=household, year=year)
    for k, v in values.items():
        setattr(record, k, v)
    record.members, record.gross, record.net, record.per_capita = members, totals.gross, totals.net, totals.per_capita
    record.save()
    audit(actor=actor, action="income.set", obj=record, area_code=household.area_id,
          changes={**diff(before, snapshot(record, fields)), "year": [None, int(year)]})
    return record
