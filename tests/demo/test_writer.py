"""The PostgreSQL binary COPY encoder of the demo writer, decoded back without a database."""

from __future__ import annotations

import datetime as dt
import struct
from decimal import Decimal

import numpy as np

from jingzhun.demo import writer as w


def _decode(payload: bytes, kinds: list[str]) -> list[tuple]:
    """A minimal reader of PostgreSQL's binary COPY format for the types the encoder writes."""
    assert payload.startswith(w.PG_SIGNATURE) and payload.endswith(w.PG_TRAILER)
    pos, rows = len(w.PG_SIGNATURE), []
    while True:
        (count,) = struct.unpack_from(">h", payload, pos)
        pos += 2
        if count == -1:
            break
        assert count == len(kinds)
        row = []
        for kind in kinds:
            (length,) = struct.unpack_from(">i", payload, pos)
            pos += 4
            if length == -1:
                row.append(None)
                continue
            raw = payload[pos:pos + length]
            pos += length
            if kind == "int8":
                row.append(struct.unpack(">q", raw)[0])
            elif kind == "int2":
                row.append(struct.unpack(">h", raw)[0])
            elif kind == "bool":
                row.append(raw == b"\x01")
            elif kind == "date":
                row.append(dt.date(2000, 1, 1) + dt.timedelta(days=struct.unpack(">i", raw)[0]))
            elif kind == "ts":
                row.append(dt.datetime(2000, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=struct.unpack(">q", raw)[0]))
            elif kind == "numeric":
                ndigits, weight, sign, dscale = struct.unpack_from(">hhHH", raw)
                digits = struct.unpack_from(f">{ndigits}h", raw, 8)
                value = sum(Decimal(d) * Decimal(10000) ** (weight - i) for i, d in enumerate(digits))
                row.append((-value if sign == 0x4000 else value).quantize(Decimal(1).scaleb(-dscale)))
            else:
                row.append(raw.decode())
        rows.append(tuple(row))
    assert pos == len(payload)
    return rows


def test_binary_rows_decode_to_the_values():
    n = 4
    cols = [
        (w.ints(np.array([1, 2, 3, 2**40])), "bigint", "int8"),
        (w.ints(np.array([2014, 0, 2016, 0]), np.array([True, False, True, False])), "smallint", "int2"),
        (w.money(np.array([123456, -5, 0, 99_999_999_999])), "numeric(14, 2)", "numeric"),
        (w.decimal(np.array([855, 15, 1000, 6000]), 1), "numeric(7, 1)", "numeric"),
        (w.bools(np.array([True, False, True, True])), "boolean", "bool"),
        (w.dates(np.array(["1999-12-31", "2000-01-01", "2014-06-30", "1880-01-01"], dtype="datetime64[D]")), "date", "date"),
        (w.timestamps(np.array(["2014-05-01"] * 4, dtype="datetime64[D]"), 5400), "timestamp with time zone", "ts"),
        (w.text(["王建国", "", "杨秀英", "abc"]), "varchar(50)", "text"),
        (w.cat(["head", "spouse", "head", "child"]), "varchar(14)", "text"),
        (w.cat(["06", "12", "01", "06"]), "varchar(2)", "text"),  # one width: a fixed field
        (w.text(["522633100201"] * 4), "varchar(12)", "text"),
        (w.const(None), "date", "date"),
        (w.const(""), "varchar(14)", "text"),
        (w.const(7), "smallint", "int2"),
        (w.text(np.array([b"522633199001011234", b"52263319900101123X"] * 2, dtype="S18")), "varchar(18)", "text"),
        (w.text(np.array([b"abc", b"", b"x", b"abcd"], dtype="S4")), "varchar(4)", "text"),  # bytes of several widths
    ]
    cells = [w._encode_col(col, *w._pg_kind(db_type), n) for col, db_type, _ in cols]
    order = sorted(range(len(cells)), key=lambda i: not cells[i].fixed)  # fixed first, as Writer.prepare
    rows = _decode(b"".join(w.encode_pg_binary([cells[i] for i in order], n)), [cols[i][2] for i in order])
    back = [tuple(row[order.index(i)] for i in range(len(cols))) for row in rows]
    at = dt.datetime(2014, 5, 1, 1, 30, tzinfo=dt.UTC)
    assert back[0] == (1, 2014, Decimal("1234.56"), Decimal("85.5"), True, dt.date(1999, 12, 31), at, "王建国", "head", "06",
                       "522633100201", None, "", 7, "522633199001011234", "abc")
    assert back[1][14:] == ("52263319900101123X", "") and back[3][15] == "abcd"
    assert back[1][:4] == (2, None, Decimal("-0.05"), Decimal("1.5")) and back[1][7] == ""
    assert back[3][0] == 2**40 and back[3][2] == Decimal("999999999.99") and back[3][5] == dt.date(1880, 1, 1)


def test_sqlite_values_are_what_django_binds(db):
    writer = w.Writer()
    if writer.pg:
        return
    assert writer._sqlite_values(w.money(np.array([123400, 5])), 2) == [1234.0, 0.05]
    assert writer._sqlite_values(w.dates(np.array(["2014-06-30"], dtype="datetime64[D]")), 1) == ["2014-06-30"]
    assert writer._sqlite_values(w.timestamps(np.array(["2014-06-30"], dtype="datetime64[D]"), 5400), 1) == ["2014-06-30 01:30:00"]
    assert writer._sqlite_values(w.ints(np.array([3, 4]), np.array([True, False])), 2) == [3, None]
    assert list(writer._sqlite_values(w.const(True), 2)) == [1, 1]
    assert writer._sqlite_values(w.text(np.array([b"52263319900101123X", b""], dtype="S18")), 2) == ["52263319900101123X", ""]
