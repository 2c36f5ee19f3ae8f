"""Importing pairing ledgers from CSV or xlsx files, all or nothing (issue 6).

Kinds (``IMPORT_KINDS``): the six ledgers of ``pairing.ledgers.LEDGERS`` plus ``funds`` (fund entries, through
``services.fund_record`` row by row in file order) and ``projects`` (through ``projects.project_create``).

Files: CSV in UTF-8, UTF-8 with a BOM or GB18030 (the order ``imports._read_csv`` detects them in), comma-,
tab- or semicolon-separated; or xlsx (the first sheet that is not the template's instructions).  The header is the
first row (row 1 of the file, or the first non-blank row of the sheet); a header cell may be the field name
(``trainees``), its English label (``trainees``, ``end date``), its Chinese label, or the template's bilingual
``中文 / English``.  Rows whose cells are all empty are skipped.  Row numbers in errors are the file's: the header
is row 1.

All or nothing: every row is validated and every error collected (row, column as written in the header, message);
when there is any, nothing is written.  Otherwise everything is written in one transaction.  The six ledgers are
validated in memory (persons and areas looked up in bulk) and written with ``bulk_create``, with one audit row for
the import (``pairing.<kind>_import``: count and file name); funds and projects go through their services (each
row audited) inside one transaction that is rolled back when any row failed, so a disbursement above the allocated
funds is reported on its own row.

Training and labour rows may carry ``id_numbers``: identity numbers separated by ``;`` or ``；`` of registered
persons to link (same rules as ``ledgers.people_link``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhun.areas.models import Area
from jingzhun.core.audit import audit
from jingzhun.imports._read_csv import BOM, sniff_delimiter
from jingzhun.imports._read_xlsx import render_number
from jingzhun.imports.readers import is_helper_sheet
from jingzhun.registry.identity import mask
from jingzhun.registry.models import Person

from . import ledgers as L
from .models import FundEntry, Partnership, Project, VocationalStudent
from .projects import project_create
from .services import fund_record, require_side

IMPORT_KINDS: tuple[str, ...] = (*L.LEDGERS, "funds", "projects")
MAX_ROWS = 100_000
MAX_BYTES = 64 * 1024 * 1024
ID_NUMBERS = "id_numbers"
BATCH = 2000


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy translated, English source
    required: bool
    choices: tuple[str, ...] = ()


class _Refused(Exception):
    """The whole file is refused (unreadable, empty, wrong header): one error, no row processed."""

    def __init__(self, *errors: RowError):
        super().__init__(errors)
        self.errors = list(errors)


# ---------------------------------------------------------------------------------------------------------------
# Columns


def _model_column(model, name: str, *, required: bool | None = None) -> Column:
    f = model._meta.get_field(name)
    if required is None:
        required = not f.blank and not f.has_default()
    return Column(name, f.verbose_name, required, tuple(str(v) for v, _label in f.choices) if f.choices else ())


_FUND_REQUIRED = {"date", "kind", "source", "amount"}
_PROJECT_COLUMNS = ("code", "name", "budget", "village", "start_date", "end_date")


def columns(kind: str) -> tuple[Column, ...]:
    """The import columns of a kind, in template order."""
    if kind in L.LEDGERS:
        spec = L.LEDGERS[kind]
        cols = [_model_column(spec.model, name, required=False if (spec.model is VocationalStudent and name == "name") else None)
                for name in spec.fields]
        if spec.link_model is not None:
            cols.append(Column(ID_NUMBERS, gettext_lazy("identity numbers of linked persons"), False))
        return tuple(cols)
    if kind == "funds":
        cols = [_model_column(FundEntry, name, required=name in _FUND_REQUIRED) for name in ("date", "kind", "source", "amount", "note")]
        cols.insert(4, Column("project", gettext_lazy("project code"), False))
        return tuple(cols)
    if kind == "projects":
        return tuple(_model_column(Project, name, required=name in ("code", "name", "budget", "village")) for name in _PROJECT_COLUMNS)
    raise ValueError(f"unknown import kind {kind!r}")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", str(text).translate(L._FULLWIDTH).replace("\u3000", " ").replace("\ufeff", "")).strip().lower()


def bilingual(col: Column) -> str:
    """The template header: ``中文 / English`` (only English while the Chinese translation is missing)."""
    with translation.override("en"):
        en = str(col.label)
    with translation.override("zh-hans"):
        zh = str(col.label)
    return en if zh == en else f"{zh} / {en}"


def _aliases(cols: tuple[Column, ...]) -> dict[str, str]:
    out = {}
    for col in cols:
        names = {col.key, col.key.replace("_", " "), bilingual(col)}
        for lang in ("en", "zh-hans"):
            with translation.override(lang):
                names.add(str(col.label))
        for name in names:
            out[_norm(name)] = col.key
    return out


def _match_header(header: list[str], cols: tuple[Column, ...]) -> dict[int, str]:
    """{cell index: column key}; refuses unknown, duplicate and missing required columns."""
    aliases = _aliases(cols)
    found: dict[int, str] = {}
    errors = []
    seen: dict[str, str] = {}
    for i, cell in enumerate(header):
        text = _norm(cell)
        if not text:
            continue
        key = aliases.get(text)
        if key is None and "/" in text:
            key = next((aliases[p.strip()] for p in text.split("/") if p.strip() in aliases), None)
        if key is None:
            errors.append(RowError(1, cell, _("Unknown column.")))
        elif key in seen:
            errors.append(RowError(1, cell, _("The column appears twice (also as “%(other)s”).") % {"other": seen[key]}))
        else:
            seen[key] = cell
            found[i] = key
    for col in cols:
        if col.required and col.key not in seen:
            errors.append(RowError(1, col.key, _("The required column “%(column)s” is missing.") % {"column": bilingual(col)}))
    if errors:
        raise _Refused(*errors)
    return found


# ---------------------------------------------------------------------------------------------------------------
# Reading


def _bytes(file) -> bytes:
    if isinstance(file, bytes):
        data = file
    elif isinstance(file, (str, Path)):
        data = Path(file).read_bytes()
    else:
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read()
    if len(data) > MAX_BYTES:
        raise _Refused(RowError(0, "", _("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)}))
    return data


def _decode(data: bytes) -> str:
    """UTF-8 with a BOM, UTF-8, then GB18030 (a superset of GBK and GB2312), each over the whole file."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:65536]:
        raise _Refused(RowError(0, "", _("The file is not UTF-8 or GB18030 text (it looks like UTF-16): save it as CSV UTF-8.")))
    if data.startswith(BOM):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _Refused(RowError(0, "", _("The file's encoding is neither UTF-8 nor GB18030: save it as CSV UTF-8.")))


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    text = _decode(data)
    if not text.strip():
        return
    delimiter = sniff_delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise _Refused(RowError(reader.line_num, "", _("The CSV file cannot be read: %(detail)s") % {"detail": exc})) from exc


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return render_number(value)
    return str(value)


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _Refused(RowError(0, "", _("The file is not a readable xlsx workbook."))) from exc
    try:
        sheets = [ws for ws in wb.worksheets if ws.sheet_state == "visible" and not is_helper_sheet(ws.title)]
        if not sheets:
            return
        for n, row in enumerate(sheets[0].iter_rows(values_only=True), start=1):
            yield n, [_cell(v) for v in row]
    finally:
        wb.close()


def read_rows(file, filename: str) -> tuple[list[str], list[tuple[int, list[Any]]], int]:
    """(header cells, [(row number, cells)] of non-blank data rows, the header's row number)."""
    data = _bytes(file)
    suffix = Path(filename or "").suffix.lower()
    if suffix in (".xlsx", ".xlsm") or data[:4] == b"PK\x03\x04":
        rows = _xlsx_rows(data)
    elif suffix in (".csv", ".txt", ""):
        rows = _csv_rows(data)
    else:
        raise _Refused(RowError(0, "", _("Import a CSV or xlsx file.")))
    header: list[str] | None = None
    header_row = 0
    body = []
    for n, cells in rows:
        if all(c is None or not str(c).strip() for c in cells):
            continue
        if header is None:
            header, header_row = [str(c or "").strip() for c in cells], n
            continue
        body.append((n, cells))
        if len(body) > MAX_ROWS:
            raise _Refused(RowError(n, "", _("The file has more than %(max)s rows: split it.") % {"max": f"{MAX_ROWS:,}"}))
    if header is None:
        raise _Refused(RowError(0, "", _("The file is empty.")))
    return header, body, header_row


# ---------------------------------------------------------------------------------------------------------------
# Importing


def ledger_import(*, actor, kind: str, partnership: Partnership, file, filename: str) -> ImportResult:
    """Validate every row; write nothing when any row has an error, otherwise everything in one transaction."""
    if kind not in IMPORT_KINDS:
        raise ValueError(f"unknown import kind {kind!r}")
    require_side(actor, partnership)
    cols = columns(kind)
    try:
        header, body, header_row = read_rows(file, filename)
        mapping = _match_header(header, cols)
        if not body:
            raise _Refused(RowError(header_row, "", _("The file has a header but no rows.")))
    except _Refused as exc:
        return ImportResult(0, exc.errors)
    heading = {key: header[i] for i, key in mapping.items()}
    rows = [(n, {key: cells[i] if i < len(cells) else None for i, key in mapping.items()}) for n, cells in body]
    if kind == "funds":
        return _import_funds(actor, partnership, rows, heading)
    if kind == "projects":
        return _import_projects(actor, partnership, rows, heading)
    return _import_ledger(actor, kind, partnership, rows, heading, filename)


def _split_ids(value: Any) -> list[str]:
    if L._blank(value):
        return []
    return [p.strip().upper() for p in re.split(r"[;；]", L._text(value)) if p.strip()]


class _Lookups:
    """Persons by identity number and areas by code, each fetched in bulk once per import."""

    def __init__(self, id_numbers: set[str], codes: set[str]):
        self.persons: dict[str, list[Person]] = defaultdict(list)
        ids = sorted(id_numbers)
        for i in range(0, len(ids), BATCH):
            for p in Person.objects.filter(id_number__in=ids[i:i + BATCH]):
                self.persons[p.id_number].append(p)
        self.areas: dict[str, Area] = {}
        codes_sorted = sorted(codes)
        for i in range(0, len(codes_sorted), BATCH):
            self.areas.update((a.code, a) for a in Area.objects.filter(code__in=codes_sorted[i:i + BATCH]))

    def person(self, id_number: str) -> Person:
        found = self.persons.get(id_number, [])
        living = [p for p in found if p.death_date is None]
        if living:
            return living[0]
        if found:
            raise ValidationError(_("The person with identity number %(id)s has died.") % {"id": mask(id_number)})
        raise ValidationError(_("There is no person with identity number %(id)s in the register.") % {"id": mask(id_number)})


def _resolve(value: Any, field, lookups: _Lookups) -> Any:
    """Replace an area code or identity number by the object found in bulk (other values are left to the parser)."""
    if L._blank(value):
        return value
    text = L._text(value).upper()
    if field.related_model is Area:
        return lookups.areas.get(text, value)
    if field.related_model is Person and len(text) in (15, 18):
        return lookups.person(text)
    return value


def _import_ledger(actor, kind, partnership, rows, heading, filename) -> ImportResult:
    spec = L.LEDGERS[kind]
    model = spec.model
    fk = {name: model._meta.get_field(name) for name in spec.fields
          if getattr(model._meta.get_field(name), "related_model", None) in (Area, Person)}
    id_numbers, codes = set(), set()
    for _n, data in rows:
        for name, f in fk.items():
            if name in data and not L._blank(data[name]):
                (codes if f.related_model is Area else id_numbers).add(L._text(data[name]).upper())
        id_numbers.update(_split_ids(data.get(ID_NUMBERS)))
    lookups = _Lookups(id_numbers, codes)
    partnership = Partnership.objects.select_related("east_area", "west_area").get(pk=partnership.pk)
    errors: list[RowError] = []
    records: list[tuple[Any, list[Person]]] = []
    students_seen: dict[tuple[int, str], int] = {}

    position = {key: i for i, key in enumerate(heading)}

    def add(n, name, messages):
        errors.extend(RowError(n, heading.get(name, name), str(m)) for m in messages)

    def add_all(n, message_dict):
        for name in sorted(message_dict, key=lambda k: position.get(k, len(position))):
            add(n, name, message_dict[name])

    for n, data in rows:
        values = {k: v for k, v in data.items() if k != ID_NUMBERS}
        resolve_errors = {}
        for name, f in fk.items():
            if name in values:
                try:
                    values[name] = _resolve(values[name], f, lookups)
                except ValidationError as exc:
                    resolve_errors[name] = exc.messages
        record = model(partnership=partnership, recorded_by=actor if getattr(actor, "pk", None) else None)
        parse_errors = L.assign(record, [k for k in values if k not in resolve_errors], values)
        parse_errors.update(resolve_errors)
        if isinstance(record, VocationalStudent) and record.person_id and not record.name:
            record.name = record.person.name
        try:
            L.validate(record, parse_errors)
        except ValidationError as exc:
            add_all(n, exc.message_dict)
            continue
        persons: list[Person] = []
        if spec.link_model is not None:
            id_errors = []
            for text in _split_ids(data.get(ID_NUMBERS)):
                try:
                    persons.append(lookups.person(text))
                except ValidationError as exc:
                    id_errors.extend(exc.messages)
            if not id_errors and persons:
                id_errors = L._link_errors(record, spec, persons, set())
            if id_errors:
                add(n, ID_NUMBERS, id_errors)
                continue
        if isinstance(record, VocationalStudent) and record.person_id:
            key = (record.person_id, record.school)
            if key in students_seen:
                add(n, "person", [_("The same person and school are already on row %(row)s.") % {"row": students_seen[key]}])
                continue
            students_seen[key] = n
        records.append((record, persons))
    if errors:
        return ImportResult(0, errors)
    with transaction.atomic():
        locked = L._lock(partnership)
        require_side(actor, locked)
        _registration(records)
        saved = model.objects.bulk_create([r for r, _p in records], batch_size=BATCH)
        if spec.link_model is not None:
            links = []
            by_date: dict[dt.date, list[tuple[Any, list[Person]]]] = defaultdict(list)
            for record, (_r, persons) in zip(saved, records, strict=True):
                if persons:
                    by_date[record.date].append((record, persons))
            for date, items in by_date.items():
                flags = L.registered_on([p.pk for _r, ps in items for p in ps], date)
                links += [spec.link_model(**{spec.link_field: r}, person=p, registered=flags[p.pk]) for r, ps in items for p in ps]
            spec.link_model.objects.bulk_create(links, batch_size=BATCH)
        audit(actor=actor, action=f"pairing.{kind}_import", object_type=model._meta.label_lower, area_code=partnership.west_area_id,
              changes={"created": [None, len(saved)], "file": [None, filename], "partnership": [None, partnership.pk]})
    return ImportResult(len(saved), [])


def _registration(records) -> None:
    """``registered`` of the vocational students with a person, grouped by enrolment date (two queries per date)."""
    by_date: dict[dt.date, list[VocationalStudent]] = defaultdict(list)
    for record, _persons in records:
        if isinstance(record, VocationalStudent) and record.person_id:
            by_date[record.date].append(record)
    for date, students in by_date.items():
        flags = L.registered_on([s.person_id for s in students], date)
        for s in students:
            s.registered = flags[s.person_id]


def _run_rows(rows, heading, write) -> ImportResult:
    """Call ``write(data)`` for each row in file order, each in a savepoint; roll everything back on any error."""
    errors: list[RowError] = []
    created = 0
    with transaction.atomic():
        for n, data in rows:
            try:
                with transaction.atomic():
                    write(data)
                created += 1
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for name, messages in exc.message_dict.items():
                        errors.extend(RowError(n, heading.get(name, name), m) for m in messages)
                else:
                    errors.extend(RowError(n, "", m) for m in exc.messages)
            except PermissionDenied as exc:
                errors.append(RowError(n, heading.get("kind", ""), str(exc)))
        if errors:
            transaction.set_rollback(True)
            return ImportResult(0, errors)
    return ImportResult(created, [])


def _parse(errors: dict, name: str, parser, value, *, required: bool = False):
    if L._blank(value):
        if required:
            errors[name] = [_("This field cannot be blank.")]
        return None
    try:
        return parser(value)
    except ValidationError as exc:
        errors[name] = exc.messages
        return None


def _import_funds(actor, partnership, rows, heading) -> ImportResult:
    projects = {p.code: p for p in Project.objects.filter(partnership=partnership)}
    kind_field, source_field = FundEntry._meta.get_field("kind"), FundEntry._meta.get_field("source")

    def write(data):
        errors: dict[str, list[str]] = {}
        date = _parse(errors, "date", L.parse_date, data.get("date"), required=True)
        kind = _parse(errors, "kind", lambda v: L.parse_choice(kind_field, v), data.get("kind"), required=True)
        source = _parse(errors, "source", lambda v: L.parse_choice(source_field, v), data.get("source"), required=True)
        amount = data.get("amount")
        if L._blank(amount):
            errors["amount"] = [_("This field cannot be blank.")]
        project = None
        if not L._blank(data.get("project")):
            project = projects.get(L._text(data["project"]))
            if project is None:
                errors["project"] = [_("There is no project with this code in the partnership.")]
        if errors:
            raise ValidationError(errors)
        fund_record(actor=actor, partnership=partnership, date=date, kind=kind, source=source, amount=L._text(amount), project=project,
                    note=L._text(data.get("note") or ""))

    return _run_rows(rows, heading, write)


def _import_projects(actor, partnership, rows, heading) -> ImportResult:
    def write(data):
        errors: dict[str, list[str]] = {}
        village = _parse(errors, "village", L.parse_area, data.get("village"), required=True)
        start = _parse(errors, "start_date", L.parse_date, data.get("start_date"))
        end = _parse(errors, "end_date", L.parse_date, data.get("end_date"))
        for name in ("code", "name", "budget"):
            if L._blank(data.get(name)):
                errors[name] = [_("This field cannot be blank.")]
        if errors:
            raise ValidationError(errors)
        project_create(actor=actor, partnership=partnership, name=L._text(data["name"]), code=L._text(data["code"]),
                       budget=L._text(data["budget"]).replace(",", ""), village=village, start_date=start, end_date=end)

    return _run_rows(rows, heading, write)


# ---------------------------------------------------------------------------------------------------------------
# Template


def import_template(kind: str) -> bytes:
    """An empty xlsx workbook for the kind: bilingual headers (required ones red), dropdowns for coded columns,
    text format for codes and identity numbers, and an instructions sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    cols = columns(kind)
    wb = Workbook()
    ws = wb.active
    ws.title = kind
    text_columns = {"uscc", "employer_uscc", "area", "buyer_area", "destination_area", "village", "person", "project", "code",
                    ID_NUMBERS, "product_code"}
    for i, col in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=i, value=bilingual(col))
        cell.font = Font(bold=True, color="C00000" if col.required else None)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(14, min(40, len(cell.value) + 4))
        if col.key in text_columns:
            ws.column_dimensions[letter].number_format = "@"
        if col.choices:
            dv = DataValidation(type="list", formula1='"' + ",".join(col.choices) + '"', allow_blank=not col.required)
            dv.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    about = wb.create_sheet("说明 About")
    notes = [
        ("第一行是表头，请勿修改。红色列为必填列。", "Row 1 is the header: do not edit it. Columns with a red header are required."),
        ("日期填写为 YYYY-MM-DD；是/否列填写 是 或 否；区划代码填写12位。",
         "Dates as YYYY-MM-DD; yes/no columns 是 or 否 (yes/no); area codes with 12 digits."),
        ("身份证号码以 ; 分隔。任何一行有错误时，整个文件都不导入。",
         "Identity numbers are separated by ;. When any row has an error, nothing in the file is imported."),
    ]
    for zh, en in notes:
        about.append([zh, en])
    about.append([])
    about.append(["列 / Column", "必填 / Required", "可选值 / Allowed values"])
    for col in cols:
        about.append([bilingual(col), "是 / yes" if col.required else "", ", ".join(col.choices)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
