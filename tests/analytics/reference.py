"""The area measures recomputed with the pure library (jingzhun.measures) from a snapshot's person-year file."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pyarrow.parquet as pq

from jingzhun.analytics.selectors import dimension_specs
from jingzhun.core.scoping import SIGNIFICANT_DIGITS
from jingzhun.measures import ExcludedIncomesWarning, alkire_foster, fgt, gini, sen, sst, watts


def person_years(path) -> dict[str, np.ndarray]:
    table = pq.read_table(path)
    return {name: table.column(name).to_numpy(zero_copy_only=False) for name in table.column_names}


def reference_rows(path, level: int) -> dict[str, dict]:
    """area code -> figures, computed group by group with the pure functions."""
    py = person_years(path)
    digits = SIGNIFICANT_DIGITS[level]
    keys = np.array([v[:digits].ljust(12, "0") for v in py["village"]])
    specs = [spec for _ds, spec in dimension_specs()]
    out = {}
    for key in sorted(set(keys)):
        sel = keys == key
        measured = sel & ~np.isnan(py["per_capita"].astype(float))
        y = py["per_capita"][measured].astype(float)
        lines = set(py["line"][measured].tolist())
        assert len(lines) == 1, "the reference needs one line per area"
        z = lines.pop()
        row = {
            "population": float(sel.sum()), "registered": float(py["registered"][sel].sum()),
            "measured": float(measured.sum()),
            "p0": fgt(y, z, 0), "p1": fgt(y, z, 1), "p2": fgt(y, z, 2), "sen": sen(y, z), "sst": sst(y, z),
            "gini": gini(y), "mean_income": float(np.mean(y)), "median_income": float(np.median(y)),
        }
        row["incidence"] = row["registered"] / row["population"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ExcludedIncomesWarning)
            row["watts"] = watts(y, z)
        for spec in specs:
            codes = [c for c, _w in spec.indicators]
            matrix = np.column_stack([py[f"d_{c}"][measured].astype(int) for c in codes])
            af = alkire_foster(matrix, [w for _c, w in spec.indicators], spec.cutoff)
            row[f"{spec.code}_h"], row[f"{spec.code}_a"], row[f"{spec.code}_m0"] = af.H, af.A, af.M0
            for code, ch, contrib in zip(codes, af.censored_headcounts, af.contributions):
                row[f"{spec.code}_ch_{code}"] = ch
                row[f"{spec.code}_contrib_{code}"] = contrib
        out[key] = row
    return out


def assert_close(actual: dict, expected: dict, keys, rel=1e-9, label=""):
    for k in keys:
        a, e = actual.get(k), expected.get(k)
        assert a is not None and e is not None, f"{label} {k}: {a} vs {e}"
        assert math.isclose(a, e, rel_tol=rel, abs_tol=1e-12), f"{label} {k}: {a!r} != {e!r}"
