"""Reading import files (xlsx, csv, parquet) into batches of cell texts.

``open_import(path)`` checks the file, reads its header row(s) and returns an :class:`ImportFile` whose
parts (one per sheet, or the whole file) yield Polars DataFrames of text. It never converts types: that
is the validator's job, and it needs to see what the user typed.

Conventions the validator relies on
-----------------------------------
* Every batch has ``_row`` (Int64) and one ``pl.String`` column per recognised column, named by its
  ``Column.key``, in catalogue order. Unknown columns are dropped (listed in ``Part.unknown``); catalogue
  columns absent from the file are absent from the frame.
* ``_row`` is the row number the user sees: the header is row 1 and the first data row is 2. xlsx: the
  spreadsheet row number; the header is the first row with a non-blank cell (normally row 1; blank rows
  above it shift the numbers, as in Excel). CSV: the record number + 1, counting records (a quoted value
  with line breaks is one record; a blank line is a record, as Excel shows it); the header is the first
  record. Parquet: the record index + 2.
* CSV: UTF-8 with or without BOM, or GB18030 (which covers GBK and GB2312), detected over the whole file;
  comma-separated, or tab / semicolon when the header line has only that one; ``"`` quotes. A record
  with more fields than the header is an error (``ragged_rows``); fewer fields are read as empty cells.
* Cell texts are stripped of surrounding whitespace (including the ideographic space U+3000, NBSP, zero
  width space and BOM); an empty text is null. Rows whose recognised cells are all empty are skipped
  (their row numbers are simply missing).
* xlsx sheets: hidden sheets and the template's helper sheets (``说明 About``, ``lists``) are ignored
  unless named as data, and so are blank sheets. One remaining sheet is read whatever its name; several
  must be named ``households`` / ``户``, ``members`` / ``成员``, ``incomes`` / ``收入`` (either language, any
  case, ``成员 members`` too), one each, and come back in that order. In a households + members workbook
  the members part does not report the household columns other than the household number as missing.
* xlsx cell types, rendered as text:

  - text cells: the text as typed;
  - numeric cells: integral values below 1e15 as plain integers (``2020``, ``3``, ``13812345678``);
    anything else as the shortest decimal text that reads back as the same double, which is Python's
    ``repr(float)`` for every value of 16 digits or more (``3.5``, ``0.1``, ``1234567890123456.0``,
    ``4.40308199001011e+17``). So an 18-digit identity number (or a 16-19 digit bank account) that
    Excel turned into a number arrives as ``4.40308199001011e+17``: it contains ``e+`` or ``.``, which
    no typed identifier has, and the validator can say so. Excel keeps 15 significant digits, so
    integers below 1e15 are exact and arrive as typed;
  - date and date-time cells: ``YYYY-MM-DD`` when the time is midnight, else ``YYYY-MM-DD HH:MM:SS``
    (a text cell holding exactly ``YYYY-MM-DD 00:00:00`` is shortened the same way);
  - booleans: ``true`` / ``false``; error cells: their code (``#N/A``);
  - merged data cells: every cell of the merged range gets the range's (top-left) value, as Excel
    displays it; merged cells touching the header row are an error (``merged_header``).
* Parquet: strings as stored; integers and decimals exactly; floats as xlsx numbers above; dates and
  date-times as for xlsx; booleans ``true`` / ``false``.
* A header row without data rows is not an error here: the part is returned with ``rows == 0`` and its
  ``batches()`` yields nothing; the validator reports ``no_rows`` (``_read_errors.MESSAGES`` has the
  wording).
* ``batches`` is re-iterable: each call starts a new pass (xlsx: over the sheet, loaded once and kept
  until ``ImportFile.close()``; CSV and Parquet: streamed from the file, constant memory). Every batch has
  at most ``batch_rows`` rows and all but the last have exactly that many.

Errors: :class:`UnreadableFile` with a stable ``code``; see ``_read_errors.MESSAGES`` for all codes.
Every check that needs a full pass (CSV field counts and quoting, Parquet pages, the xlsx ZIP members)
runs in ``open_import``, so ``batches()`` does not raise on a file that opened.

Use the result as a context manager (or call ``close()``): a GB18030 CSV is transcoded to a temporary
UTF-8 file, and xlsx sheets are held in memory, until then.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import time
from functools import partial
from pathlib import Path

import fastexcel
import polars as pl
from django.conf import settings

from . import _read_csv, _read_xlsx
from ._read_errors import MESSAGES, UnreadableFile, fail, mb, where
from .columns import HOUSEHOLD, LAYOUTS, Column, columns, detect_layout, match_headers, normalise_header

__all__ = ["MESSAGES", "ImportFile", "Part", "UnreadableFile", "open_import", "sheet_role", "is_helper_sheet"]

# Sheet names, compared after removing spaces and punctuation and folding case. A sheet whose name is made
# of names of one role ("members", "成员", "成员 members", "Members(成员)") has that role.
ROLE_SHEET_NAMES = {
    "households": ("households", "household", "户", "户信息", "农户"),
    "members": ("members", "member", "成员", "家庭成员", "人员"),
    "incomes": ("incomes", "income", "收入", "收入信息"),
}
ROLE_ORDER = ("households", "members", "incomes")
# Sheets the template adds (instructions, the hidden lists behind the dropdowns): never data.
HELPER_SHEET_NAMES = ("lists", "list", "说明", "about", "说明about", "instructions", "readme", "填表说明", "使用说明")

_WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + "\u200b\ufeff"
_MIDNIGHT = r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00(?:\.0+)?$"


def _sheet_key(name: str) -> str:
    return re.sub(r"[\s_\-/（）()·:：]+", "", name).casefold()


def is_helper_sheet(name: str) -> bool:
    """The template's instructions and lists sheets (and their usual names), which are never data."""
    return _sheet_key(name) in HELPER_SHEET_NAMES


def sheet_role(name: str) -> str | None:
    """households, members, incomes or None, from a sheet's name in either language."""
    tokens = [t for t in re.split(r"[\s_\-/（）()·:：]+", name.strip().casefold()) if t]
    if not tokens:
        return None
    roles = set()
    for token in tokens:
        found = [role for role, names in ROLE_SHEET_NAMES.items() if token in names]
        if not found:
            return None
        roles.update(found)
    return roles.pop() if len(roles) == 1 else None


@dataclass
class Part:
    """One sheet (xlsx) or the whole file (csv, parquet)."""

    sheet: str | None  # xlsx sheet name, None otherwise
    layout: str  # "members", "households" or "incomes"
    headers: list[str]  # the header row as read (stripped); index = column position (xlsx: A = 0)
    columns: dict[int, Column]  # position -> column, from columns.match_headers
    missing: list[Column]  # required columns absent
    unknown: list[tuple[int, str]]  # (position, header text) of headers that match no column
    batches: Callable[[], Iterator[pl.DataFrame]]  # re-iterable: each call starts a fresh pass
    rows: int = 0  # data records below the header, blank ones included (a progress denominator)


@dataclass
class ImportFile:
    path: Path
    format: str  # "xlsx" | "csv" | "parquet"
    encoding: str | None  # csv: "utf-8", "utf-8-sig" or "gb18030"
    parts: list[Part]
    _resources: list = field(default_factory=list, repr=False, compare=False)

    def close(self) -> None:
        """Delete temporary files and drop loaded sheets; the parts' batches cannot be read afterwards."""
        for resource in self._resources:
            resource.close()
        self._resources.clear()

    def __enter__(self) -> ImportFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_import(path, *, layout: str | None = None, max_bytes: int | None = None, batch_rows: int | None = None) -> ImportFile:
    """Open an import file; raise :class:`UnreadableFile` when it cannot be read at all.

    The format is recognised by content, not by the extension: ``PK\\x03\\x04`` (ZIP) is an xlsx
    workbook, ``\\xD0\\xCF\\x11\\xE0`` (OLE) an encrypted workbook or an .xls, ``PAR1`` Parquet, and anything
    else CSV. ``layout`` fixes the layout of a single-part file (CSV, Parquet, a workbook with one data
    sheet); when None it comes from the sheet's name or, failing that, the headers
    (``columns.detect_layout``). In a workbook with several data sheets each sheet's name gives its layout.
    """
    path = Path(path)
    if layout is not None and layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; expected one of {sorted(LAYOUTS)}")
    max_bytes = settings.IMPORT_MAX_BYTES if max_bytes is None else max_bytes
    batch_rows = settings.IMPORT_BATCH_ROWS if batch_rows is None else batch_rows
    if batch_rows < 1:
        raise ValueError("batch_rows must be at least 1")
    size = path.stat().st_size
    if size == 0:
        raise fail("empty_file")
    if size > max_bytes:
        raise fail("too_large", size_mb=mb(size), limit_mb=mb(max_bytes), size=size, limit=max_bytes)
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return _open_xlsx(path, size, max_bytes, layout, batch_rows)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise fail("encrypted_or_xls")
    if head.startswith(b"PAR1"):
        return _open_parquet(path, layout, batch_rows)
    return _open_csv(path, layout, batch_rows)


# ------------------------------------------------------------------------------------------------- parts


def _letters(position: int) -> str:
    return _read_xlsx.column_letters(position)


def _make_part(sheet: str | None, headers: list[str], layout: str, batches, rows: int, *, two_sheet_members: bool = False) -> Part:
    found, missing, unknown = match_headers(layout, headers)
    if not found:
        shown = [h for h in headers if h][:6]
        text = "、".join(f"“{h}”" for h in shown) if shown else "—"
        raise fail("no_header", sheet=sheet, found=text, headers=[h for h in headers if h][:50], **where(sheet))
    duplicates: dict[str, list[int]] = {}
    for position, text in unknown:
        norm = normalise_header(text)
        for first, col in found.items():
            if norm in col.names():
                duplicates.setdefault(col.key, [first]).append(position)
    if duplicates:
        by_key = {c.key: c for c in found.values()}
        names = "; ".join(f"“{by_key[key].header}” ({', '.join(_letters(p) for p in positions)})" for key, positions in duplicates.items())
        raise fail("duplicate_header", sheet=sheet, names=names, columns=sorted(duplicates), **where(sheet))
    if two_sheet_members:
        # The members sheet of a households + members workbook takes the household columns from the
        # households sheet; only the household number links them.
        missing = [c for c in missing if c.level != HOUSEHOLD or c.key == "household_number"]
    return Part(sheet=sheet, layout=layout, headers=headers, columns=found, missing=missing, unknown=unknown, batches=batches, rows=rows)


def _selected(layout: str, headers: list[str]) -> dict[int, str]:
    """position -> key of the recognised columns, in catalogue order."""
    found, _missing, _unknown = match_headers(layout, headers)
    order = {c.key: i for i, c in enumerate(columns(layout))}
    return dict(sorted(((pos, col.key) for pos, col in found.items()), key=lambda item: order[item[1]]))


def _clean(expr: pl.Expr) -> pl.Expr:
    stripped = expr.str.strip_chars(_WHITESPACE)
    return pl.when(stripped.str.len_bytes() > 0).then(stripped)


def _finish(frame: pl.LazyFrame, sources: dict[str, str], *, dates: bool = False) -> pl.LazyFrame:
    """``_row`` plus the source columns renamed to their keys, stripped, empty -> null; blank rows dropped."""
    exprs = [pl.col("_row").cast(pl.Int64)]
    for source, key in sources.items():
        e = _clean(pl.col(source))
        if dates:
            e = e.str.replace(_MIDNIGHT, "$1")
        exprs.append(e.alias(key))
    keys = list(sources.values())
    return frame.select(exprs).filter(pl.any_horizontal([pl.col(k).is_not_null() for k in keys]))


def _rechunk(frames: Iterator[pl.DataFrame], size: int) -> Iterator[pl.DataFrame]:
    """Batches of exactly ``size`` rows (the last one shorter)."""
    pending: list[pl.DataFrame] = []
    held = 0
    for frame in frames:
        if frame.height == 0:
            continue
        pending.append(frame)
        held += frame.height
        while held >= size:
            whole = pl.concat(pending, rechunk=False) if len(pending) > 1 else pending[0]
            yield whole.slice(0, size).rechunk()
            rest = whole.slice(size)
            pending = [rest] if rest.height else []
            held = rest.height
    if held:
        yield (pl.concat(pending) if len(pending) > 1 else pending[0]).rechunk()


class _Loaded:
    """A sheet's finished frame, kept for the batches' passes until the file is closed."""

    def __init__(self, frame: pl.DataFrame):
        self.frame: pl.DataFrame | None = frame

    def close(self) -> None:
        self.frame = None

    def batches(self, size: int) -> Iterator[pl.DataFrame]:
        frame = self.frame
        if frame is None:
            raise RuntimeError("the import file has been closed")
        for offset in range(0, frame.height, size):
            yield frame.slice(offset, size)


def _single_layout(layout: str | None, role: str | None, headers: list[str]) -> str:
    return layout or role or detect_layout(headers)


# -------------------------------------------------------------------------------------------------- xlsx


def _open_xlsx(path: Path, size: int, max_bytes: int, layout: str | None, batch_rows: int) -> ImportFile:
    zf = _read_xlsx.open_zip(path, size, max_bytes)
    try:
        sheets = _read_xlsx.workbook_sheets(zf)
        # Hidden sheets (lookup lists of home-made templates) are not data unless named as data.
        candidates = {s.path: s for s in sheets
                      if s.path and not is_helper_sheet(s.name) and (s.state == "visible" or sheet_role(s.name) is not None)}
        scans: dict[str, _read_xlsx.SheetScan] = {}
        for info in zf.infolist():
            chunks = _read_xlsx.inflate(zf, info)  # every member: CRC and declared size are checked
            if info.filename in candidates and info.filename not in scans:
                scans[info.filename] = _read_xlsx.scan_sheet(chunks)
            else:
                for _chunk in chunks:
                    pass
    finally:
        zf.close()

    data_sheets = [s for s in sheets if s.path in candidates and scans[s.path].first_row is not None]
    if not data_sheets:
        raise fail("empty_file")
    if len(data_sheets) == 1:
        chosen = [(data_sheets[0], sheet_role(data_sheets[0].name))]
    else:
        chosen = [(s, sheet_role(s.name)) for s in data_sheets]
        found = "、".join(f"“{s.name}”" for s in data_sheets)
        unnamed = [s.name for s, role in chosen if role is None]
        if unnamed:
            listed = "、".join(f"“{n}”" for n in unnamed)
            raise fail("wrong_sheets", found=found, sheets=[s.name for s in data_sheets], unrecognised=unnamed,
                       problem_en=f"not recognised: {listed}", problem_zh=f"无法识别的工作表：{listed}")
        roles = [role for _s, role in chosen]
        repeated = sorted({r for r in roles if roles.count(r) > 1})
        if repeated:
            listed = "、".join(f"“{s.name}”" for s, role in chosen if role in repeated)
            raise fail("wrong_sheets", found=found, sheets=[s.name for s in data_sheets], repeated=repeated,
                       problem_en=f"more than one sheet for the same data: {listed}", problem_zh=f"以下工作表重复：{listed}")
        chosen.sort(key=lambda item: ROLE_ORDER.index(item[1]))

    refs, count = [], 0
    for sheet, _role in chosen:
        scan = scans[sheet.path]
        count += scan.formula_count
        refs.extend(f"{sheet.name}!{ref}" for ref in scan.formula_cells)
    if count:
        raise fail("formulas", count=count, cells=", ".join(refs[:10]), refs=refs[:10])
    try:
        reader = fastexcel.read_excel(str(path))
    except (fastexcel.FastExcelError, OSError, ValueError) as exc:
        raise fail("corrupt_xlsx", detail=str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
    roles = {role for _s, role in chosen}
    two_sheets = len(chosen) > 1 and {"households", "members"} <= roles
    parts, resources = [], []
    for sheet, role in chosen:
        scan = scans[sheet.path]
        headers, raw, header_row = _read_xlsx.load_sheet(reader, sheet.name, scan)
        touching = [m for m in scan.merges if m[0] <= header_row <= m[2]]
        if touching:
            ranges = ", ".join(f"{_letters(c1)}{r1}:{_letters(c2)}{r2}" for r1, c1, r2, c2 in touching[:10])
            raise fail("merged_header", sheet=sheet.name, row=header_row, ranges=ranges)
        part_layout = role if len(chosen) > 1 else _single_layout(layout, role, headers)
        part = _make_part(sheet.name, headers, part_layout, None, raw.height, two_sheet_members=two_sheets and role == "members")
        sources = {f"c{pos}": key for pos, key in _selected(part_layout, headers).items()}
        holder = _Loaded(_finish(raw.lazy(), sources, dates=True).collect())
        part.batches = partial(holder.batches, batch_rows)
        resources.append(holder)
        parts.append(part)
    return ImportFile(path=path, format="xlsx", encoding=None, parts=parts, _resources=resources)


# --------------------------------------------------------------------------------------------------- csv


def _open_csv(path: Path, layout: str | None, batch_rows: int) -> ImportFile:
    encoding, data_path, temp = _read_csv.detect_encoding(path, Path(settings.VAR_DIR) / "tmp")
    resources = [temp] if temp is not None else []
    try:
        header = _read_csv.read_header(data_path)
        if header is None:
            raise fail("empty_file")
        headers, delimiter = header
        n_fields = len(headers)
        part_layout = _single_layout(layout, None, headers)
        sources = {f"c{pos}": key for pos, key in _selected(part_layout, headers).items()}

        def scan() -> pl.LazyFrame:
            return pl.scan_csv(data_path, has_header=True, separator=delimiter, quote_char='"', schema={f"c{i}": pl.String for i in range(n_fields)},
                               encoding="utf8", raise_if_empty=False, truncate_ragged_lines=False)

        def batches() -> Iterator[pl.DataFrame]:
            if temp is not None and not temp.path.exists():  # also keeps the temporary file alive
                raise RuntimeError("the import file has been closed")
            lazy = _finish(scan().with_row_index("_row", offset=2), sources)
            return _rechunk(iter(lazy.collect_batches(chunk_size=batch_rows)), batch_rows)

        part = _make_part(None, headers, part_layout, batches, 0)
        # One full pass now, so that a malformed file fails here rather than halfway through the import.
        try:
            counts = scan().select(pl.len().alias("_records"), pl.all().null_count()).collect(engine="streaming")
        except pl.exceptions.PolarsError as exc:
            raise _read_csv.diagnose(data_path, delimiter, n_fields, str(exc)) from exc
        part.rows = int(counts["_records"][0])
    except BaseException:
        for r in resources:
            r.close()
        raise
    return ImportFile(path=path, format="csv", encoding=encoding, parts=[part], _resources=resources)


# ----------------------------------------------------------------------------------------------- parquet


def _text(name: str, dtype: pl.DataType) -> pl.Expr | None:
    """The expression rendering a Parquet column as text per the conventions; None: unsupported type."""
    c = pl.col(name)
    if dtype == pl.String:
        return c
    if dtype == pl.Null or isinstance(dtype, (pl.Categorical, pl.Enum, pl.Decimal)) or dtype.is_integer():
        return c.cast(pl.String)
    if dtype.is_float():
        return c.map_elements(_read_xlsx.render_number, return_dtype=pl.String, skip_nulls=True)
    if dtype == pl.Boolean:
        return pl.when(c).then(pl.lit("true")).when(c.not_()).then(pl.lit("false"))
    if dtype == pl.Date:
        return c.dt.strftime("%Y-%m-%d")
    if isinstance(dtype, pl.Datetime):
        return pl.when(c.dt.time() == time(0)).then(c.dt.strftime("%Y-%m-%d")).otherwise(c.dt.strftime("%Y-%m-%d %H:%M:%S"))
    if dtype == pl.Time:
        return c.dt.strftime("%H:%M:%S")
    if dtype == pl.Binary:
        return c.map_elements(lambda b: b.decode("utf-8", "replace"), return_dtype=pl.String, skip_nulls=True)
    return None


def _open_parquet(path: Path, layout: str | None, batch_rows: int) -> ImportFile:
    import pyarrow as pa
    import pyarrow.parquet as pq

    errors = (pa.ArrowException, OSError, ValueError, pl.exceptions.PolarsError)

    def corrupt(exc: Exception) -> UnreadableFile:
        return fail("corrupt_parquet", detail=(str(exc).splitlines() or [type(exc).__name__])[0])

    try:
        with pq.ParquetFile(path) as pf:
            schema = pf.schema_arrow
            rows = pf.metadata.num_rows
    except errors as exc:
        raise corrupt(exc) from exc
    headers = [str(n) for n in schema.names]
    part_layout = _single_layout(layout, None, headers)
    part = _make_part(None, headers, part_layout, None, rows)
    selected = _selected(part_layout, headers)
    sources = {f"c{pos}": key for pos, key in selected.items()}
    names = [headers[pos] for pos in selected]
    try:
        dtypes = pl.from_arrow(schema.empty_table().select(names)).schema
    except errors as exc:
        raise corrupt(exc) from exc
    exprs = []
    for pos, name in zip(selected, names):
        expr = _text(name, dtypes[name])
        if expr is None:
            raise fail("unsupported_column_type", column=name, type=str(dtypes[name]))
        exprs.append(expr.alias(f"c{pos}"))

    def frames() -> Iterator[pl.DataFrame]:
        offset = 2
        with pq.ParquetFile(path) as pf:
            for batch in pf.iter_batches(batch_size=batch_rows, columns=names):
                frame = pl.from_arrow(batch)
                assert isinstance(frame, pl.DataFrame)
                height = frame.height
                frame = frame.select(pl.int_range(offset, offset + height, dtype=pl.Int64).alias("_row"), *exprs)
                offset += height
                yield _finish(frame.lazy(), sources).collect()

    def batches() -> Iterator[pl.DataFrame]:
        return _rechunk(frames(), batch_rows)

    part.batches = batches
    # One full pass now (decoding every page of the columns used), so that a damaged file fails here.
    if names:
        try:
            with pq.ParquetFile(path) as pf:
                for _batch in pf.iter_batches(batch_size=max(batch_rows, 65536), columns=names):
                    pass
        except errors as exc:
            raise corrupt(exc) from exc
    return ImportFile(path=path, format="parquet", encoding=None, parts=[part])
