"""xlsx: checking the ZIP container, scanning the sheet XML, and loading sheets with fastexcel (calamine).

Every ZIP member is inflated once by :func:`inflate` (streaming, constant memory), which checks the
CRC and that the member inflates to exactly its declared size, so a member that lies about its size is
caught here before calamine reads it. The worksheet XML is scanned on the way with byte-level regular
expressions (no XML tree) for:

* formulas (``<f>`` elements) — refused, the cached values may be stale or missing;
* merged cells (``<mergeCell ref=...>``) — refused when they touch the header row, filled down
  (top-left value) in data rows;
* the row of the first cell with a value, which is where calamine's range (and so the header) starts;
* numeric cells whose value is written with 16 or more characters (16+ digits, or an exponent as Excel
  writes large numbers: ``4.40308199001011E+17``), and error cells (``#N/A``): calamine renders the former
  as the full decimal expansion of the double (``440308199001011008``) and the latter as empty, so their
  text is replaced per the reader's convention (``4.40308199001011e+17``, ``#N/A``).
"""

from __future__ import annotations

import math
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import fastexcel
import numpy as np
import polars as pl

from ._read_errors import MB, UnreadableFile, fail, mb

MAX_RATIO = 200
RATIO_FLOOR = 1 * MB  # the ratio check applies above this uncompressed total: a tiny workbook is no bomb
SMALL_XML = 32 * MB  # workbook.xml and its rels are parsed as trees; no real one comes near this
CHUNK = 1 << 20



def render_number(value: float) -> str:
    """The text of a numeric cell: integral values below 1e15 as integers (``2020``, ``-3``), everything
    else as Python's shortest round-trip ``repr`` (``3.5``, ``4.40308199001011e+17``, ``1234567890123456.0``).

    Excel keeps 15 significant digits, so an integer below 1e15 is exact and prints as typed; anything
    larger (an identity number or bank account typed into a General cell) shows that Excel stored a number.
    """
    if math.isfinite(value) and value == math.floor(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def column_index(letters: bytes | str) -> int:
    """0-based index of a column name: A -> 0, Z -> 25, AA -> 26."""
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def column_letters(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


# --------------------------------------------------------------------------------------------- container


def open_zip(path: Path, size: int, max_bytes: int) -> zipfile.ZipFile:
    """The opened archive, after the container checks (not an xlsx, encrypted, bomb)."""
    try:
        zf = zipfile.ZipFile(path)
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
        raise fail("corrupt_xlsx", detail=f"ZIP: {exc}") from exc
    try:
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names:
            kind_en, kind_zh = "", ""
            if "word/document.xml" in names:
                kind_en, kind_zh = "; it looks like a Word document", "，看起来是 Word 文档"
            elif "ppt/presentation.xml" in names:
                kind_en, kind_zh = "; it looks like a PowerPoint presentation", "，看起来是 PowerPoint 演示文稿"
            elif "xl/workbook.bin" in names:
                kind_en, kind_zh = "; it is a binary workbook (.xlsb)", "，是二进制工作簿（.xlsb）"
            elif "content.xml" in names:
                kind_en, kind_zh = "; it looks like an OpenDocument file", "，看起来是 OpenDocument 文件"
            raise fail("not_xlsx", kind_en=kind_en, kind_zh=kind_zh)
        if any(i.flag_bits & 0x1 for i in infos):
            raise fail("encrypted_or_xls")
        uncompressed = sum(i.file_size for i in infos)
        compressed = sum(i.compress_size for i in infos)
        ratio = uncompressed / max(compressed, 1)
        if uncompressed > max_bytes or (uncompressed > RATIO_FLOOR and ratio > MAX_RATIO):
            raise fail("zip_bomb", compressed_mb=mb(compressed), uncompressed_mb=mb(uncompressed), ratio=f"{ratio:.0f}",
                       limit_mb=mb(max_bytes), uncompressed=uncompressed, compressed=compressed)
    except UnreadableFile:
        zf.close()
        raise
    return zf


def inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo):
    """The member's bytes in chunks, read from its local header and inflated with a bounded output.

    Raises corrupt_xlsx when the member does not inflate to exactly ``info.file_size`` bytes with the
    declared CRC (a member lying about its size is a bomb in disguise).
    """

    def corrupt(why: str) -> UnreadableFile:
        return fail("corrupt_xlsx", detail=f"{info.filename}: {why}")

    fp = zf.fp
    if fp is None:
        raise corrupt("archive closed")
    fp.seek(info.header_offset)
    header = fp.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise corrupt("bad local header")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    fp.seek(info.header_offset + 30 + name_len + extra_len)
    remaining = info.compress_size
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size != info.file_size:
            raise corrupt("stored size mismatch")
        decomp = None
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        decomp = zlib.decompressobj(-15)
    else:
        raise corrupt(f"unsupported compression method {info.compress_type}")
    produced = 0
    crc = 0
    try:
        while remaining:
            raw = fp.read(min(CHUNK, remaining))
            if not raw:
                raise corrupt("truncated")
            remaining -= len(raw)
            data = raw
            while data:
                if decomp is None:
                    out, data = data, b""
                else:
                    out = decomp.decompress(data, CHUNK)
                    data = decomp.unconsumed_tail
                if out:
                    produced += len(out)
                    if produced > info.file_size:
                        raise corrupt("inflates beyond its declared size")
                    crc = zlib.crc32(out, crc)
                    yield out
                if decomp is not None and decomp.eof:
                    break
        if decomp is not None:
            tail = decomp.flush()
            if tail:
                produced += len(tail)
                if produced > info.file_size:
                    raise corrupt("inflates beyond its declared size")
                crc = zlib.crc32(tail, crc)
                yield tail
            if not decomp.eof:
                raise corrupt("deflate stream incomplete")
    except zlib.error as exc:
        raise corrupt(f"deflate: {exc}") from exc
    if produced != info.file_size:
        raise corrupt("size mismatch")
    if crc != info.CRC:
        raise corrupt("CRC mismatch")


def read_small(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > SMALL_XML:
        raise fail("corrupt_xlsx", detail=f"{info.filename}: implausibly large")
    return b"".join(inflate(zf, info))


@dataclass
class SheetEntry:
    name: str
    path: str | None  # the worksheet part inside the zip; None for chart sheets and the like
    state: str  # visible, hidden, veryHidden


def workbook_sheets(zf: zipfile.ZipFile) -> list[SheetEntry]:
    infos = {i.filename: i for i in zf.infolist()}
    try:
        wb = ElementTree.fromstring(read_small(zf, infos["xl/workbook.xml"]))
        rels_info = infos.get("xl/_rels/workbook.xml.rels")
        rels = ElementTree.fromstring(read_small(zf, rels_info)) if rels_info else None
    except ElementTree.ParseError as exc:
        raise fail("corrupt_xlsx", detail=f"workbook.xml: {exc}") from exc
    targets: dict[str, tuple[str, str]] = {}
    if rels is not None:
        for rel in rels.iter():
            if rel.tag.rsplit("}", 1)[-1] == "Relationship":
                target = rel.get("Target", "")
                if rel.get("TargetMode") == "External":
                    continue
                part = target.lstrip("/") if target.startswith("/") else _join("xl", target)
                targets[rel.get("Id", "")] = (part, rel.get("Type", ""))
    out = []
    for el in wb.iter():
        if el.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if k.rsplit("}", 1)[-1] == "id" and k != "sheetId"), None)
        part, kind = targets.get(rid or "", (None, ""))
        if part is not None and not kind.endswith("/worksheet"):
            part = None
        out.append(SheetEntry(name=el.get("name", ""), path=part if part in infos else None, state=el.get("state", "visible")))
    return out


def _join(base: str, target: str) -> str:
    parts = base.split("/")
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


# ------------------------------------------------------------------------------------------------ scanning

_NUM = rb"[-+]?(?:\d{16,}(?:\.\d*)?|\d*\.?\d+[eE][-+]?\d+)"
_REF = re.compile(rb'\sr="([A-Z]{1,3})([0-9]{1,7})"')
_ROW_R = re.compile(rb'\sr="([0-9]{1,7})"')
_ROOT = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet[\s>]")


@dataclass
class SheetScan:
    first_row: int | None = None  # 1-based row of the first cell with a value; None: the sheet is empty
    formula_count: int = 0
    formula_cells: list[str] = field(default_factory=list)  # up to 10 references like "C5"
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # (row1, col1, row2, col2), rows 1-based, cols 0-based
    overrides: dict[tuple[int, int], str] = field(default_factory=dict)  # (row 1-based, col 0-based) -> text


class _Scanner:
    def __init__(self, prefix: bytes):
        p = re.escape(prefix)
        self.cell_open = b"<" + prefix + b"c "
        self.row_open = b"<" + prefix + b"row"
        self.f_re = re.compile(b"<" + p + rb"f[\s>/]")
        # Candidates first (16+ characters, or an error code): a literal-prefixed pattern that fails fast on
        # the millions of short <v> of an ordinary sheet; then the exact pattern on the few candidates.
        self.v_candidate = re.compile(b"<" + p + rb"v>(?:[^<]{16}|#)")
        self.v_re = re.compile(b"<" + p + b"v>(" + _NUM + rb"|#[^<]{1,30})</" + p + b"v>")
        self.value_re = re.compile(b"<" + p + rb"(?:v|is)[\s>]")
        self.merge_re = re.compile(b"<" + p + rb'mergeCell\s[^>]*?ref="([A-Z]{1,3})([0-9]{1,7})(?::([A-Z]{1,3})([0-9]{1,7}))?"')
        self.scan = SheetScan()
        self.last_row = 0  # row of the last <row> tag seen, while looking for the first value

    def _cell_ref(self, buf: bytes, pos: int) -> tuple[int, int] | None:
        start = buf.rfind(self.cell_open, 0, pos)
        if start < 0:
            return None
        end = buf.find(b">", start)
        m = _REF.search(buf, start, end if end > 0 else pos)
        return (int(m.group(2)), column_index(m.group(1))) if m else None

    def _track_rows(self, buf: bytes, end: int) -> None:
        pos = buf.rfind(self.row_open, 0, end)
        while pos >= 0 and buf[pos + len(self.row_open):pos + len(self.row_open) + 1] not in (b" ", b">", b"\t", b"\n", b"\r", b"/"):
            pos = buf.rfind(self.row_open, 0, pos)
        if pos >= 0:
            tag_end = buf.find(b">", pos)
            m = _ROW_R.search(buf, pos, tag_end if tag_end > 0 else end)
            self.last_row = int(m.group(1)) if m else self.last_row + 1

    def feed(self, buf: bytes) -> None:
        s = self.scan
        if s.first_row is None:
            m = self.value_re.search(buf)
            if m is None:
                self._track_rows(buf, len(buf))
            else:
                ref = self._cell_ref(buf, m.start())
                if ref is not None:
                    s.first_row = ref[0]
                else:
                    self._track_rows(buf, m.start())
                    s.first_row = max(self.last_row, 1)
        for m in self.f_re.finditer(buf):
            s.formula_count += 1
            if len(s.formula_cells) < 10:
                ref = self._cell_ref(buf, m.start())
                s.formula_cells.append(f"{column_letters(ref[1])}{ref[0]}" if ref else "?")
        for candidate in self.v_candidate.finditer(buf):
            m = self.v_re.match(buf, candidate.start())
            if m is None:
                continue
            ref = self._cell_ref(buf, m.start())
            if ref is None:
                continue
            raw = m.group(1).decode("ascii", "replace")
            if raw.startswith("#"):
                s.overrides[ref] = raw
            else:
                try:
                    s.overrides[ref] = render_number(float(raw))
                except ValueError:
                    continue
        for m in self.merge_re.finditer(buf):
            c1, r1 = column_index(m.group(1)), int(m.group(2))
            c2, r2 = (column_index(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
            s.merges.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))


def scan_sheet(chunks) -> SheetScan:
    """One streaming pass over a worksheet's XML (any iterable of byte chunks)."""
    scanner: _Scanner | None = None
    carry = b""
    for chunk in chunks:
        buf = carry + chunk
        if scanner is None:
            m = _ROOT.search(buf[:65536])
            if m is None and len(buf) < 65536:
                carry = buf
                continue
            scanner = _Scanner((m.group(1) + b":") if m and m.group(1) else b"")
        # Cut before the last cell (or the last tag): everything before the cut holds only whole cells.
        cut = buf.rfind(scanner.cell_open)
        if cut <= 0:
            cut = buf.rfind(b"<")
        if cut <= 0 or len(buf) - cut > 64 * MB:
            cut = len(buf)
        scanner.feed(buf[:cut])
        carry = buf[cut:]
    if scanner is None:
        m = _ROOT.search(carry)
        scanner = _Scanner((m.group(1) + b":") if m and m.group(1) else b"")
    if carry:
        scanner.feed(carry)
    return scanner.scan


# ------------------------------------------------------------------------------------------------- loading


def load_sheet(reader, name: str, scan: SheetScan) -> tuple[list[str], pl.DataFrame, int]:
    """The header row (indexed by absolute column, A = 0), the data rows and the header's row number.

    The header is the first row of calamine's range that has a non-blank cell (rows holding only empty
    strings or spaces above it are skipped, as they look blank in Excel). The frame has ``_row`` (Int64,
    the spreadsheet row number) and one String column ``c<absolute column index>`` per column of the range,
    with the scan's overrides applied and merged data cells filled from their top-left cell. Nothing is
    stripped or filtered yet.
    """
    try:
        sheet = reader.load_sheet(name, header_row=None, dtypes="string")
        infos = list(sheet.selected_columns)
        raw = sheet.to_polars()
    except (fastexcel.FastExcelError, OSError, ValueError) as exc:
        raise fail("corrupt_xlsx", detail=f"{name}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from exc
    absolute = {info.name: info.absolute_index for info in infos}
    raw = raw.rename({c: f"c{absolute[c]}" for c in raw.columns})
    skip = 0
    while skip < raw.height and not any((v or "").strip() for v in raw.row(skip)):
        skip += 1
    header_row = (scan.first_row or 1) + skip
    width = (max(absolute.values()) + 1) if absolute else 0
    headers = [""] * width
    if skip < raw.height:
        for col, value in raw.row(skip, named=True).items():
            headers[int(col[1:])] = (value or "").strip()
    data = raw.slice(skip + 1)
    height = data.height

    by_column: dict[str, tuple[list[int], list[str]]] = {}
    for (row, col), text in scan.overrides.items():
        i = row - header_row - 1
        name_ = f"c{col}"
        if 0 <= i < height and name_ in data.columns:
            idx, vals = by_column.setdefault(name_, ([], []))
            idx.append(i)
            vals.append(text)
    fills: dict[str, np.ndarray] = {}
    for r1, c1, r2, _c2 in scan.merges:
        a, b = r1 - header_row - 1, min(r2 - header_row - 1, height - 1)
        name_ = f"c{c1}"
        if a < 0 or a >= b or name_ not in data.columns:
            continue
        gather = fills.get(name_)
        if gather is None:
            gather = fills[name_] = np.arange(height)
        gather[a + 1:b + 1] = a
    if by_column or fills:
        replaced = []
        for name_ in set(by_column) | set(fills):
            s = data.get_column(name_)
            if name_ in by_column:
                idx, vals = by_column[name_]
                s = s.scatter(idx, vals)
            if name_ in fills:
                s = s.gather(fills[name_])
            replaced.append(s)
        data = data.with_columns(replaced)
    data = data.with_columns((pl.int_range(0, pl.len(), dtype=pl.Int64) + (header_row + 1)).alias("_row"))
    return headers, data, header_row
