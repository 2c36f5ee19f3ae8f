"""Poverty and inequality measures by area, written once in Ibis and run on DuckDB, PostgreSQL or Spark.

The conventions are those of ``jingzhun.measures`` (DOMAIN.md section 12), restated set-based:

* poor: ``y < z``; gap ratio ``g = (z - max(y, 0)) / z`` for the poor, 0 otherwise; ``P_a = sum(w g^a) / W``;
* Watts: ``sum(w ln(z / y)) / W`` over the poor with ``y > 0`` (the others stay in W);
* Sen: ``P0 (1 - (1 - Gp) mu_p / z)`` with ``Gp`` and ``mu_p`` over the poor's incomes floored at 0
  (computed on ``max(y, 0) / z``, so that areas whose rows carry different lines are handled);
* SST: ``P1 (1 + G(g))`` with the Gini of the gap ratios over everyone;
* Gini without small-sample correction, by the sort formula ``sum(w y (2 C - w)) / (W sum(w y)) - 1`` with
  ``C`` the running weight in ascending order (ties in any order give the same value; equal rows merged first);
* median: the weighted median, the mean of the smallest value whose running weight reaches ``W / 2`` and the
  smallest whose running weight exceeds it (the usual median when weights are 1);
* Alkire-Foster per dimension set: a person is poor when ``sum(w_j d_j) >= k`` (with a tolerance of 1e-9 of
  the weights' total), then H, A, M0, censored headcounts and contributions.

Income measures cover persons whose household has an income record for the year (``measured``);
``population`` and ``registered`` count every member.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ibis

from jingzhun.core.scoping import SIGNIFICANT_DIGITS
from jingzhun.measures import AF_TOLERANCE  # the same "score >= k" tolerance as the reference functions

from .indicators import column


@dataclass(frozen=True)
class DimensionSpec:
    code: str
    cutoff: float
    indicators: tuple[tuple[str, float], ...]  # (indicator code, weight)

    @property
    def total(self) -> float:
        return float(sum(w for _c, w in self.indicators))


def group_key(village: ibis.Value, level: int) -> ibis.Value:
    digits = SIGNIFICANT_DIGITS[level]
    if digits == 12:
        return village
    return village.substr(0, digits) + ibis.literal("0" * (12 - digits))


EXACT = ibis.dtype("decimal(38, 12)")


def _sum(term, **kw) -> ibis.Value:
    """A sum that does not depend on the order of the rows: each term rounded to 1e-12 and added as a decimal
    (exact, hence the same on every run and every thread count), then back to a double.  A float sum differs
    in its last bits from run to run when the engine adds in parallel, and a past report must reproduce
    exactly; the rounding costs at most 1e-12 per term (relative 1e-11 on 10 million persons)."""
    return term.cast(EXACT).sum(**kw).cast("float64")


def _one(condition) -> ibis.Value:
    """1.0 or 0.0 (PostgreSQL casts no boolean to double precision)."""
    return ibis.ifelse(condition, 1.0, 0.0)


def _gini(weighted_value_sum, running_expr_sum, total_weight):
    return ibis.ifelse(weighted_value_sum > 0, running_expr_sum / (total_weight * weighted_value_sum) - 1.0, ibis.null("float64"))


def measures_table(py: ibis.Table, *, level: int, prefix: str, dimension_sets: Sequence[DimensionSpec] = ()) -> ibis.Table:
    """One row per area of `level` under `prefix`: every figure of the area analytics table.

    Two sorts, both small: identical rows (same area and the same value in every column a figure reads) are
    merged first with their weights summed, which leaves about one row per household (income, line,
    registration and indicators are household-level); frequency weights make this exact, and a tie group of
    weight w ending at running weight C adds ``w y (2 C - w)``, what its members add one by one.  Additive
    figures come from plain group-bys; the orderings are income within the area and ``max(y, 0) / z`` among the
    poor.  The gap ratios' Gini needs no ordering of its own: the poor's gaps are ``1 - x`` and the others' 0,
    so ``sum w g (2 C_g - w) = 2 W sum(w g) - Np^2 + GX`` with ``Np`` the poor's weight and ``GX`` the poor's
    ``sum w x (2 C_x - w)``.  (Measured at 10 million persons in docs/benchmarks.md.)
    """
    t = py.filter(py.village.startswith(prefix)) if prefix else py
    used = sorted({column(code) for spec in dimension_sets for code, _wt in spec.indicators})
    t = t.group_by(area=group_key(t.village, level), **{k: t[k] for k in ("per_capita", "line", "registered", *used)}).aggregate(
        weight=t.weight.sum())
    counts = t.group_by("area").aggregate(population=t.weight.sum(), registered=(t.weight * t.registered.cast("float64")).sum())

    m = t.filter(t.per_capita.notnull())
    y, z = m.per_capita, m.line
    poor = y < z
    floor_y = ibis.greatest(y, 0.0)
    m = m.mutate(
        poor=_one(poor),
        gap=ibis.ifelse(poor, (z - floor_y) / z, 0.0),
        wlog=ibis.ifelse(poor & (y > 0), (z / y).ln(), 0.0),
        xp=ibis.ifelse(poor, floor_y / z, ibis.null("float64")),
    )
    aggs = {
        "measured": m.weight.sum(),
        "_wy": _sum(m.weight * m.per_capita),
        "_p0": _sum(m.weight * m.poor),
        "_p1": _sum(m.weight * m.gap),
        "_p2": _sum(m.weight * m.gap * m.gap),
        "_watts": _sum(m.weight * m.wlog),
        "_wxp": _sum(m.weight * m.xp, where=m.poor == 1.0),
    }
    for spec in dimension_sets:
        score = sum((ibis.literal(float(wt)) * m[column(code)].cast("float64") for code, wt in spec.indicators), ibis.literal(0.0))
        is_poor = _one(score >= spec.cutoff - AF_TOLERANCE * spec.total)
        aggs[f"_{spec.code}_q"] = _sum(m.weight * is_poor)
        aggs[f"_{spec.code}_s"] = _sum(m.weight * is_poor * score)
        for code, _wt in spec.indicators:
            aggs[f"_{spec.code}_ch_{code}"] = _sum(m.weight * is_poor * m[column(code)].cast("float64"))
    plain = m.group_by("area").aggregate(**aggs)

    # running weights by income within the area: Gini and median
    d = m.select("area", "per_capita", "line", w=m.weight)
    d = d.mutate(c_y=d.w.sum().over(ibis.window(group_by=d.area, order_by=[d.per_capita], preceding=None, following=0)))
    half = plain.select(h_area=plain.area, w_area=plain.measured)
    d = d.join(half, d.area == half.h_area)
    ranked = d.group_by("area").aggregate(
        _gy=_sum(d.w * d.per_capita * (2.0 * d.c_y - d.w)),
        _med_lo=d.per_capita.min(where=d.c_y >= d.w_area / 2.0),
        _med_hi=d.per_capita.min(where=d.c_y > d.w_area / 2.0),
    )
    # running weights of the poor by max(y, 0) / z: Sen's Gini among the poor, and SST's Gini of the gaps
    p = d.filter(d.per_capita < d.line)
    p = p.mutate(x=ibis.greatest(p.per_capita, 0.0) / p.line)
    p = p.mutate(c_x=p.w.sum().over(ibis.window(group_by=p.area, order_by=[p.x], preceding=None, following=0)))
    poor_ranked = p.group_by("area").aggregate(_gxp=_sum(p.w * p.x * (2.0 * p.c_x - p.w)))
    poor_ranked = poor_ranked.select(poor_ranked.area.name("p_area"), poor_ranked._gxp)

    j = plain.join(ranked, "area").left_join(poor_ranked, plain.area == poor_ranked.p_area)
    sums = j.select(*[c for c in j.columns if c != "p_area"])
    gxp = sums._gxp.fill_null(0.0)

    W = sums.measured
    p1 = sums._p1 / W
    p0 = sums._p0 / W
    gini_poor = ibis.ifelse(sums._wxp > 0, gxp / (sums._p0 * sums._wxp) - 1.0, 0.0)
    mu_p = ibis.ifelse(sums._p0 > 0, sums._wxp / sums._p0, 0.0)
    sen = ibis.ifelse(sums._p0 > 0, ibis.ifelse(mu_p > 0, p0 * (1.0 - (1.0 - gini_poor) * mu_p), p0), 0.0)
    gini_gap = ibis.ifelse(sums._p1 > 0, (2.0 * W * sums._p1 - sums._p0 * sums._p0 + gxp) / (W * sums._p1) - 1.0, 0.0)
    out = {
        "area": sums.area, "measured": W,
        "p0": p0, "p1": p1, "p2": sums._p2 / W, "watts": sums._watts / W, "sen": sen, "sst": p1 * (1.0 + gini_gap),
        "gini": _gini(sums._wy, sums._gy, W), "mean_income": sums._wy / W, "median_income": (sums._med_lo + sums._med_hi) / 2.0,
    }
    for spec in dimension_sets:
        q, s = sums[f"_{spec.code}_q"], sums[f"_{spec.code}_s"]
        m0 = s / (W * spec.total)
        out[f"{spec.code}_h"] = q / W
        out[f"{spec.code}_a"] = ibis.ifelse(q > 0, s / (q * spec.total), 0.0)
        out[f"{spec.code}_m0"] = m0
        for code, wt in spec.indicators:
            ch = sums[f"_{spec.code}_ch_{code}"] / W
            out[f"{spec.code}_ch_{code}"] = ch
            out[f"{spec.code}_contrib_{code}"] = ibis.ifelse(m0 > 0, ch * float(wt) / (spec.total * m0), 0.0)
    measures = sums.select(**out)
    joined = counts.left_join(measures, counts.area == measures.area)
    return joined.select(
        area=counts.area, population=counts.population, registered=counts.registered,
        incidence=counts.registered / counts.population,
        **{k: joined[k] for k in out if k != "area"},
    ).order_by("area")


__all__ = ["DimensionSpec", "measures_table", "group_key"]
