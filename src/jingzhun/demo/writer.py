"""Set-based writing of generated rows: PostgreSQL binary COPY, SQLite executemany; bulk index rebuilds.

The generator hands over typed columns (:func:`ints`, :func:`money`, :func:`text`, ...), one per model field
(attname).  Fields it does not know are filled with the field's default, or NULL when nullable, so a column
added to a model later does not break the generator.

* PostgreSQL: ``COPY table (cols) FROM STDIN (FORMAT BINARY)``.  Rows are encoded with numpy: every row is
  one record of a structured array (field count, then each cell's length and value); variable-width cells
  (text, nullable values) are padded to their column's widest value and the padding is masked out of the
  row bytes afterwards; categories are coded with ``pandas.factorize`` and each distinct value encoded once.
  No Python object is made per cell, numbers never become strings.  Columns whose database type the encoder
  does not know make the table fall back to text COPY.
* SQLite: ``executemany`` on the raw sqlite3 connection (inside Django's transaction), with the values
  Django itself would bind: ints, floats for decimals (NUMERIC affinity stores 12.0 as 12 and '12.00' as 12
  alike), ISO strings for dates and naive-UTC datetimes.
* :class:`IndexRebuild` drops the secondary indexes (PostgreSQL: also primary keys, unique and foreign-key
  constraints, and other tables' foreign keys into them) of some tables and recreates them, for loads that
  are large compared with the tables.  DDL is transactional
  on both databases, so a failure in between rolls everything back.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from django.db import connections
from django.db.models import Model

NULL_PG = "\\N"
_PG_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
PG_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
PG_TRAILER = b"\xff\xff"
PG_EPOCH = np.datetime64("2000-01-01", "D")
US_PER_DAY = 86_400_000_000


# ----------------------------------------------------------------------------------------------------------
# typed columns
# ----------------------------------------------------------------------------------------------------------


@dataclass
class Col:
    kind: str  # int, bool, date, ts, decimal, text, cat, const
    data: Any = None
    mask: np.ndarray | None = None  # True where a value is present (nullable kinds)
    scale: int = 0  # decimal: digits after the point (data are integers in units of 10**-scale)
    seconds: int = 0  # ts: time of day (UTC) added to the dates


def ints(arr, mask=None) -> Col:
    return Col("int", np.asarray(arr, dtype=np.int64), None if mask is None else np.asarray(mask, dtype=bool))


def bools(arr) -> Col:
    return Col("bool", np.asarray(arr, dtype=bool))


def dates(days) -> Col:
    return Col("date", np.asarray(days, dtype="datetime64[D]"))


def timestamps(days, seconds: int = 0) -> Col:
    """Dates at a fixed UTC time of day (aware datetimes)."""
    return Col("ts", np.asarray(days, dtype="datetime64[D]"), seconds=seconds)


def money(cents) -> Col:
    return Col("decimal", np.asarray(cents, dtype=np.int64), scale=2)


def decimal(units, scale: int, mask=None) -> Col:
    return Col("decimal", np.asarray(units, dtype=np.int64), None if mask is None else np.asarray(mask, dtype=bool),
               scale=scale)


def text(values: Sequence[str]) -> Col:
    """Free text, mostly distinct values: str, or a NumPy bytes array (``S``) of ASCII text."""
    return Col("text", values)


def cat(values: Sequence[str]) -> Col:
    """Text from a small set of values (encodings are cached)."""
    return Col("cat", values)


def const(value) -> Col:
    return Col("const", value)


# ----------------------------------------------------------------------------------------------------------
# PostgreSQL binary encoding
# ----------------------------------------------------------------------------------------------------------

_INT_TYPES = {"bigint": ">i8", "integer": ">i4", "smallint": ">i2"}
_NUMERIC = re.compile(r"numeric\((\d+),\s*(\d+)\)")


def _strings(values) -> list:
    """Text values as a list of str (a NumPy bytes array holds ASCII)."""
    if isinstance(values, np.ndarray):
        return values.astype("U").tolist() if values.dtype.kind == "S" else values.tolist()
    return values


class _EncodeCache(dict):
    """str -> UTF-8 bytes, for values that repeat."""

    def __missing__(self, key):
        value = self[key] = key.encode()
        return value


_BYTES = _EncodeCache()  # categories only: free text is encoded without caching


class _Unsupported(Exception):
    pass


def _pg_kind(db_type: str) -> tuple[str, Any]:
    if db_type in _INT_TYPES:
        return "int", _INT_TYPES[db_type]
    if db_type == "boolean":
        return "bool", None
    if db_type == "date":
        return "date", None
    if db_type == "timestamp with time zone":
        return "ts", None
    if m := _NUMERIC.fullmatch(db_type):
        return "decimal", int(m.group(2))
    if db_type.startswith("varchar") or db_type == "text":
        return "text", None
    raise _Unsupported(db_type)


def _numeric_fields(units: np.ndarray, scale: int) -> np.ndarray:
    """Binary numeric values with a fixed layout (4 base-10000 digits, weight 2: below 10**12, up to 4 decimals),
    as an (n, 8) int16 array: ndigits, weight, sign, dscale, digits.  PostgreSQL strips the zero digits."""
    if scale > 4:
        raise _Unsupported(f"numeric scale {scale}")
    a = np.abs(units)
    whole, frac = np.divmod(a, 10**scale)
    if whole.size and whole.max() >= 10**12:
        raise _Unsupported("numeric value too large for the fixed layout")
    out = np.empty((len(units), 8), dtype=np.int16)
    out[:, 0] = 4
    out[:, 1] = 2
    out[:, 2] = np.where(units < 0, 0x4000, 0)
    out[:, 3] = scale
    high, low = np.divmod(whole, 10**8)
    out[:, 4] = high
    out[:, 5] = low // 10**4
    out[:, 6] = low % 10**4
    out[:, 7] = frac * 10 ** (4 - scale)
    return out


class _Cell:
    """One column ready for binary encoding: one field of the rows' record array.

    Fixed width (`lengths` is None): every cell is `dtype`'s width; the encoder writes the 4-byte length.
    Variable (`lengths` given, -1 for NULL): `values` padded to `dtype`'s width; the padding is cut out of
    the assembled rows."""

    __slots__ = ("dtype", "values", "lengths")

    def __init__(self, dtype, values, lengths=None):
        self.dtype, self.values, self.lengths = np.dtype(dtype), values, lengths

    @property
    def fixed(self) -> bool:
        return self.lengths is None


def _fixed_or_var(raw: np.ndarray, mask: np.ndarray | None, dtype) -> _Cell:
    if mask is None or mask.all():
        return _Cell(dtype, raw)
    return _Cell(dtype, raw, np.where(mask, np.dtype(dtype).itemsize, -1).astype(np.int32))


def _padded(raw: np.ndarray) -> _Cell:
    """Byte strings as an ``S`` array (zero-padded to the widest): a fixed cell when they all have its width.
    ``S`` drops trailing NUL bytes, which text never has (PostgreSQL refuses them)."""
    lengths = np.strings.str_len(raw).astype(np.int32)
    if len(raw) and lengths.min() == raw.dtype.itemsize:
        return _Cell(raw.dtype, raw)
    return _Cell(raw.dtype, raw, lengths)


def _categories(values) -> _Cell:
    """Text from a small set of values: each distinct value encoded once, the rows gathered by code."""
    index, distinct = pd.factorize(np.asarray(values, dtype=object), sort=False)
    table = _padded(np.array([_BYTES[v] for v in distinct], dtype="S"))
    return _Cell(table.dtype, table.values[index], None if table.fixed else table.lengths[index])


def _encode_const(value, kind, arg, n) -> _Cell:
    if value is None:
        return _Cell("S1", np.zeros(n, dtype="S1"), np.full(n, -1, dtype=np.int32))
    if kind == "text":
        return _categories([str(value)] * n)
    if kind == "int":
        return _Cell(arg, np.full(n, int(value), dtype=np.int64))
    if kind == "bool":
        return _Cell("u1", np.full(n, 1 if value else 0, dtype=np.uint8))
    if kind == "date":
        return _Cell(">i4", np.full(n, (np.datetime64(value, "D") - PG_EPOCH).astype(np.int64)))
    if kind == "ts":
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        us = (np.datetime64(value, "us") - PG_EPOCH.astype("datetime64[us]")).astype(np.int64)
        return _Cell(">i8", np.full(n, us, dtype=np.int64))
    if kind == "decimal":
        units = int((Decimal(value) * 10**arg).to_integral_value())
        return _Cell((">i2", (8,)), np.tile(_numeric_fields(np.array([units]), arg), (n, 1)))
    raise _Unsupported(kind)


def _encode_col(col: Col, kind: str, arg, n: int) -> _Cell:
    if col.kind == "const":
        return _encode_const(col.data, kind, arg, n)
    if kind == "text":
        if col.kind not in ("text", "cat"):
            raise _Unsupported(f"{col.kind} into text")
        if col.kind == "cat":
            return _categories(col.data)
        if isinstance(col.data, np.ndarray) and col.data.dtype.kind == "S":  # ASCII bytes: the cells as they are
            return _padded(col.data)
        values = col.data.tolist() if isinstance(col.data, np.ndarray) else list(col.data)
        return _padded(np.array(list(map(str.encode, values)), dtype="S"))
    if col.kind != kind:
        raise _Unsupported(f"{col.kind} into {kind}")
    if kind == "int":
        return _fixed_or_var(col.data, col.mask, arg)
    if kind == "bool":
        return _fixed_or_var(col.data.astype(np.uint8), col.mask, "u1")
    if kind == "date":
        return _fixed_or_var((col.data - PG_EPOCH).astype(np.int64), col.mask, ">i4")
    if kind == "ts":
        us = (col.data - PG_EPOCH).astype(np.int64) * US_PER_DAY + col.seconds * 1_000_000
        return _fixed_or_var(us, col.mask, ">i8")
    if kind == "decimal":
        if col.scale > arg:
            raise _Unsupported("decimal scale")
        units = col.data if col.scale == arg else col.data * 10 ** (arg - col.scale)
        return _fixed_or_var(_numeric_fields(units, arg), col.mask, (">i2", (8,)))
    raise _Unsupported(kind)


def encode_pg_binary(cells: list[_Cell], n: int) -> list:
    """A complete binary COPY stream (signature, rows, trailer) as a list of buffers, the cells in the order given.

    The rows are one record array: the field count, then per cell its 4-byte length and its value (runs of
    fixed cells of one type share a sub-array field), started as copies of one template row that holds the
    count and the fixed lengths.  Without variable cells its bytes are the rows; with them, a byte mask drops
    each variable cell's padding (one compress, no Python object per cell)."""
    runs: list[list[_Cell]] = []
    for c in cells:
        if c.fixed and runs and runs[-1][0].fixed and runs[-1][0].dtype == c.dtype:
            runs[-1].append(c)
        else:
            runs.append([c])
    dtype = np.dtype([("count", ">i2")] + [  # a run of several fixed cells is one sub-array field
        (f"c{i}", [("l", ">i4"), ("v", members[0].dtype)], (len(members),) if len(members) > 1 else ())
        for i, members in enumerate(runs)])
    template = np.zeros(1, dtype=dtype)
    template["count"] = len(cells)
    for i, members in enumerate(runs):
        if members[0].fixed:
            template[f"c{i}"]["l"] = members[0].dtype.itemsize
    rows = np.tile(template.view(np.uint8), n)
    rec = rows.view(dtype)
    keep = None
    for i, members in enumerate(runs):
        field = rec[f"c{i}"]
        if len(members) > 1:
            values = field["v"]
            for j, c in enumerate(members):  # column by column (no stacked temporary)
                values[:, j] = c.values
            continue
        c = members[0]
        field["v"] = c.values
        if c.fixed:
            continue
        field["l"] = c.lengths
        if keep is None:
            keep = np.ones((n, dtype.itemsize), dtype=bool)
        start = dtype.fields[f"c{i}"][1] + dtype.fields[f"c{i}"][0].fields["v"][1]
        size = c.dtype.itemsize
        keep[:, start:start + size] = _PREFIXES[size][np.maximum(c.lengths, 0)]
    body = rows if keep is None else rows.reshape(n, dtype.itemsize)[keep]
    return [PG_SIGNATURE, memoryview(body), PG_TRAILER]


class _Prefixes(dict):
    """width -> a (width + 1, width) boolean table whose row k keeps the first k bytes."""

    def __missing__(self, width):
        value = self[width] = np.arange(width) < np.arange(width + 1)[:, None]
        return value


_PREFIXES = _Prefixes()


# ----------------------------------------------------------------------------------------------------------
# writer
# ----------------------------------------------------------------------------------------------------------


def _unique_strings(days: np.ndarray, fmt) -> list:
    """Format the distinct values once and share the strings (dates repeat a lot)."""
    uniq, inverse = np.unique(days, return_inverse=True)
    return np.asarray(fmt(uniq), dtype=object)[inverse].tolist()


class Writer:
    """Writes typed columns set-based to one database."""

    def __init__(self, using: str = "default"):
        self.using = using
        self.connection = connections[using]
        self.vendor = self.connection.vendor
        if self.vendor not in ("postgresql", "sqlite"):
            raise NotImplementedError(f"the demo generator supports PostgreSQL and SQLite, not {self.vendor}")
        self.pg = self.vendor == "postgresql"

    # --- primary keys -----------------------------------------------------------------------------------

    def max_id(self, model: type[Model]) -> int:
        """The highest id used so far (table or sequence), for allocating ids while the table is locked."""
        table, pk = model._meta.db_table, model._meta.pk.column
        with self.connection.cursor() as cur:
            cur.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')
            top = cur.fetchone()[0]
            if self.pg:
                cur.execute("SELECT pg_get_serial_sequence(%s, %s)", [f'"{table}"', pk])
                seq = cur.fetchone()[0]
                cur.execute(f"SELECT last_value, is_called FROM {seq}")
                last, called = cur.fetchone()
                return max(top, last if called else last - 1)
            cur.execute("SELECT name FROM sqlite_master WHERE type='table' AND name='sqlite_sequence'")
            if cur.fetchone():
                cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                row = cur.fetchone()
                if row and row[0]:
                    top = max(top, row[0])
            return top

    def sync_sequence(self, model: type[Model]) -> None:
        """After inserting explicit ids: move the id sequence past them (PostgreSQL; SQLite does it itself)."""
        if not self.pg:
            return
        table, pk = model._meta.db_table, model._meta.pk.column
        with self.connection.cursor() as cur:
            cur.execute(f"SELECT setval(pg_get_serial_sequence(%s, %s), GREATEST((SELECT MAX(\"{pk}\") FROM \"{table}\"), 1))",
                        [f'"{table}"', pk])

    def reserve_ids(self, model: type[Model], n: int) -> np.ndarray:
        """n new primary keys for `model`, safe with concurrent writers (call inside the inserting transaction)."""
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        if not self.pg:  # the write transaction (BEGIN IMMEDIATE) holds the database lock
            top = self.max_id(model)
            return np.arange(top + 1, top + 1 + n, dtype=np.int64)
        table, pk = model._meta.db_table, model._meta.pk.column
        with self.connection.cursor() as cur:
            cur.execute("SELECT pg_get_serial_sequence(%s, %s)", [f'"{table}"', pk])
            seq = cur.fetchone()[0]
            cur.execute("SELECT min(v), max(v) FROM (SELECT nextval(%s) AS v FROM generate_series(1, %s)) s", [seq, n])
            low, high = cur.fetchone()
            if high - low + 1 == n:  # contiguous unless another session drew values meanwhile
                return np.arange(low, high + 1, dtype=np.int64)
            cur.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [seq, n])
            return np.array([r[0] for r in cur.fetchall()], dtype=np.int64)

    # --- building ---------------------------------------------------------------------------------------

    def _columns(self, model: type[Model], values: dict[str, Col]) -> list[tuple[Any, Col]]:
        out = []
        for field in model._meta.concrete_fields:
            col = values.get(field.attname)
            if col is None:
                if field.has_default():
                    col = const(field.get_default())
                elif field.null:
                    col = const(None)
                else:
                    raise ValueError(f"the demo generator has no value for {model._meta.label}.{field.name}")
            out.append((field, col))
        return out

    def prepare(self, model: type[Model], values: dict[str, Col], n: int) -> tuple[str, Any]:
        """(statement, payload) for :meth:`send`; the CPU-heavy part, done before touching the connection."""
        columns = self._columns(model, values)
        table = self.connection.ops.quote_name(model._meta.db_table)
        if self.pg:
            try:
                cells = []
                for field, col in columns:
                    kind, arg = _pg_kind(field.db_type(self.connection))
                    cells.append((field.column, _encode_col(col, kind, arg, n)))
                # fixed-width columns first, grouped by type (one structured sub-array per type)
                cells.sort(key=lambda fc: (not fc[1].fixed, str(fc[1].dtype) if fc[1].fixed else ""))
                names = ", ".join(self.connection.ops.quote_name(c) for c, _ in cells)
                # the rows are assembled when the payload is called (numpy copies, mostly without the GIL:
                # the generator does it in a thread of its own, beside the next chunk's simulation)
                return (f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)",
                        partial(encode_pg_binary, [cell for _, cell in cells], n))
            except _Unsupported:
                pass
            names = ", ".join(self.connection.ops.quote_name(f.column) for f, _ in columns)
            rows = zip(*(self._text_values(col, n) for _, col in columns))
            return f"COPY {table} ({names}) FROM STDIN", ["".join("\t".join(r) + "\n" for r in rows)]
        names = ", ".join(self.connection.ops.quote_name(f.column) for f, _ in columns)
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
        return sql, (n, [self._sqlite_values(col, n) for _, col in columns])

    def send(self, statement: str, payload, connection=None) -> None:
        """Run a prepared statement; `connection` is the raw DB-API connection (default: this writer's)."""
        if callable(payload):
            payload = payload()
        if connection is None:
            self.connection.ensure_connection()
            connection = self.connection.connection
        if self.pg:
            with connection.cursor() as cur, cur.copy(statement) as copy:
                for buffer in payload:
                    copy.write(buffer)
        else:
            _, cols = payload
            connection.executemany(statement, zip(*cols))

    def insert(self, model: type[Model], values: dict[str, Col], n: int) -> int:
        if n:
            self.send(*self.prepare(model, values, n))
        return n

    # --- SQLite values ----------------------------------------------------------------------------------

    def _sqlite_values(self, col: Col, n: int):
        k = col.kind
        if k == "const":
            v = col.data
            if isinstance(v, bool):
                v = int(v)
            elif isinstance(v, Decimal):
                v = str(v)
            elif isinstance(v, dt.datetime):
                if v.tzinfo is not None:
                    v = v.astimezone(dt.UTC).replace(tzinfo=None)
                v = v.isoformat(" ")
            elif isinstance(v, dt.date):
                v = v.isoformat()
            return itertools.repeat(v, n)
        if k == "int":
            out = col.data.tolist()
        elif k == "bool":
            out = col.data.astype(np.int8).tolist()
        elif k == "date":
            return _unique_strings(col.data, lambda u: np.datetime_as_string(u, unit="D"))
        elif k == "ts":
            h, rest = divmod(col.seconds, 3600)
            suffix = f" {h:02d}:{rest // 60:02d}:{rest % 60:02d}"  # as Django writes naive UTC datetimes
            return _unique_strings(col.data, lambda u: np.char.add(np.datetime_as_string(u, unit="D"), suffix))
        elif k == "decimal":
            out = (col.data / 10**col.scale).tolist()
        elif k in ("text", "cat"):
            return _strings(col.data)
        else:
            raise ValueError(k)
        if col.mask is not None:
            arr = np.array(out, dtype=object)
            arr[~col.mask] = None
            out = arr.tolist()
        return out

    # --- PostgreSQL text fallback -----------------------------------------------------------------------

    def _text_values(self, col: Col, n: int):
        k = col.kind
        if k == "const":
            v = col.data
            if v is None:
                s = NULL_PG
            elif isinstance(v, bool):
                s = "t" if v else "f"
            elif isinstance(v, dt.datetime):
                if v.tzinfo is not None:
                    v = v.astimezone(dt.UTC).replace(tzinfo=None)
                s = f"{v.isoformat(' ')}+00"
            elif isinstance(v, dt.date):
                s = v.isoformat()
            else:
                s = str(v).translate(_PG_ESCAPE)
            return itertools.repeat(s, n)
        if k == "int":
            out = np.asarray(col.data.astype(str), dtype=object)
        elif k == "bool":
            out = np.where(col.data, "t", "f").astype(object)
        elif k == "date":
            out = np.asarray(np.datetime_as_string(col.data, unit="D"), dtype=object)
        elif k == "ts":
            us = col.data.astype("datetime64[us]") + np.timedelta64(col.seconds * 1_000_000, "us")
            out = (np.datetime_as_string(us, unit="s").astype(object) + "+00")
        elif k == "decimal":
            units = col.data
            sign = np.where(units < 0, "-", "").astype(object)
            whole, frac = np.divmod(np.abs(units), 10**col.scale)
            out = sign + whole.astype(str).astype(object)
            if col.scale:
                out = out + "." + np.char.zfill(frac.astype(str), col.scale).astype(object)
        elif k in ("text", "cat"):
            return [v.translate(_PG_ESCAPE) for v in _strings(col.data)]
        else:
            raise ValueError(k)
        if col.mask is not None:
            out[~col.mask] = NULL_PG
        return out.tolist()


# ----------------------------------------------------------------------------------------------------------
# bulk loads: drop secondary indexes and constraints, recreate them afterwards
# ----------------------------------------------------------------------------------------------------------


class IndexRebuild:
    """Drop the secondary indexes of `models` (PostgreSQL: also their primary keys, unique and foreign-key
    constraints, and other tables' foreign keys into them) and recreate them.  Use inside one transaction;
    PostgreSQL locks the tables until it ends.

    Measured on PostgreSQL 15 (2 vCPUs, 1 million persons): rebuilding every secondary index after the load
    is about 4 times faster than maintaining them row by row, and keeping the indexes whose keys arrive in
    ascending order is slower than rebuilding them too.  That holds for the primary keys as well: each row's
    index insertion is its own WAL record, so COPY of the 2 million income records takes 10.0 s with the
    key in place and 5.7 s without it, and building the key afterwards 1.3 s.  Foreign keys are dropped as
    well: their deferred per-row checks cost far more than one set-based validation when they are added back.
    The tables of `keep` (PostgreSQL) lose only their foreign keys: their keys and indexes are maintained, which
    costs the backend more in all, but in the COPY phase, where it waits on Python (`generator.KEEP_INDEXES`).
    """

    def __init__(self, models: Sequence[type[Model]], using: str = "default", keep: Sequence[type[Model]] = ()):
        self.connection = connections[using]
        self.tables = [m._meta.db_table for m in models]
        self.kept = [m._meta.db_table for m in keep]  # PostgreSQL: only foreign keys dropped (indexes maintained)
        self.indexes: list[str] = []  # CREATE INDEX statements
        self.constraints: list[tuple[str, str, str]] = []  # (table, name, definition)

    def drop(self) -> None:
        q = self.connection.ops.quote_name
        with self.connection.cursor() as cur:
            if self.connection.vendor == "postgresql":
                # Run foreign-key checks still pending in an enclosing transaction (DDL refuses tables with
                # pending trigger events), then defer again as Django's constraints are declared.
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cur.execute("SET CONSTRAINTS ALL DEFERRED")
                cur.execute("LOCK TABLE " + ", ".join(q(t) for t in self.tables) + " IN SHARE ROW EXCLUSIVE MODE")
                # foreign keys (theirs and other tables' into them), then unique constraints, then primary keys
                rebuilt = [t for t in self.tables if t not in self.kept]
                cur.execute(
                    "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                    "WHERE (c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('p', 'u', 'f')) "
                    "OR (c.conrelid = ANY(%s::regclass[]) AND c.contype = 'f') "
                    "OR (c.confrelid = ANY(%s::regclass[]) AND c.contype = 'f') "
                    "ORDER BY CASE c.contype WHEN 'f' THEN 0 WHEN 'u' THEN 1 ELSE 2 END, 1, c.conname",
                    [rebuilt, self.tables, self.tables])
                self.constraints = cur.fetchall()
                cur.execute(
                    "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                    "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT EXISTS "
                    "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x')) "
                    "ORDER BY 1", [rebuilt])
                rows = cur.fetchall()
                self.indexes = [d for _, d in rows]
                for table, name, _ in self.constraints:
                    cur.execute(f"ALTER TABLE {table} DROP CONSTRAINT {q(name)}")
                for name, _ in rows:
                    cur.execute(f"DROP INDEX {name}")
            else:
                # SQLite keeps the indexes on foreign-key columns: its deferred foreign-key bookkeeping looks
                # up child rows when a parent row arrives, and would scan the whole child table without them.
                marks = ", ".join("%s" for _ in self.tables)
                cur.execute(f"SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                            f"AND tbl_name IN ({marks}) ORDER BY name", self.tables)
                rows = cur.fetchall()
                drop = []
                for name, table, sql in rows:
                    cur.execute(f"PRAGMA foreign_key_list({q(table)})")
                    fk_columns = {r[3] for r in cur.fetchall()}
                    cur.execute(f"PRAGMA index_info({q(name)})")
                    columns = [r[2] for r in cur.fetchall()]
                    if columns and columns[0] in fk_columns:
                        continue
                    drop.append((name, sql))
                self.indexes = [sql for _, sql in drop]
                for name, _ in drop:
                    cur.execute(f"DROP INDEX {q(name)}")

    def restore(self) -> None:
        q = self.connection.ops.quote_name
        with self.connection.cursor() as cur:
            if self.connection.vendor == "postgresql":
                cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
                # the load's own deletions leave checks pending from tables outside the rebuild that refer to these
                # (procedure cases, measures): run them now, DDL refuses tables with pending trigger events
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cur.execute("SET CONSTRAINTS ALL DEFERRED")
            for statement in self.indexes:
                cur.execute(statement)
            for table, name, definition in reversed(self.constraints):  # keys first: foreign keys need them
                cur.execute(f"ALTER TABLE {table} ADD CONSTRAINT {q(name)} {definition}")
        # No ANALYZE here: it costs as much as a third of the rebuild, and autovacuum analyzes the tables soon.
