"""CSV: encoding detection and transcoding, the header row and delimiter, diagnosing a file Polars refused."""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
import weakref
from pathlib import Path

from ._read_errors import UnreadableFile, fail

CHUNK = 1 << 20
HEADER_BYTES = 1 << 20  # the header record must fit in the first MiB
BOM = b"\xef\xbb\xbf"


class TempFile:
    """A temporary file deleted by ``close()`` or, failing that, when the last reference goes."""

    def __init__(self, directory: Path | None):
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="import-", suffix=".csv", dir=directory)
        os.close(fd)
        self.path = Path(name)
        self._finalizer = weakref.finalize(self, _unlink, str(self.path))

    def close(self) -> None:
        self._finalizer()


def _unlink(name: str) -> None:
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass


def first_invalid(path: Path, encoding: str, skip: int = 0) -> int | None:
    """Byte offset of the first sequence that is invalid in ``encoding`` (None: the file is valid)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    pos = skip
    with open(path, "rb") as fh:
        fh.seek(skip)
        while True:
            chunk = fh.read(CHUNK)
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                return pos - pending + exc.start
            if not chunk:
                return None
            pos += len(chunk)


def transcode(path: Path, encoding: str, directory: Path | None) -> tuple[TempFile | None, int | None]:
    """(UTF-8 copy, None) or (None, offset of the first invalid byte). Streaming, constant memory."""
    out = TempFile(directory)
    decoder = codecs.getincrementaldecoder(encoding)()
    pos = 0
    try:
        with open(path, "rb") as src, open(out.path, "wb") as dst:
            while True:
                chunk = src.read(CHUNK)
                pending = len(decoder.getstate()[0])
                try:
                    text = decoder.decode(chunk, final=not chunk)
                except UnicodeDecodeError as exc:
                    out.close()
                    return None, pos - pending + exc.start
                dst.write(text.encode("utf-8"))
                if not chunk:
                    return out, None
                pos += len(chunk)
    except BaseException:
        out.close()
        raise


def detect_encoding(path: Path, directory: Path | None) -> tuple[str, Path, TempFile | None]:
    """(encoding, a UTF-8 file to parse, the temporary file if one was written).

    UTF-8 with a BOM, then UTF-8, then GB18030 (a superset of GBK and GB2312), each checked over the
    whole file; GB18030 is transcoded to a temporary UTF-8 file on the way.
    """
    with open(path, "rb") as fh:
        head = fh.read(65536)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise _unknown(0, "UTF-8", utf16=True)
    if b"\x00" in head:  # no text file has NUL bytes; UTF-16 without a BOM does
        raise _unknown(head.index(b"\x00"), "UTF-8", utf16=True)
    if head.startswith(BOM):
        offset = first_invalid(path, "utf-8", skip=3)
        if offset is None:
            return "utf-8-sig", path, None
        raise _unknown(offset, "UTF-8")
    utf8_offset = first_invalid(path, "utf-8")
    if utf8_offset is None:
        return "utf-8", path, None
    temp, gb_offset = transcode(path, "gb18030", directory)
    if temp is not None:
        return "gb18030", temp.path, temp
    # Name the encoding that got further: the file is most likely a damaged file of that encoding.
    if gb_offset is not None and gb_offset > utf8_offset:
        raise _unknown(gb_offset, "GB18030", other=utf8_offset)
    raise _unknown(utf8_offset, "UTF-8", other=gb_offset)


def _unknown(offset: int, encoding: str, *, utf16: bool = False, other: int | None = None) -> UnreadableFile:
    return fail(
        "unknown_encoding", offset=offset, encoding=encoding, other_offset=other,
        utf16_en=" (it looks like UTF-16, Excel's “Unicode Text”)" if utf16 else "",
        utf16_zh="（看起来是 UTF-16 编码，即 Excel 的“Unicode 文本”）" if utf16 else "",
    )


def sniff_delimiter(line: str) -> str:
    """Comma; tab or semicolon when the header line has that one and neither of the others."""
    if "," in line:
        return ","
    if "\t" in line and ";" not in line:
        return "\t"
    if ";" in line and "\t" not in line:
        return ";"
    return ","


def read_header(path: Path) -> tuple[list[str], str] | None:
    """(header fields, delimiter), or None when the file holds nothing but whitespace."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        text = fh.read(HEADER_BYTES)
    if not text.strip():
        return None
    # Sniff on the header's first physical line (a header cell is not expected to span lines).
    first_line = text.split("\n", 1)[0]
    delimiter = sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader, [])
    except csv.Error:
        header = first_line.rstrip("\r").split(delimiter)
    return [h.strip() for h in header], delimiter


def diagnose(path: Path, delimiter: str, n_fields: int, detail: str) -> UnreadableFile:
    """The error for a CSV file Polars could not parse: the first record with too many fields, or the
    first quoting error as Python's csv module sees it, or Polars' own message."""
    delim_en = {"\t": "Tab", ",": ",", ";": ";"}.get(delimiter, delimiter)
    delim_zh = {"\t": "制表符"}.get(delimiter, delimiter)
    records = 0
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter, strict=True)
        try:
            for record in reader:
                records += 1
                if len(record) > n_fields:
                    return fail("ragged_rows", row=records, fields=len(record), header_fields=n_fields, delimiter=delimiter,
                                delimiter_en=delim_en, delimiter_zh=delim_zh)
        except csv.Error as exc:
            row = records + 1
            return fail("malformed_csv", row=row, detail=str(exc), near_en=f" near row {row}", near_zh=f"（第 {row} 行附近）")
    first = detail.strip().splitlines()[0] if detail.strip() else "unknown error"
    return fail("malformed_csv", row=None, detail=first, near_en="", near_zh="")
