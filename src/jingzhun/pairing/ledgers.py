"""Write actions on the pairing ledgers other than funds and projects (issue 6).

``LEDGERS`` describes each ledger (model, editable fields in form and import-column order, label, link model);
``ledger_create`` / ``ledger_update`` / ``ledger_delete`` write one record, ``people_link`` / ``people_unlink`` link
registered persons to a training session or a labour transfer.  Each write checks the actor's CHANGE scope on one
side of the partnership (``services.require_side``), validates, writes and audits in one transaction.

Values may be typed (dates, Decimals, ints, bools, model instances) or strings from a form or a CSV file:
dates ``YYYY-MM-DD`` or ``YYYY/MM/DD``; decimals; integers; booleans 是/否, yes/no, true/false, 1/0; areas by
their 12-digit code; persons by primary key or identity number (a living person).  Choices accept the stored
value or the label in English or Chinese.  Errors are a ``ValidationError`` with a dict of field -> messages.

``registered`` on a link (and on a vocational student with a person) is computed from the status history: the
person's household on the record's date (the membership current that day) had status poor, returned or exited
on that date.  It is computed when the link is written and when the record's date changes.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhun.areas.models import Area
from jingzhun.core.audit import audit, diff, snapshot
from jingzhun.registry import choices as rc
from jingzhun.registry.identity import mask
from jingzhun.registry.models import Household, Membership, Person

from .models import (
    CENT,
    EnterpriseInvestment,
    LabourTransfer,
    Partnership,
    PlacedWorker,
    Purchase,
    Secondment,
    Trainee,
    TrainingSession,
    VocationalStudent,
)
from .services import require_side

REGISTERED_EVER = (rc.PovertyStatus.POOR, rc.PovertyStatus.RETURNED, rc.PovertyStatus.EXITED)


@dataclass(frozen=True)
class LedgerSpec:
    key: str
    model: type[models.Model]
    fields: tuple[str, ...]
    label: Any
    link_model: type[models.Model] | None = None

    @property
    def link_field(self) -> str | None:
        """The link model's foreign key to the record ("session" / "transfer")."""
        return {Trainee: "session", PlacedWorker: "transfer"}.get(self.link_model)

    @property
    def count_field(self) -> str | None:
        """The record's count that bounds the number of links ("trainees" / "workers")."""
        return {Trainee: "trainees", PlacedWorker: "workers"}.get(self.link_model)


LEDGERS: dict[str, LedgerSpec] = {
    "secondments": LedgerSpec("secondments", Secondment,
                              ("date", "end_date", "person_name", "kind", "specialty", "direction", "home_unit", "post", "note"),
                              gettext_lazy("Secondments")),
    "training": LedgerSpec("training", TrainingSession,
                           ("date", "end_date", "title", "kind", "organiser", "location", "trainees", "note"),
                           gettext_lazy("Training sessions"), Trainee),
    "labour": LedgerSpec("labour", LabourTransfer,
                         ("date", "workers", "destination_area", "destination", "employer", "employer_uscc", "transport", "note"),
                         gettext_lazy("Labour transfers"), PlacedWorker),
    "students": LedgerSpec("students", VocationalStudent,
                           ("date", "name", "person", "school", "major", "end_date", "employed", "note"),
                           gettext_lazy("Vocational students")),
    "investments": LedgerSpec("investments", EnterpriseInvestment,
                              ("date", "enterprise", "uscc", "area", "sector", "amount", "jobs", "poor_employed", "note"),
                              gettext_lazy("Enterprise investments")),
    "purchases": LedgerSpec("purchases", Purchase,
                            ("date", "buyer", "buyer_area", "product", "product_code", "channel", "amount", "note"),
                            gettext_lazy("Purchases")),
}

SPEC_OF_MODEL = {spec.model: spec for spec in LEDGERS.values()}


def spec_for(record: models.Model) -> LedgerSpec:
    return SPEC_OF_MODEL[type(record)]


# ---------------------------------------------------------------------------------------------------------------
# Parsing values from forms and files

_TRUE = {"是", "yes", "y", "true", "t", "1", "对", "√"}
_FALSE = {"否", "no", "n", "false", "f", "0", "不是", "×"}
_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?$")
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}


def _text(value: Any) -> str:
    return str(value).translate(_FULLWIDTH).replace("\u3000", " ").strip()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = _DATE.match(_text(value))
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    raise ValidationError(_("Enter a date as YYYY-MM-DD."))


def parse_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValidationError(_("Enter a whole number."))
    if isinstance(value, int):
        return value
    try:
        number = Decimal(_text(value).replace(",", ""))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number != number.to_integral_value() or abs(number) >= 10**9:
        raise ValidationError(_("Enter a whole number."))
    return int(number)


def parse_decimal(value: Any) -> Decimal:
    """An exact Decimal (never through a float for text; a float is taken by its shortest text)."""
    if isinstance(value, bool):
        raise ValidationError(_("Enter a number."))
    text = repr(value) if isinstance(value, float) else _text(value).replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) >= Decimal("1E14"):
        raise ValidationError(_("Enter a number."))
    return number


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValidationError(_("Enter yes or no (是 or 否)."))


def parse_area(value: Any) -> Area:
    if isinstance(value, Area):
        return value
    code = _text(value)
    area = Area.objects.filter(code=code).first() if re.fullmatch(r"\d{12}", code) else None
    if area is None:
        raise ValidationError(_("Enter the 12-digit code of an existing area."))
    return area


def parse_person(value: Any) -> Person:
    """A person by primary key, or a living person by identity number."""
    if isinstance(value, Person):
        return value
    text = _text(value).upper()
    if re.fullmatch(r"\d{1,14}", text):  # identity numbers have 15 or 18 characters
        person = Person.objects.filter(pk=int(text)).first()
        if person is not None:
            return person
        raise ValidationError(_("There is no person with this number."))
    return person_by_id_number(text)


def person_by_id_number(text: str) -> Person:
    people = list(Person.objects.filter(id_number=text))
    living = [p for p in people if p.death_date is None]
    if living:
        return living[0]
    if people:
        raise ValidationError(_("The person with identity number %(id)s has died.") % {"id": mask(text)})
    raise ValidationError(_("There is no person with identity number %(id)s in the register.") % {"id": mask(text)})


@functools.cache
def _choice_lookup(field: models.Field) -> dict[str, str]:
    """Accepted spellings -> stored value: the value, and the label in English and in Chinese (case-insensitive)."""
    out = {}
    for value, label in field.choices:
        out[str(value).lower()] = value
        for lang in ("en", "zh-hans"):
            with translation.override(lang):
                out[str(label).strip().lower()] = value
    return out


def parse_choice(field: models.Field, value: Any) -> str:
    found = _choice_lookup(field).get(_text(value).lower())
    if found is None:
        allowed = ", ".join(f"{v} ({label})" for v, label in field.choices)
        raise ValidationError(_("Choose one of: %(allowed)s.") % {"allowed": allowed})
    return found


def parse_field(field: models.Field, value: Any) -> Any:
    """The typed value of a form or file value for a model field (None for a blank value)."""
    if _blank(value):
        if field.has_default():
            return field.get_default()
        if isinstance(field, (models.CharField, models.TextField)) and not field.null:
            return ""
        return None
    if isinstance(field, models.ForeignKey):
        target = field.related_model
        if target is Area:
            return parse_area(value)
        if target is Person:
            return parse_person(value)
        raise ValidationError(_("Unsupported reference."))
    if isinstance(field, models.DateField):
        return parse_date(value)
    if isinstance(field, models.BooleanField):
        return parse_bool(value)
    if isinstance(field, models.DecimalField):
        return parse_decimal(value)
    if isinstance(field, (models.IntegerField, models.PositiveIntegerField)):
        return parse_int(value)
    if field.choices:
        return parse_choice(field, value)
    return _text(value) if isinstance(value, str) else str(value)


# ---------------------------------------------------------------------------------------------------------------
# Validation


def _messages(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def assign(record: models.Model, fields: Iterable[str], data: Mapping[str, Any]) -> dict[str, list[str]]:
    """Parse the given values onto the record; returns {field: messages} for values that could not be parsed."""
    errors: dict[str, list[str]] = {}
    allowed = set(spec_for(record).fields)
    for name in fields:
        if name not in allowed:
            errors.setdefault(name, []).append(_("This field cannot be set here."))
            continue
        field = record._meta.get_field(name)
        try:
            value = parse_field(field, data[name])
        except ValidationError as exc:
            errors.setdefault(name, []).extend(_messages(exc))
            continue
        if isinstance(field, models.DecimalField) and value is not None:
            if value <= 0:
                errors[name] = [_("The amount must be positive.")]
            elif value != value.quantize(CENT):
                errors[name] = [_("The amount has at most two decimal places.")]
            else:
                value = value.quantize(CENT)
        setattr(record, name, value)
    return errors


def validate(record: models.Model, parse_errors: dict[str, list[str]] | None = None) -> None:
    """Run the model's field checks and ``clean()``; raise one ValidationError with every field's messages.

    Foreign keys were resolved on assignment and check constraints are restated as field rules in ``clean()``,
    so neither is queried again here; the students' unique constraint is checked explicitly."""
    errors = {k: list(v) for k, v in (parse_errors or {}).items()}
    fk_fields = [f.name for f in record._meta.concrete_fields if isinstance(f, models.ForeignKey)]
    try:
        record.full_clean(exclude=[*fk_fields, *errors], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            if name not in errors:
                errors[name] = messages
    spec = spec_for(record)
    for name in fk_fields:
        field = record._meta.get_field(name)
        if name in spec.fields and not field.null and getattr(record, field.attname) is None and name not in errors:
            errors[name] = [_("This field cannot be blank.")]
    if isinstance(record, VocationalStudent) and record.person_id and "person" not in errors:
        twin = VocationalStudent.objects.filter(partnership_id=record.partnership_id, person_id=record.person_id, school=record.school)
        if record.pk:
            twin = twin.exclude(pk=record.pk)
        if twin.exists():
            errors["person"] = [_("This person is already enrolled at this school under this partnership.")]
    if errors:
        raise ValidationError(errors)


def registered_on(person_ids: Iterable[int], on: dt.date) -> dict[int, bool]:
    """{person id: registered} for each person: their household (membership current on ``on``) had status poor,
    returned or exited on ``on`` according to the status history.  Two queries whatever the number of persons."""
    ids = list(set(person_ids))
    if not ids:
        return {}
    from jingzhun.procedures.selectors import status_on

    household_of = dict(
        Membership.objects.filter(person_id__in=ids, start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=on))
        .values_list("person_id", "household_id"))
    statuses = dict(status_on(Household.objects.filter(pk__in=set(household_of.values())), on).values_list("pk", "status_on"))
    return {pid: statuses.get(household_of.get(pid)) in REGISTERED_EVER for pid in ids}


def _student_registration(record: VocationalStudent) -> None:
    if record.person_id:
        if not record.name:
            record.name = record.person.name
        record.registered = registered_on([record.person_id], record.date).get(record.person_id, False) if record.date else False
    else:
        record.registered = False


def _audit_fields(spec: LedgerSpec) -> list[str]:
    extra = ["registered"] if spec.model is VocationalStudent else []
    return ["partnership", *spec.fields, *extra]


def _lock(partnership: Partnership) -> Partnership:
    return Partnership.objects.select_related("east_area", "west_area").select_for_update(of=("self",)).get(pk=partnership.pk)


def build(*, kind: str, partnership: Partnership, data: Mapping[str, Any], actor=None) -> models.Model:
    """An unsaved, validated record of the ledger (raises ValidationError with every field's messages)."""
    spec = LEDGERS.get(kind)
    if spec is None:
        raise ValidationError({"kind": _("Unknown ledger.")})
    record = spec.model(partnership=partnership, recorded_by=actor if getattr(actor, "pk", None) else None)
    errors = assign(record, data.keys(), data)
    if isinstance(record, VocationalStudent):
        _student_registration(record)
    validate(record, errors)
    return record


@transaction.atomic
def ledger_create(*, actor, kind: str, partnership: Partnership, data: Mapping[str, Any]) -> models.Model:
    partnership = _lock(partnership)
    require_side(actor, partnership)
    record = build(kind=kind, partnership=partnership, data=data, actor=actor)
    record.save()
    audit(actor=actor, action=f"pairing.{kind}_create", obj=record, area_code=partnership.west_area_id,
          changes=snapshot(record, _audit_fields(LEDGERS[kind])))
    return record


def _links(record: models.Model, spec: LedgerSpec) -> models.QuerySet:
    return spec.link_model.objects.filter(**{spec.link_field: record})


@transaction.atomic
def ledger_update(*, actor, record: models.Model, data: Mapping[str, Any]) -> models.Model:
    """Change the given fields of a record; links are re-evaluated when the date changes."""
    spec = spec_for(record)
    partnership = _lock(record.partnership)
    record = spec.model.objects.select_for_update().get(pk=record.pk)
    record.partnership = partnership
    require_side(actor, partnership)
    fields = _audit_fields(spec)
    before = snapshot(record, fields)
    errors = assign(record, data.keys(), data)
    if isinstance(record, VocationalStudent):
        _student_registration(record)
    if spec.link_model is not None and spec.count_field not in errors:
        linked = _links(record, spec).count()
        count = getattr(record, spec.count_field)
        if isinstance(count, int) and linked > count:
            errors[spec.count_field] = [_("%(linked)s persons are linked to this record: the number cannot be lower.") % {"linked": linked}]
    validate(record, errors)
    record.save()
    after = snapshot(record, fields)
    changes = diff(before, after)
    if spec.link_model is not None and "date" in changes:
        changes.update(_relink(record, spec))
    audit(actor=actor, action=f"pairing.{spec.key}_update", obj=record, area_code=partnership.west_area_id, changes=changes)
    return record


def _relink(record: models.Model, spec: LedgerSpec) -> dict:
    links = list(_links(record, spec))
    flags = registered_on([link.person_id for link in links], record.date)
    changed = [link for link in links if link.registered != flags[link.person_id]]
    for link in changed:
        link.registered = flags[link.person_id]
    spec.link_model.objects.bulk_update(changed, ["registered"])
    return {"registered_links": [None, sum(flags.values())]} if changed else {}


@transaction.atomic
def ledger_delete(*, actor, record: models.Model) -> None:
    spec = spec_for(record)
    partnership = _lock(record.partnership)
    record = spec.model.objects.get(pk=record.pk)
    require_side(actor, partnership)
    before = snapshot(record, _audit_fields(spec))
    if spec.link_model is not None:
        before["links"] = _links(record, spec).count()
    pk = record.pk
    record.delete()
    audit(actor=actor, action=f"pairing.{spec.key}_delete", object_type=record._meta.label_lower, object_id=str(pk),
          area_code=partnership.west_area_id, changes={k: [v, None] for k, v in before.items()})


def _link_errors(record: models.Model, spec: LedgerSpec, persons: list[Person], already: set[int]) -> list[str]:
    """Messages for persons that cannot be linked (outside the western area, dead, twice), and for too many."""
    prefix = record.partnership.west_area.prefix
    errors = []
    seen = set(already)
    for person in persons:
        label = mask(person.id_number)  # never the name: the actor may be on the eastern side, outside the person's scope
        if not person.area_id.startswith(prefix):
            errors.append(_("%(person)s does not live in the partnership's western area.") % {"person": label})
        elif person.death_date is not None and person.death_date < record.date:
            errors.append(_("%(person)s died before the record's date.") % {"person": label})
        elif person.pk in seen:
            errors.append(_("%(person)s is already linked to this record.") % {"person": label})
        seen.add(person.pk)
    limit = getattr(record, spec.count_field)
    if len(seen) > limit:
        errors.append(_("%(n)s persons would be linked but the record counts %(limit)s.") % {"n": len(seen), "limit": limit})
    return errors


def link_rows(record: models.Model, spec: LedgerSpec, persons: list[Person]) -> list[models.Model]:
    """Unsaved link rows with ``registered`` computed (no checks)."""
    flags = registered_on([p.pk for p in persons], record.date)
    return [spec.link_model(**{spec.link_field: record}, person=p, registered=flags[p.pk]) for p in persons]


@transaction.atomic
def people_link(*, actor, record: models.Model, persons: Iterable[Person]) -> int:
    """Link persons to a training session or labour transfer; all or nothing; returns the links created."""
    spec = spec_for(record)
    if spec.link_model is None:
        raise ValidationError({"persons": _("Persons are linked only to training sessions and labour transfers.")})
    partnership = _lock(record.partnership)
    record = spec.model.objects.select_for_update().get(pk=record.pk)
    record.partnership = partnership
    require_side(actor, partnership)
    persons = list(persons)
    already = set(_links(record, spec).values_list("person_id", flat=True))
    errors = _link_errors(record, spec, persons, already)
    if errors:
        raise ValidationError({"persons": errors})
    rows = spec.link_model.objects.bulk_create(link_rows(record, spec, persons))
    audit(actor=actor, action=f"pairing.{spec.key}_link", obj=record, area_code=partnership.west_area_id,
          changes={"persons": [None, [p.pk for p in persons]], "registered": [None, sum(r.registered for r in rows)]})
    return len(rows)


@transaction.atomic
def people_unlink(*, actor, record: models.Model, person: Person) -> None:
    spec = spec_for(record)
    if spec.link_model is None:
        raise ValidationError({"persons": _("Persons are linked only to training sessions and labour transfers.")})
    partnership = _lock(record.partnership)
    require_side(actor, partnership)
    deleted, _rows = _links(record, spec).filter(person=person).delete()
    if not deleted:
        raise ValidationError({"persons": _("This person is not linked to this record.")})
    audit(actor=actor, action=f"pairing.{spec.key}_unlink", obj=record, area_code=partnership.west_area_id,
          changes={"persons": [[person.pk], None]})
