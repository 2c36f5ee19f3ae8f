"""Cell-level validation of one batch of rows, vectorised with Polars.

``validate_batch(frame, layout)`` takes the reader's batch (``_row`` plus one text column per recognised
column key) and returns the normalised frame (typed values) and the issues found, one row per issue:
``row, column, code, value, params`` (``params`` a JSON object).  Checks that span rows or need the
database (duplicates, heads, household sizes, areas and scope, the register) run set-based on the staging
tables afterwards (``checks.py``).
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache

import polars as pl

from jingzhun.registry.identity import PERMIT_AREA_CODES, known_area_codes, upgrade_15

from . import columns as C

BOOL_VALUES = {"是": True, "否": False, "y": True, "n": False, "yes": True, "no": False, "true": True, "false": False,
               "1": True, "0": False, "有": True, "无": False, "√": True, "×": False, "t": True, "f": False}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"
MIN_BIRTH = dt.date(1880, 1, 1)
ISSUE_SCHEMA = {"row": pl.Int64, "column": pl.String, "code": pl.String, "value": pl.String, "params": pl.String}


@cache
def _code_map(layout: str, key: str) -> dict[str, str]:
    col = C.by_key(layout)[key]
    out = {}
    for code, zh, en in col.choices:
        for variant in (code, zh, en):
            out[str(variant).strip().casefold()] = code
        if code.isdigit() and code.startswith("0"):  # an xlsx number cell: 1 for the nationality code 01
            out.setdefault(code.lstrip("0") or "0", code)
    return out


@cache
def _known_id_areas() -> list[str]:
    return sorted(set(known_area_codes()) | set(PERMIT_AREA_CODES))


class _Found:
    """The issue checks of a batch, as masks evaluated together in one pass over the frame; the rows of each
    check that fired then give the issue rows (value and params computed on those rows only)."""

    def __init__(self):
        self.specs: list[tuple[pl.Expr, str, str, pl.Expr | None, pl.Expr | None]] = []

    def add(self, mask: pl.Expr, key: str, code: str, params: pl.Expr | None = None, value: pl.Expr | None = None) -> pl.Expr:
        self.specs.append((mask, key, code, params, value))
        return pl.col(f"__m{len(self.specs) - 1}")

    def masks(self) -> dict[str, pl.Expr]:
        return {f"__m{i}": spec[0].fill_null(False) for i, spec in enumerate(self.specs)}

    def issues(self, frame: pl.DataFrame) -> list[pl.DataFrame]:
        fired = frame.select(pl.col(f"__m{i}").any() for i in range(len(self.specs))).row(0) if self.specs else ()
        out = []
        for i, (_mask, key, code, params, value) in enumerate(self.specs):
            if fired[i]:
                out.append(frame.filter(pl.col(f"__m{i}")).select(
                    row=pl.col("_row").cast(pl.Int64),
                    column=pl.lit(key),
                    code=pl.lit(code),
                    value=(value if value is not None else pl.col(key)).cast(pl.String).str.slice(0, 200),
                    params=(params if params is not None else pl.lit("{}")),
                ))
        return out


def _json(**fields: pl.Expr | str | int) -> pl.Expr:
    parts = []
    for i, (k, v) in enumerate(fields.items()):
        sep = "" if i == 0 else ", "
        if isinstance(v, pl.Expr):
            parts += [pl.lit(f'{sep}"{k}": '), v.cast(pl.String).map_elements(json.dumps, return_dtype=pl.String)]
        else:
            parts += [pl.lit(f"{sep}\"{k}\": {json.dumps(v)}")]
    return pl.concat_str([pl.lit("{"), *parts, pl.lit("}")])


def parse_dates(text: pl.Expr) -> pl.Expr:
    """Dates in the common forms (2020-01-31, 2020/1/31, 2020.1.31, 20200131, 2020年1月31日, an xlsx date-time
    or an Excel serial number)."""
    t = text.str.strip_chars()
    head = t.str.slice(0, 10)
    parsed = [t.str.strptime(pl.Date, fmt, strict=False) for fmt in DATE_FORMATS]
    parsed.append(pl.when(t.str.contains(r"^\d{4}-\d{2}-\d{2}[ T]\d")).then(head.str.strptime(pl.Date, "%Y-%m-%d", strict=False)))
    serial = t.cast(pl.Int64, strict=False)
    excel = pl.when(t.str.contains(r"^\d{1,5}$") & (serial >= 1) & (serial <= 73050)).then(
        pl.lit(dt.date(1899, 12, 30)) + pl.duration(days=serial))
    parsed.append(excel.cast(pl.Date))
    return pl.coalesce(parsed)


def _id_checks(frame: pl.DataFrame, key: str, today: dt.date, found: _Found) -> pl.DataFrame:
    raw = pl.col(key)
    s = raw.str.strip_chars().str.replace_all(r"[\s\u3000]", "").str.to_uppercase()
    frame = frame.with_columns(_id_raw=s)
    is15 = pl.col("_id_raw").str.contains(r"^\d{15}$")
    if frame.select(is15.any()).item():
        frame = frame.with_columns(
            _id=pl.when(is15).then(pl.col("_id_raw").map_elements(upgrade_15, return_dtype=pl.String)).otherwise(pl.col("_id_raw")))
    else:
        frame = frame.with_columns(_id=pl.col("_id_raw"))
    s18 = pl.col("_id")
    length = pl.col("_id_raw").str.len_chars()
    sci = pl.col("_id_raw").str.contains(r"^\d(\.\d+)?E\+?\d+$")
    fmt_ok = s18.str.contains(r"^\d{17}[\dX]$")
    birth = s18.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
    digits = [s18.str.slice(i, 1).cast(pl.Int32, strict=False) * w for i, w in enumerate(ID_WEIGHTS)]
    expected = pl.lit(ID_CHECK).str.slice(pl.sum_horizontal(digits) % 11, 1)
    frame = frame.with_columns(_birth=birth, _check_ok=(s18.str.slice(17, 1) == expected),
                               _area_ok=s18.str.slice(0, 6).is_in(_known_id_areas()), _sci=sci, _fmt_ok=fmt_ok, _is15=is15)
    sci, fmt_ok, is15 = pl.col("_sci"), pl.col("_fmt_ok"), pl.col("_is15")
    present = raw.is_not_null()
    bad_len = present & ~sci & ~length.is_in([15, 18])
    bad_fmt = present & ~sci & ~bad_len & ~fmt_ok
    ok_so_far = present & ~sci & fmt_ok
    bad_date = ok_so_far & (pl.col("_birth").is_null() | (pl.col("_birth") < MIN_BIRTH) | (pl.col("_birth") > today))
    ok_so_far = ok_so_far & ~bad_date
    bad_check = ok_so_far & ~pl.col("_check_ok")
    rounded = bad_check & pl.col("_id").str.ends_with("000")
    ok_so_far = ok_so_far & pl.col("_check_ok")
    bad_area = ok_so_far & ~pl.col("_area_ok")
    found.add(present & sci, key, "id_scientific")
    found.add(bad_len, key, "id_length", _json(length=length))
    found.add(bad_fmt, key, "id_format")
    found.add(bad_date, key, "id_date")
    found.add(bad_check & ~rounded, key, "id_checksum")
    found.add(rounded, key, "id_excel_rounded")
    found.add(bad_area, key, "id_area", _json(area=s18.str.slice(0, 6)))
    found.add(present & is15 & ok_so_far & ~bad_area, key, "id_15_upgraded", _json(number=s18))
    valid = ok_so_far & ~bad_area
    return frame.with_columns(
        _id_valid=valid.fill_null(False),
        _id_sex=pl.when(s18.str.slice(16, 1).cast(pl.Int32, strict=False) % 2 == 1).then(pl.lit("M")).otherwise(pl.lit("F")),
    )


def _clean(key: str) -> pl.Expr:
    v = pl.col(key).str.strip_chars()
    v = pl.when(v.str.contains(r"^'[=+\-@]")).then(v.str.slice(1)).otherwise(v)  # an export's formula guard
    return pl.when(v == "").then(None).otherwise(v).alias(key)


def validate_batch(frame: pl.DataFrame, layout: str, *, today: dt.date | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(normalised frame, issues) for one batch; the normalised frame keeps every row (``_ok`` false when a
    cell has an error).  The typed values and every check's mask are computed in one pass (``_Found``)."""
    today = today or dt.date.today()
    cols = {k: c for k, c in C.by_key(layout).items() if k in frame.columns}
    frame = frame.with_columns(_clean(key) for key in cols)
    found = _Found()
    typed: dict[str, pl.Expr] = {}  # computed once, as columns "__v_<key>", before the masks that use them
    bad: list[pl.Expr] = []
    for key, col in cols.items():
        present = pl.col(key).is_not_null()
        if col.required:
            bad.append(found.add(~present, key, "required", value=pl.lit("")))
        if col.kind == C.TEXT or col.kind == C.AREA:
            if col.max_length:
                bad.append(found.add(present & (pl.col(key).str.len_chars() > col.max_length), key, "too_long", _json(max=col.max_length)))
        elif col.kind == C.CODE:
            typed[key] = pl.col(key).str.to_lowercase().replace_strict(_code_map(layout, key), default=None, return_dtype=pl.String)
            allowed = "、".join(zh for _code, zh, _en in col.choices[:12]) + ("…" if len(col.choices) > 12 else "")
            bad.append(found.add(present & pl.col(f"__v_{key}").is_null(), key, "bad_code", _json(allowed=allowed)))
        elif col.kind == C.BOOL:
            typed[key] = pl.col(key).str.to_lowercase().replace_strict(BOOL_VALUES, default=None, return_dtype=pl.Boolean)
            bad.append(found.add(present & pl.col(f"__v_{key}").is_null(), key, "bad_bool"))
        elif col.kind in (C.INT, C.DECIMAL):
            typed[f"{key}__n"] = pl.col(key).str.replace_all(r"[,，\s]", "").cast(pl.Float64, strict=False)
            number = pl.col(f"__v_{key}__n")
            bad.append(found.add(present & number.is_null(), key, "bad_number"))
            if col.kind == C.INT:
                bad.append(found.add(present & number.is_not_null() & (number != number.round(0)), key, "not_integer"))
                typed[key] = pl.col(key).str.replace_all(r"[,，\s]", "").cast(pl.Float64, strict=False).round(0).cast(pl.Int64, strict=False)
            else:
                decimals = present & number.is_not_null() & ((number * 100 - (number * 100).round(0)).abs() > 1e-6)
                bad.append(found.add(decimals, key, "too_many_decimals"))
                typed[key] = pl.col(key).str.replace_all(r"[,，\s]", "").cast(pl.Float64, strict=False).round(2)
            if col.minimum is not None or col.maximum is not None:
                lo = col.minimum if col.minimum is not None else float("-inf")
                hi = col.maximum if col.maximum is not None else float("inf")
                outside = present & number.is_not_null() & ((number < lo) | (number > hi))
                bad.append(found.add(outside, key, "out_of_range", _json(min=_num(col.minimum), max=_num(col.maximum))))
        elif col.kind == C.DATE:
            typed[key] = parse_dates(pl.col(key))
            parsed = pl.col(f"__v_{key}")
            bad.append(found.add(present & parsed.is_null(), key, "bad_date"))
            bad.append(found.add(present & parsed.is_not_null() & (parsed > today), key, "future_date", value=parsed))
        elif col.kind == C.ID_NUMBER:
            frame = _id_checks(frame, key, today, found)
            bad.append(pl.col(key).is_not_null() & ~pl.col("_id_valid"))
            typed[key] = pl.when(pl.col("_id_valid")).then(pl.col("_id")).otherwise(pl.col(key))
    frame = frame.with_columns(**{f"__v_{k}": v for k, v in typed.items()})
    out: dict[str, pl.Expr] = {key: pl.col(f"__v_{key}") if key in typed else pl.col(key) for key in cols}
    if "id_number" in cols:
        valid_id = pl.col("_id_valid")
        if "sex" in cols:
            sex = out["sex"]
            bad.append(found.add(valid_id & sex.is_not_null() & (sex != pl.col("_id_sex")), "sex", "sex_mismatch", _json(expected=pl.col("_id_sex"))))
        if "birth_date" in cols:
            born = out["birth_date"]
            wrong = valid_id & born.is_not_null() & (born != pl.col("_birth"))
            bad.append(found.add(wrong, "birth_date", "birth_date_mismatch", _json(expected=pl.col("_birth")), value=born))
        out["sex"] = pl.coalesce([out.get("sex", pl.lit(None, pl.String)), pl.when(valid_id).then(pl.col("_id_sex"))])
        out["birth_date"] = pl.coalesce([out.get("birth_date", pl.lit(None, pl.Date)), pl.when(valid_id).then(pl.col("_birth"))])
    frame = frame.with_columns(**found.masks())
    ok = ~pl.any_horizontal([b.fill_null(False) for b in bad]) if bad else pl.lit(True)
    normalised = frame.select(pl.col("_row").cast(pl.Int64), ok.alias("_ok"), **out)
    parts = found.issues(frame)
    found_frame = pl.concat(parts, how="vertical") if parts else pl.DataFrame(schema=ISSUE_SCHEMA)
    return normalised, found_frame.select(list(ISSUE_SCHEMA)).cast(ISSUE_SCHEMA)


def _num(x):
    if x is None:
        return None
    return int(x) if float(x).is_integer() else x
