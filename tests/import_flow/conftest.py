"""Files to import, written as the users' spreadsheets would be, and a small generated county."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from jingzhun.imports import columns as C
from jingzhun.registry.identity import make_resident_id

VILLAGE = "522633100201"
OTHER_VILLAGE = "522633101201"


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir()
    return settings.VAR_DIR


class Ids:
    def __init__(self):
        self.n = 0

    def __call__(self, born=dt.date(1980, 5, 17), sex="M", area="522633") -> str:
        self.n += 1
        return make_resident_id(area, born, self.n % 100, sex) if self.n < 100 else make_resident_id(area, born.replace(day=1 + self.n // 100), self.n % 100, sex)


@pytest.fixture
def ids():
    return Ids()


def write_csv(path, rows: list[dict], *, layout="members", encoding="utf-8", headers=None):
    cols = C.columns(layout)
    headers = headers or [c.header for c in cols if any(c.key in r for r in rows)]
    keys = {c.header: c.key for c in cols}
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(headers)
        for r in rows:
            w.writerow([r.get(keys.get(h, h), "") for h in headers])
    return path


def household_rows(number, ids, *, village=VILLAGE, size=None, members=1, **extra) -> list[dict]:
    rows = [{"household_number": number, "village_code": village, "status": "贫困户", "registered_year": "2014",
             "relation": "户主", "name": "张三", "id_number": ids(), "sex": "男", "birth_date": "1980-05-17", **extra}]
    for i in range(members - 1):
        rows.append({"household_number": number, "village_code": village, "relation": "子女", "name": f"张{'一二三四五'[i]}",
                     "id_number": ids(born=dt.date(2005 + i, 1, 2), sex="F"), "sex": "女"})
    if size is not None:
        rows[0]["household_size"] = str(size)
    return rows
