"""The simulation behind the demo generator: a county's households, persons, incomes and statuses as NumPy
arrays (no database writes here; `generator` chunks, encodes and writes them). Calibration: `calibration`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import models

from jingzhun.areas.models import Area, Designation, Level
from jingzhun.policy.selectors import excluded_income_components, poverty_line_amount
from jingzhun.policy.services import lines_seed
from jingzhun.registry import choices as c
from jingzhun.registry.identity import is_known_area_code, make_resident_ids
from jingzhun.registry.income import COMPONENTS
from jingzhun.registry.models import Household

from . import calibration as cal
from .names import SURNAMES, GivenNames, compose_pinyin_many

MAX_SERIAL = 9999
REF_DATE = np.datetime64("2014-06-30")
#: Times of day (seconds, UTC) of the derived timestamps: entries at 09:30, incomes at 10:00, status at 11:00 Beijing.
CREATED_AT, INCOME_AT, RECORDED_AT = 5400, 7200, 10800
EPOCH = np.datetime64("1880-01-01")
#: Historical county codes (DOMAIN.md section 4), used when the area tree lacks them: code -> (old code, last year).
HISTORICAL_CODES = {"431125": ("432925", 1995), "510822": ("512829", 1985)}

NONE_, POOR, EXITED, RETURNED = 0, 1, 2, 3
STATUS_TEXT = np.array([c.PovertyStatus.NOT_REGISTERED, c.PovertyStatus.POOR, c.PovertyStatus.EXITED,
                        c.PovertyStatus.RETURNED], dtype=object)
REL_TEXT = np.array(["head", "spouse", "child", "child", "child_in_law", "grandchild", "parent", "parent", "sibling"],
                    dtype=object)  # indexed by slot code (0 = head)


class GenerateError(Exception):
    """The generator cannot run with these arguments or this database state."""


class CountyNotLoaded(GenerateError):
    pass


class CountyNotEmpty(GenerateError):
    pass


def _rng(*keys: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(k) for k in keys])))


def _among(values: np.ndarray, allowed) -> np.ndarray:
    """``np.isin`` for arrays of strings by hashing (``np.isin`` sorts object arrays: several times slower).

    The Series keeps the object dtype: inferring pandas' string dtype would copy every value into Arrow first
    (2.7 times slower)."""
    values = np.asarray(values)
    if values.dtype != object:
        return np.isin(values, list(allowed))
    return pd.Series(values, dtype=object, copy=False).isin(list(allowed)).to_numpy(copy=True)


def _choice_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One category per row of a (n, k) probability matrix."""
    cum = np.cumsum(probs, axis=1)
    cum /= cum[:, -1:]
    u = rng.random(len(probs))[:, None]
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1)


def _round_half_up_div(net: np.ndarray, members: np.ndarray) -> np.ndarray:
    """net / members rounded to the cent, half away from zero (Decimal ROUND_HALF_UP), all in cents."""
    pos = (2 * net + members) // (2 * members)
    neg = -((-2 * net + members) // (2 * members))
    return np.where(net >= 0, pos, neg)


def _interp(p2014, p2020, year: int) -> np.ndarray:
    t = min(max((year - 2014) / 6.0, 0.0), 1.0)
    p = (1 - t) * np.asarray(p2014, float) + t * np.asarray(p2020, float)
    return p / p.sum()


def _by_prefix(table: dict, code6: str):
    for key in (code6, code6[:4], code6[:2], ""):
        if key in table:
            return table[key]
    raise KeyError(code6)


def _short_village_name(name: str) -> str:
    for suffix in ("村民委员会", "居民委员会", "村委会", "居委会"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _year_start(y) -> np.ndarray:
    return (np.asarray(y, dtype=np.int64) - 1970).astype("datetime64[Y]").astype("datetime64[D]")


# ==========================================================================================================
# identity numbers
# ==========================================================================================================


class _IdAllocator:
    """Unique order codes per (area code, birth date, sex): a fixed permutation of 00-99 walked in order."""

    def __init__(self, codes: list[str], existing: Iterable[str]):
        self.codes = codes
        self.ndays = int((np.datetime64("2031-01-01") - EPOCH).astype(np.int64))
        self.counter = np.zeros(len(codes) * self.ndays * 2, dtype=np.int32)
        index = {code: i for i, code in enumerate(codes)}
        keys = []
        for number in existing:
            i = index.get(number[:6])
            if i is None or len(number) != 18:
                continue
            try:
                day = int((np.datetime64(f"{number[6:10]}-{number[10:12]}-{number[12:14]}") - EPOCH).astype(np.int64))
                seq, third = int(number[14:16]), int(number[16])
            except ValueError:
                continue
            male = third % 2
            if third == (seq % 5) * 2 + male and 0 <= day < self.ndays:  # only these can equal a generated number
                keys.append(((i * self.ndays + day) * 2 + male) * 100 + seq)
        self.existing = np.unique(np.array(keys, dtype=np.int64))
        self.existing_set = set(self.existing.tolist())

    @staticmethod
    def _seq(n: np.ndarray, base: np.ndarray) -> np.ndarray:
        return (n * 37 + (base * 2654435761) % 100) % 100

    def assign(self, code_idx: np.ndarray, birth: np.ndarray, male: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Identity numbers for the persons (an ``S18`` array of ASCII bytes, written as they are), and their
        birth dates (moved a day on in the rare full slot)."""
        day = (birth - EPOCH).astype(np.int64)
        sex = male.astype(np.int64)
        seq = np.zeros(len(day), dtype=np.int64)
        todo = np.arange(len(day))
        while len(todo):
            base = (code_idx[todo] * self.ndays + day[todo]) * 2 + sex[todo]
            order = np.argsort(base, kind="stable")
            sb = base[order]
            starts = np.flatnonzero(np.r_[True, sb[1:] != sb[:-1]])
            rank = np.arange(len(sb)) - np.repeat(starts, np.diff(np.r_[starts, len(sb)]))
            n = np.empty(len(sb), dtype=np.int64)
            n[order] = self.counter[sb] + rank
            ok = n < 100
            np.add.at(self.counter, base[ok], 1)
            seq[todo[ok]] = self._seq(n[ok], base[ok])
            day[todo[~ok]] += 1  # slot full: the person is born a day later
            todo = todo[~ok]
        if len(self.existing):
            base = (code_idx * self.ndays + day) * 2 + sex
            hits = np.flatnonzero(np.isin(base * 100 + seq, self.existing))
            for i in hits.tolist():
                while True:
                    b = int((code_idx[i] * self.ndays + day[i]) * 2 + sex[i])
                    n = int(self.counter[b])
                    if n >= 100:
                        day[i] += 1
                        continue
                    self.counter[b] += 1
                    s = int(self._seq(np.int64(n), np.int64(b)))
                    if b * 100 + s not in self.existing_set:
                        seq[i] = s
                        break
        dates = (EPOCH + day).astype("datetime64[D]")
        return make_resident_ids(self.codes, code_idx, dates, seq, male, as_bytes=True), dates


# ==========================================================================================================
# county set-up
# ==========================================================================================================


@dataclass
class _Village:
    code: str
    short_name: str
    households: int
    first_serial: int
    factor: float
    mix: np.ndarray
    groups: int
    survey_date: np.datetime64


@dataclass
class _County:
    code6: str
    code12: str
    seed: int
    years_all: np.ndarray
    years: tuple[int, ...]
    lines: np.ndarray  # cents, per years_all
    excluded: list[frozenset]
    targets: np.ndarray
    mix_codes: list[str]
    mix_groups: list[str]
    mix_shares: np.ndarray
    id_codes: list[str]
    id_switch: int | None
    structure_mix: np.ndarray
    fuel_mix: tuple
    relocation_share: float
    nonpoor_median: float
    given_plain: GivenNames
    given_mei: GivenNames


def _county_bounds(code6: str) -> tuple[str, str]:
    return code6 + "000000", f"{int(code6) + 1:06d}000000"


def _setup(code6: str, seed: int, years: tuple[int, ...]) -> _County:
    code12 = code6 + "000000"
    years_all = np.arange(cal.FIRST_YEAR, max(years) + 1)
    lines_seed()
    lines, excluded = [], []
    for y in years_all.tolist():
        amount = poverty_line_amount(y, code12)
        if amount is None:
            raise GenerateError(f"no poverty line for {y}: load the lines (policy.services.lines_seed)")
        lines.append(int(round(amount * 100)))
        excluded.append(excluded_income_components(y, code12))
    deep = Area.objects.filter(code=code12, designations__kind=Designation.DEEP_POVERTY_COUNTY).exists()
    path = cal.COUNTY_INCIDENCE.get(code6) or (
        cal.INCIDENCE_DEEP if deep or code6 in cal.DEEP_POVERTY_COUNTIES else cal.INCIDENCE_GENERIC)
    mix = cal.ethnic_mix(code6)
    id_codes, switch = [code6], None
    old = Area.objects.filter(successor_id=code12, level=Level.COUNTY, valid_to__isnull=False).order_by("-valid_to").first()
    if old is not None and is_known_area_code(old.code[:6]):
        id_codes.append(old.code[:6])
        switch = old.valid_to
    elif code6 in HISTORICAL_CODES and is_known_area_code(HISTORICAL_CODES[code6][0]):
        id_codes.append(HISTORICAL_CODES[code6][0])
        switch = HISTORICAL_CODES[code6][1]
    if not is_known_area_code(code6):
        raise GenerateError(f"county code {code6} is not a known GB/T 2260 code: cannot build identity numbers")
    return _County(
        code6=code6, code12=code12, seed=seed, years_all=years_all, years=years,
        lines=np.array(lines, dtype=np.int64), excluded=excluded,
        targets=np.array([path[y] for y in years_all.tolist()]),
        mix_codes=[m[0] for m in mix], mix_groups=[m[2] for m in mix],
        mix_shares=np.array([m[1] for m in mix], dtype=float) / sum(m[1] for m in mix),
        id_codes=id_codes, id_switch=switch,
        structure_mix=np.array(_by_prefix(cal.STRUCTURE_MIX, code6)),
        fuel_mix=_by_prefix(cal.FUEL_MIX, code6),
        relocation_share=_by_prefix(cal.RELOCATION_SHARE, code6),
        nonpoor_median=_by_prefix(cal.NONPOOR_MEDIAN_MULTIPLE, code6),
        given_plain=GivenNames(mei_names=False), given_mei=GivenNames(mei_names=True),
    )


def _village_mixes(rng: np.random.Generator, shares: np.ndarray, households: np.ndarray) -> np.ndarray:
    """Ethnic shares per village: clustered (Dirichlet around the county's shares), then raked so that the
    household-weighted mean over the villages is the county's composition again."""
    if len(shares) == 1:
        return np.ones((len(households), 1))
    mix = rng.dirichlet(np.maximum(shares * cal.VILLAGE_ETHNIC_CONCENTRATION, 0.02), len(households))
    weight = households / households.sum() if households.sum() else np.full(len(households), 1 / len(households))
    for _ in range(50):
        mix *= shares / np.maximum(weight @ mix, 1e-12)
        mix /= mix.sum(axis=1, keepdims=True)
    return mix


def _plan_villages(county: _County, households: int, using: str) -> list[_Village]:
    lo, hi = _county_bounds(county.code6)
    rows = list(Area.objects.using(using).filter(level=Level.VILLAGE, code__gte=lo, code__lt=hi)
                .order_by("code").values_list("code", "name"))
    if not rows:
        raise CountyNotLoaded(f"county {county.code6} has no villages in the area table: "
                              f"run `jingzhun load_areas --provinces {county.code6[:2]}` first")
    last = dict(Household._base_manager.using(using).filter(area_id__gte=lo, area_id__lt=hi)
                .values_list("area_id").annotate(m=models.Max("number")).values_list("area_id", "m"))
    rng = _rng(county.seed, int(county.code6), 0)
    size = rng.lognormal(0.0, 0.35, len(rows))
    weight = np.array([0.35 if name.endswith("居民委员会") else 1.0 for _, name in rows]) * size
    first = np.array([int(last[code][12:]) + 1 if code in last else 1 for code, _ in rows])
    capacity = MAX_SERIAL + 1 - first
    if households > capacity.sum():
        raise GenerateError(f"{households} households do not fit the {len(rows)} villages of county {county.code6} "
                            f"(at most {int(capacity.sum())} more with 4-digit serial numbers)")
    counts = rng.multinomial(households, weight / weight.sum())
    over = counts - capacity
    while (over > 0).any():  # move the overflow of full villages to the others, in proportion
        spill = int(over[over > 0].sum())
        counts = np.minimum(counts, capacity)
        room = np.where(counts < capacity, weight, 0.0)
        counts += rng.multinomial(spill, room / room.sum())
        over = counts - capacity
    factor = np.clip(rng.lognormal(0.0, 0.35, len(rows)), 0.4, 2.2)
    if counts.sum():
        factor = factor * counts.sum() / (counts * factor).sum()
    mix = _village_mixes(rng, county.mix_shares, counts)
    survey = np.datetime64("2014-04-15") + rng.integers(0, 170, len(rows)).astype("timedelta64[D]")
    out = []
    for i, (code, name) in enumerate(rows):
        out.append(_Village(code=code, short_name=_short_village_name(name), households=int(counts[i]),
                            first_serial=int(first[i]), factor=float(factor[i]), mix=mix[i],
                            groups=int(np.clip(round(counts[i] / 35), 2, 25)), survey_date=survey[i]))
    return out


# ==========================================================================================================
# one block of villages
# ==========================================================================================================

_T = cal.TEMPLATES
_T_P = np.array([t[0] for t in _T]) / sum(t[0] for t in _T)
_T_LO = np.array([t[1] for t in _T], float)
_T_HI = np.array([t[2] for t in _T], float)
_T_A = np.array([t[3] for t in _T], float)
_T_B = np.array([t[4] for t in _T], float)
_T_PM = np.array([t[5] for t in _T], float)
_T_SLOTS = np.zeros((len(_T), cal.MAX_SLOTS), dtype=np.int64)
for _i, _t in enumerate(_T):
    _T_SLOTS[_i, : len(_t[6])] = _t[6]
del _i, _t


def _compose(rng: np.random.Generator, n: int):
    """Household templates and members' relation, sex and age (float years at mid-2014)."""
    t = rng.choice(len(_T), n, p=_T_P)
    head_age = _T_LO[t] + (_T_HI[t] - _T_LO[t] + 1) * rng.beta(_T_A[t], _T_B[t])
    head_male = rng.random(n) < _T_PM[t]
    slots = _T_SLOTS[t]
    width = cal.MAX_SLOTS + 1
    ages = np.full((n, width), np.nan)
    male = np.zeros((n, width), dtype=bool)
    code = np.zeros((n, width), dtype=np.int64)
    ages[:, 0], male[:, 0] = head_age, head_male
    nan = np.full(n, np.nan)
    mother = np.where(head_male, head_age - 3.0, head_age)
    last_child, last_ca, mother_g, last_g, father = nan.copy(), nan.copy(), nan.copy(), nan.copy(), nan.copy()
    last_ca_male = np.ones(n, dtype=bool)
    has_ca = (slots == cal.CA).any(axis=1)
    for j in range(cal.MAX_SLOTS):
        k = slots[:, j]
        if not k.any():
            break
        u, u2, u3, z = rng.random(n), rng.random(n), rng.random(n), rng.standard_normal(n)
        gap = 2.5 + 3.0 * z
        spouse = np.clip(np.where(head_male, head_age - gap, head_age + gap), 18, 97)
        child = np.where(np.isnan(last_child), mother - (20 + 11 * u), last_child - (1.5 + 3.5 * u))
        child = np.where(child < 0, 2 * u2, child)
        adult = np.where(np.isnan(last_ca), head_age - (22 + 8 * u), last_ca - (2 + 4 * u))
        adult = np.maximum(adult, 18 + 3 * u2)
        inlaw = np.maximum(np.where(last_ca_male, last_ca - (1.5 + 2.5 * z), last_ca + 1.5 + 2.5 * z), 18)
        g_mother = np.where(np.isnan(mother_g), np.where(np.isnan(last_ca), head_age - 25, last_ca), mother_g)
        grand = np.where(np.isnan(last_g), np.where(has_ca, g_mother - (20 + 10 * u), head_age - (45 + 13 * u)),
                         last_g - (1.5 + 2.5 * u))
        grand = np.where(has_ca, grand, np.minimum(grand, 16))
        grand = np.where(grand < 0, 2 * u2, grand)
        dad = np.minimum(head_age + 23 + 10 * u, 97)
        mum = np.where(np.isnan(father), np.minimum(head_age + 22 + 10 * u, 97), np.maximum(father - 5 * u, head_age + 18))
        sibling = np.clip(head_age + 16 * u - 8, 16, 90)
        conds = [k == cal.S, k == cal.C, k == cal.CA, k == cal.L, k == cal.G, k == cal.P, k == cal.M, k == cal.B]
        ages[:, j + 1] = np.select(conds, [spouse, child, adult, inlaw, grand, dad, mum, sibling], np.nan)
        male[:, j + 1] = np.select(conds, [~head_male, u3 < cal.P_MALE_BIRTH, u3 < 0.85, ~last_ca_male,
                                           u3 < cal.P_MALE_BIRTH, True, False, u3 < 0.8], False)
        code[:, j + 1] = k
        is_s = conds[0]
        mother = np.where(is_s & head_male, spouse, mother)
        last_child = np.where(conds[1], child, last_child)
        last_ca = np.where(conds[2], adult, last_ca)
        last_ca_male = np.where(conds[2], u3 < 0.85, last_ca_male)
        mother_g = np.where(conds[3], np.where(last_ca_male, inlaw, last_ca), mother_g)
        last_g = np.where(conds[4], grand, last_g)
        father = np.where(conds[5], dad, father)
    present = ~np.isnan(ages)
    present[:, 0] = True
    # a young woman who may give birth after 2014: daughter-in-law, else the female spouse or female head
    inlaw_w = (code == cal.L) & ~male
    spouse_w = ((code == cal.S) & ~male) | ((code == 0) & ~male)
    young_age = np.where(inlaw_w.any(1), np.nanmax(np.where(inlaw_w, ages, -1), axis=1),
                         np.nanmax(np.where(spouse_w, ages, -1), axis=1))
    baby_rel = np.where(inlaw_w.any(1), cal.G, cal.C)
    return ages, male, code, present, young_age, baby_rel


def _simulate(county: _County, villages: list[_Village], block: int, alloc: _IdAllocator) -> dict:
    """Everything for one block of villages, as numpy arrays (block-local household and person indexes)."""
    rng = _rng(county.seed, int(county.code6), 1, block, int(villages[0].code))
    counts = np.array([v.households for v in villages])
    nv, n = len(villages), int(counts.sum())
    vh = np.repeat(np.arange(nv), counts)  # village of each household
    v_codes = np.array([v.code for v in villages], dtype=object)
    Y = int(county.years_all[-1])
    years_all = county.years_all
    ny = len(years_all)

    # ---- members ------------------------------------------------------------------------------------
    ages, male2, code2, present, young_age, baby_rel = _compose(rng, n)
    base_size = present.sum(axis=1)
    can_birth = (young_age >= 20) & (young_age <= 38) & (base_size <= 8) & (Y >= 2015)
    u = rng.random(n)
    p_first = cal.BIRTH_PROBABILITY * np.where(young_age <= 30, 1.0, 0.6)
    first_birth = can_birth & (u < p_first)
    birth_year1 = rng.integers(2015, max(Y, 2015) + 1, n)
    birth_year2 = birth_year1 + rng.integers(2, 4, n)
    second_birth = first_birth & (u < p_first * cal.SECOND_BIRTH_SHARE) & (base_size <= 7) & (birth_year2 <= Y)
    hh_idx = np.repeat(np.arange(n), base_size)
    male = male2[present]
    slot = code2[present]
    birth = REF_DATE - np.floor(ages[present] * 365.25).astype("timedelta64[D]")
    joined_by_birth = np.zeros(len(hh_idx), dtype=bool)
    b_h = np.r_[np.flatnonzero(first_birth), np.flatnonzero(second_birth)]
    if len(b_h):
        b_year = np.r_[birth_year1[first_birth], birth_year2[second_birth]]
        b_day = _year_start(b_year) + rng.integers(0, 365, len(b_h)).astype("timedelta64[D]")
        hh_idx = np.r_[hh_idx, b_h]
        male = np.r_[male, rng.random(len(b_h)) < cal.P_MALE_BIRTH]
        slot = np.r_[slot, baby_rel[b_h]]
        birth = np.r_[birth, b_day]
        joined_by_birth = np.r_[joined_by_birth, np.ones(len(b_h), dtype=bool)]
        order = np.argsort(hh_idx, kind="stable")
        hh_idx, male, slot, birth, joined_by_birth = (hh_idx[order], male[order], slot[order], birth[order],
                                                       joined_by_birth[order])
    np_ = len(hh_idx)
    by = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    size_final = np.bincount(hh_idx, minlength=n)
    pers = np.tile(base_size[:, None], (1, ny)).astype(np.int64)  # members at the end of each year
    for yi, y in enumerate(years_all.tolist()):
        pers[:, yi] += np.bincount(hh_idx[joined_by_birth & (by <= y)], minlength=n)
    is_head = slot == 0
    head_of = np.flatnonzero(is_head)  # person index of each household's head, in household order
    age = Y - by  # age at the end of the last year

    # ---- ethnicity and names -------------------------------------------------------------------------
    k_mix = len(county.mix_codes)
    mixes = np.array([v.mix for v in villages])
    head_eth = _choice_rows(rng, mixes[vh]) if k_mix > 1 else np.zeros(n, dtype=np.int64)
    own_eth = rng.choice(k_mix, np_, p=county.mix_shares) if k_mix > 1 else np.zeros(np_, dtype=np.int64)
    married_in = (slot == cal.S) | (slot == cal.L) | (slot == cal.M)
    eth = np.where(married_in & (rng.random(np_) >= 0.85), own_eth, head_eth[hh_idx])
    groups = np.array(county.mix_groups, dtype=object)
    head_sur = np.empty(n, dtype=object)
    husband_sur = np.empty(n, dtype=object)
    own_sur = np.empty(np_, dtype=object)
    for gi, gname in enumerate(county.mix_groups):
        names, p = SURNAMES[gname]
        arr = np.array(names, dtype=object)
        hmask = head_eth == gi
        head_sur[hmask] = arr[rng.choice(len(arr), int(hmask.sum()), p=p)]
        husband_sur[hmask] = arr[rng.choice(len(arr), int(hmask.sum()), p=p)]
        pmask = eth == gi
        own_sur[pmask] = arr[rng.choice(len(arr), int(pmask.sum()), p=p)]
    head_male = male[head_of]
    line_sur = np.where(head_male, head_sur, husband_sur)  # children carry the father's surname
    blood = (slot == cal.C) | (slot == cal.CA) | (slot == cal.G)
    surname = np.where(is_head | (slot == cal.P) | (slot == cal.B), head_sur[hh_idx],
                       np.where(blood, line_sur[hh_idx], own_sur))
    mei = _among(groups[eth], list(cal.MEI_GROUPS))
    given = county.given_plain.draw(rng, male, by)
    if mei.any():
        given[mei] = county.given_mei.draw(rng, male[mei], by[mei])
    name = surname + given
    eth_code = np.array(county.mix_codes, dtype=object)[eth]

    # ---- health, education, school, labour, work --------------------------------------------------------
    band = np.minimum(np.searchsorted(cal.AGE_BANDS, age, side="right"), len(cal.AGE_BANDS) - 1)
    frail = rng.gamma(2.0, 0.5, n)[hh_idx]
    u = rng.random(np_)
    p_dis, p_ser, p_chr = cal.P_DISABLED[band] * frail, cal.P_SERIOUS[band] * frail, cal.P_CHRONIC[band] * frail
    health = np.where(u < p_dis, "disabled", np.where(u < p_dis + p_ser, "serious",
                      np.where(u < p_dis + p_ser + p_chr, "chronic", "healthy"))).astype(object)

    coh_starts = np.array([s for s, _ in cal.EDUCATION_BY_COHORT])
    coh = np.searchsorted(coh_starts, by, side="right") - 1
    edu_p = np.array([p for _, p in cal.EDUCATION_BY_COHORT])[coh].copy()
    shift = (np.where(~male & (by < 1965), cal.EDUCATION_FEMALE_SHIFT, 0.0)
             + np.where(eth_code != "01", cal.EDUCATION_MINORITY_SHIFT, 0.0))
    edu_p[:, 0] += shift
    edu_p[:, 1:] *= (1 - edu_p[:, 0:1]) / edu_p[:, 1:].sum(axis=1, keepdims=True)
    education = np.array(cal.EDUCATION_LEVELS, dtype=object)[_choice_rows(rng, edu_p)]
    student = np.full(np_, "none", dtype=object)
    u = rng.random(np_)
    t_drop = 0.015 + (0.002 - 0.015) * min(max((Y - 2014) / 6, 0), 1)
    education[age < 6] = "preschool_age"
    student[(age >= 3) & (age < 6) & (u < 0.7)] = "preschool"
    school = (age >= 6) & (age <= 15)
    student[school & (age <= 11)] = "primary"
    student[school & (age >= 12)] = "junior"
    education[school] = np.where(age[school] <= 12, "primary", "junior")
    student[school & (age == 15) & (u < 0.3)] = "senior"
    home = school & ((u > 1 - 0.003) | ((health == "disabled") & (u < 0.2)))
    drop = school & ~home & (u > 1 - 0.003 - t_drop)
    student[home] = "home_taught"
    student[drop] = "dropped_out"
    teen = (age >= 16) & (age <= 18)
    student[teen & (u < 0.45)] = "senior"
    student[teen & (u >= 0.45) & (u < 0.70)] = "vocational"
    education[teen & (u < 0.70)] = "junior"
    young = (age >= 19) & (age <= 22)
    student[young & (u < 0.15)] = "college"
    education[young & (u < 0.15)] = "senior"
    in_school = ~_among(student, ["none", "dropped_out"])

    u = rng.random(np_)
    working_age = (age >= 16) & (age <= 64) & ~in_school
    labour = np.full(np_, "none", dtype=object)
    lost = working_age & (((health == "disabled") & (u < 0.7)) | ((health == "serious") & (u < 0.6))
                          | ((health == "chronic") & (u < 0.15)))
    skilled_p = np.where(_among(education, ["senior", "vocational", "college"]), 0.30, 0.08)
    labour[working_age] = np.where(rng.random(np_) < skilled_p, "skilled", "normal")[working_age]
    labour[lost] = "lost"
    labour[(age >= 65) & (age <= 75) & (health == "healthy") & (u < 0.35)] = "normal"
    able = _among(labour, ["normal", "skilled"])

    work = np.full(np_, "", dtype=object)
    work[(age >= 16) & ~in_school] = "none"
    wband = np.minimum(np.searchsorted(np.array([b for b, _ in cal.WORK_BY_AGE]), age, side="right"),
                       len(cal.WORK_BY_AGE) - 1)
    w = _choice_rows(rng, np.array([p for _, p in cal.WORK_BY_AGE])[wband])
    work[able] = np.array(cal.WORK_STATUSES, dtype=object)[w][able]
    months = np.zeros(np_, dtype=np.int64)
    far = able & _among(work, ["away_out", "away_province"])
    near = able & (work == "away_county")
    months[far] = 12 - np.minimum(rng.geometric(0.45, np_) - 1, 6)[far]
    months[near] = rng.integers(3, 11, np_)[near]

    # ---- poverty score, registration and exits -------------------------------------------------------
    def per_hh(mask):
        return np.bincount(hh_idx, weights=np.asarray(mask, dtype=float), minlength=n)

    base_member = ~joined_by_birth
    n_dep = per_hh(base_member & ((age < 16) | (age >= 65) | _among(labour, ["lost", "none"])))
    n_ill = per_hh(health == "serious") * 1.5 + per_hh(health == "chronic") * 0.8
    n_dis = per_hh(health == "disabled")
    n_able = per_hh(able & (age <= 64))
    n_away = per_hh(far | near)
    head_age = age[head_of]
    head_none = education[head_of] == "none"
    alone_old = (base_size == 1) & (head_age >= 60)
    n_students = per_hh(_among(student, ["senior", "vocational", "college"]))
    score = (1.4 * n_dep / base_size + 0.9 * np.minimum(n_ill, 2) + 0.9 * np.minimum(n_dis, 2)
             + 1.0 * (n_able == 0) - 0.35 * n_away + 0.4 * head_none + 0.8 * alone_old
             + 0.3 * np.minimum(n_students, 2) - 0.1 * (base_size - 3) + rng.normal(0, 0.9, n))
    factors = np.array([v.factor for v in villages])
    targets = np.minimum(county.targets[None, :] * factors[:, None], 0.85)
    reg, ext, ret, rex, status = _status_paths(rng, score, pers, targets, years_all, vh, nv)
    registered = reg > 0

    # ---- household type, standard, causes ------------------------------------------------------------
    no_labour = n_able == 0
    lone = (base_size == 1) | ((base_size == 2) & (n_dis > 0))
    tekun_h = registered & no_labour & lone & ((head_age >= 60) | (n_dis > 0)) & (rng.random(n) < cal.TEKUN_TAKE_UP)
    p_dibao = 0.06 + 0.20 * ((n_ill > 0) | (n_dis > 0)) + 0.25 * no_labour
    dibao_h = registered & ~tekun_h & (rng.random(n) < p_dibao)
    dibao_other = ~registered & (rng.random(n) < 0.015)
    hh_type = np.where(tekun_h, "tekun", np.where(dibao_h, "dibao", "general")).astype(object)
    std_u = rng.random(n)
    ident = np.where(std_u < 0.94, "national", np.where(std_u < 0.99, "provincial", "municipal")).astype(object)
    ident[~registered] = "national"
    main, sec1, sec2, forced = _causes(rng, registered, n_ill, n_dis, n_students, n_able)
    ill_now = per_hh(_among(health, ["chronic", "serious"]))
    who = _oldest_member(hh_idx, age, forced["illness"] & (ill_now == 0), n)
    health[who] = np.where(rng.random(len(who)) < 0.7, "chronic", "serious")
    who = _oldest_member(hh_idx, age, forced["disability"] & (n_dis == 0), n)
    health[who] = "disabled"
    wa = who[(age[who] >= 16) & (age[who] <= 64) & ~in_school[who]]
    labour[wa], work[wa], months[wa] = "lost", "none", 0
    far[wa] = near[wa] = able[wa] = False

    # ---- insurance and assistance flags ---------------------------------------------------------------
    reg_p = registered[hh_idx]
    medical = rng.random(np_) < np.where(reg_p, 0.995 if Y >= 2017 else 0.96, 0.97)
    serious_ins = medical & (rng.random(np_) < 0.99)
    pension = (age >= 16) & ~in_school & (rng.random(np_) < np.where(reg_p & (Y >= 2017), 0.95, 0.78))
    pension |= (age >= 60) & (rng.random(np_) < 0.93)
    person_dibao = (dibao_h | dibao_other)[hh_idx]
    person_tekun = tekun_h[hh_idx]
    # an exited household met the guarantees: everyone insured, every child of 6-15 in school
    exited_p = (status[:, -1] == EXITED)[hh_idx]
    medical[exited_p] = serious_ins[exited_p] = True
    back = exited_p & (student == "dropped_out")
    student[back] = np.where(age[back] <= 11, "primary", "junior")

    # ---- incomes -------------------------------------------------------------------------------------
    first_exit = ext
    delayed = np.zeros(n, dtype=bool)
    cand = (first_exit > 0) & (first_exit - 1 > reg)
    if cand.any():
        yi_prev = np.clip(first_exit - 1 - years_all[0], 0, ny - 1)
        cand &= status[np.arange(n), yi_prev] == POOR
        delayed = cand & (rng.random(n) < cal.DELAYED_EXIT_SHARE)
    industry_h = registered & (rng.random(n) < np.interp(Y, [2014, 2020], [0.2, 0.86]))
    incomes = _incomes(rng, county, n, pers, hh_idx, by, pension, far, near, months, able, work,
                       reg, status, delayed, industry_h, dibao_h | dibao_other, registered, tekun_h, head_age)

    # ---- housing, water, fuel, participation (state at the end of the last year) ------------------------
    housing = _housing(rng, county, n, Y, reg, first_exit, delayed, base_size)
    t = min(max((Y - 2014) / 6.0, 0.0), 1.0)
    wp = np.where(registered[:, None], _interp(*cal.WATER_POOR, Y)[None, :], _interp(*cal.WATER_OTHER, Y)[None, :])
    water = np.array(cal.WATER_SOURCES, dtype=object)[_choice_rows(rng, wp)]
    final = status[:, -1]
    water[(final == EXITED) & _among(water, ["carried", "unprotected"])] = "piped"
    water[housing["relocated"]] = "piped"
    water_safe = _among(water, ["piped", "well", "cistern"]) | (final == EXITED)
    fp = _interp(*county.fuel_mix, Y)
    fuel_p = np.tile(fp, (n, 1))
    fuel_p[registered] = 0.7 * fp + 0.3 * np.eye(len(fp))[0]
    fuel = np.array(cal.FUELS, dtype=object)[_choice_rows(rng, fuel_p)]
    fuel[housing["relocated"] & (fuel == "firewood")] = "electricity"
    electricity = ~(registered & (final != EXITED) & (Y <= 2015) & (rng.random(n) < 0.01))
    coop = rng.random(n) < np.where(registered, 0.10 + 0.60 * t, 0.08 + 0.10 * t)
    mutual = rng.random(n) < np.where(registered, 0.04 + 0.12 * t, 0.02)
    in_industry = industry_h | (~registered & (rng.random(n) < 0.10))
    # Two no worries: food and clothing insecurity only among households still poor at the end, rarer as
    # the campaign goes on (a stream of its own, so the draws above do not move).
    worry = _rng(county.seed, int(county.code6), 2, block, int(villages[0].code))
    still_poor = _among(final, [POOR, RETURNED])
    p_worry = 0.25 * (1.0 - t) + 0.02
    food_secure = ~(still_poor & (worry.random(n) < p_worry))
    clothing_secure = ~(still_poor & (worry.random(n) < 0.6 * p_worry))

    # ---- numbers, addresses, phones, bank accounts -----------------------------------------------------
    v_start = np.r_[0, np.cumsum(counts)[:-1]]
    serial = np.array([v.first_serial for v in villages])[vh] + np.arange(n) - v_start[vh]
    number = v_codes[vh] + np.char.zfill(serial.astype(str), 4).astype(object)
    n_groups = np.array([v.groups for v in villages])[vh]
    group = np.floor(rng.random(n) * n_groups).astype(np.int64) + 1
    order = np.lexsort((rng.random(n), group, vh))
    key = vh[order] * 1000 + group[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    house_no = np.empty(n, dtype=np.int64)
    house_no[order] = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n])) + 1
    short = np.array([v.short_name for v in villages], dtype=object)
    address = short[vh] + group.astype(str).astype(object) + "组" + house_no.astype(str).astype(object) + "号"
    phone = _phones(rng, n)
    phone[rng.random(n) >= np.where(alone_old, 0.7, 0.92)] = ""
    bank = _bank_accounts(rng, n)
    bank[rng.random(n) >= np.where(registered, 0.99, 0.9)] = ""

    # ---- identity numbers and pinyin ---------------------------------------------------------------------
    code_idx = np.zeros(np_, dtype=np.int64)
    if county.id_switch is not None:
        s = county.id_switch
        p_old = np.where(by + 16 <= s, 0.75, np.where(by <= s, 0.40, 0.0))
        code_idx = (rng.random(np_) < p_old).astype(np.int64)
    id_numbers, birth = alloc.assign(code_idx, birth, male)
    pinyin_full, pinyin_initials = compose_pinyin_many(surname, given)

    # ---- dates ---------------------------------------------------------------------------------------------
    survey = np.array([v.survey_date for v in villages], dtype="datetime64[D]")
    reg_dates = np.empty((nv, ny), dtype="datetime64[D]")
    exit_dates = np.empty((nv, ny), dtype="datetime64[D]")
    for yi, y in enumerate(years_all.tolist()):
        if y == cal.FIRST_YEAR:
            reg_dates[:, yi] = survey + rng.integers(5, 25, nv).astype("timedelta64[D]")
        else:
            reg_dates[:, yi] = np.datetime64(f"{y}-09-01") + rng.integers(0, 95, nv).astype("timedelta64[D]")
        exit_dates[:, yi] = np.datetime64(f"{y}-11-01") + rng.integers(0, 50, nv).astype("timedelta64[D]")
    jitter = rng.integers(0, 8, n).astype("timedelta64[D]")
    back_days = rng.integers(0, 200, n).astype("timedelta64[D]")
    sc = _status_changes(reg, first_exit, ret, rex, vh, years_all, reg_dates, exit_dates, jitter, back_days)
    created = survey[vh]
    updated = created.copy()
    if len(sc["hh"]):
        np.maximum.at(updated, sc["hh"], sc["date"])
    p_created = np.maximum(created[hh_idx], birth + np.timedelta64(15, "D"))
    by_birth = joined_by_birth & (birth > created[hh_idx])
    start_date = np.where(by_birth, birth, created[hh_idx])
    start_reason = np.where(by_birth, "birth", "registration").astype(object)

    households = dict(
        number=number, head_local=head_of, head_name=name[head_of], size=size_final,
        status=STATUS_TEXT[final], registered_year=reg, exited_year=np.where(rex > 0, rex, first_exit),
        identification_standard=ident, household_type=hh_type, main_cause=main, secondary_cause_1=sec1,
        secondary_cause_2=sec2, address=address, phone=phone, bank_account=bank,
        housing_area=housing["area"], housing_structure=housing["structure"],
        housing_year_built=housing["year_built"], housing_grade=housing["grade"], relocated=housing["relocated"],
        has_electricity=electricity, cooking_fuel=fuel, water_source=water, water_safe=water_safe,
        food_secure=food_secure, clothing_secure=clothing_secure,
        in_cooperative=coop, in_mutual_aid_fund=mutual, in_industry=in_industry,
        created=created, updated=updated, area=v_codes[vh],
    )
    persons = dict(
        hh=hh_idx, relation=REL_TEXT[slot], name=name, pinyin=pinyin_full, initials=pinyin_initials, id_number=id_numbers, sex=np.where(male, "M", "F").astype(object),
        birth=birth, ethnicity=eth_code, education=education, student_status=student, health=health,
        labour_ability=labour, work_status=work, months_away=months, medical_insurance=medical,
        serious_illness_insurance=serious_ins, pension_insurance=pension, dibao=person_dibao,
        tekun=person_tekun, created=p_created, start_date=start_date, start_reason=start_reason,
        area=v_codes[vh][hh_idx],
    )
    poor_now = (status == POOR) | (status == RETURNED)
    stats = dict(poor_persons=(pers * poor_now).sum(axis=0), persons=pers.sum(axis=0), registered=int(registered.sum()))
    return dict(hh=households, p=persons, inc=incomes, sc=sc, n=n, np=np_, stats=stats)


def _grouped_take(order: np.ndarray, values: np.ndarray, group: np.ndarray, target: np.ndarray) -> np.ndarray:
    """`order` lists candidates sorted by (group, priority); per group, the leading candidates whose summed
    values come nearest to the group's target (a prefix: element i is taken iff the sum before it plus half
    of it is under the target)."""
    if not len(order):
        return order
    g = group[order]
    v = values[order].astype(float)
    cum_before = np.cumsum(v) - v
    first = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    offset = np.repeat(cum_before[first], np.diff(np.r_[first, len(g)]))
    return order[(cum_before - offset) + v / 2 < target[g]]


def _status_paths(rng, score, pers, targets, years_all, vh, nv):
    """Registration, exit, return and re-exit years, and the status at the end of each year.

    `targets` (villages x years) is the share of the village's persons registered poor at year end.
    """
    n, ny = pers.shape
    reg = np.zeros(n, dtype=np.int64)
    ext, ret, rex = reg.copy(), reg.copy(), reg.copy()
    status = np.zeros((n, ny), dtype=np.int8)
    order = np.lexsort((-score, vh))
    total = np.array([np.bincount(vh, weights=pers[:, yi], minlength=nv) for yi in range(ny)]).T
    chosen = _grouped_take(order, pers[:, 0], vh, targets[:, 0] * total[:, 0])
    reg[chosen] = years_all[0]
    status[:, 0] = np.where(reg > 0, POOR, NONE_)
    registered_first = np.bincount(vh[chosen], weights=pers[chosen, 0], minlength=nv)
    exit_key = score + rng.normal(0, 0.6, n)
    for yi in range(1, ny):
        y = int(years_all[yi])
        cur = status[:, yi - 1].copy()
        share = cal.LATE_REGISTRATION.get(y, 0.0)
        if share:
            cand = order[reg[order] == 0]
            late = _grouped_take(cand, pers[:, yi], vh, share * registered_first)
            reg[late] = y
            cur[late] = POOR
        u = rng.random(n)
        if 2016 <= y <= 2019:
            back = (cur == EXITED) & (ret == 0) & (u < cal.RETURN_RATE)
            ret[back] = y
            cur[back] = RETURNED
        poor_now = (cur == POOR) | (cur == RETURNED)
        eligible = np.flatnonzero(((cur == POOR) & (reg < y)) | ((cur == RETURNED) & (ret < y)))
        need = np.bincount(vh[poor_now], weights=pers[poor_now, yi], minlength=nv) - targets[:, yi] * total[:, yi]
        need[targets[:, yi] <= 0] = np.inf
        key = np.where(cur[eligible] == RETURNED, -np.inf, exit_key[eligible])
        chosen = _grouped_take(eligible[np.lexsort((key, vh[eligible]))], pers[:, yi], vh, need)
        was_back = cur[chosen] == RETURNED
        ext[chosen[~was_back]] = y
        rex[chosen[was_back]] = y
        cur[chosen] = EXITED
        status[:, yi] = cur
    return reg, ext, ret, rex, status


def _causes(rng, registered, n_ill, n_dis, n_students, n_able):
    """Main cause (raked to the target shares) and 0-2 distinct secondary causes, for registered households."""
    n = len(registered)
    causes = cal.CAUSES
    ix = {name: i for i, name in enumerate(causes)}
    k = len(causes)
    mult = np.ones((n, k))
    mult[:, ix["illness"]] = np.where(n_ill > 0, 2.5, 0.4)
    mult[:, ix["disability"]] = np.where(n_dis > 0, 3.0, 0.15)
    mult[:, ix["schooling"]] = np.where(n_students > 0, 4.0, 0.0)
    mult[:, ix["labour"]] = np.where(n_able <= 1, 2.5, 0.3)
    target = np.array([cal.MAIN_CAUSE_SHARES.get(x, 0.0) for x in causes])
    target /= target.sum()
    reg_idx = np.flatnonzero(registered)
    main = np.full(n, "", dtype=object)
    sec1, sec2 = main.copy(), main.copy()
    forced = {"illness": np.zeros(n, dtype=bool), "disability": np.zeros(n, dtype=bool)}
    if not len(reg_idx):
        return main, sec1, sec2, forced
    m = mult[reg_idx]
    base = target.copy()
    for _ in range(8):  # rake the base weights so the expected shares match the target
        p = m * base
        p /= p.sum(axis=1, keepdims=True)
        share = p.mean(axis=0)
        base *= np.where(share > 0, target / np.maximum(share, 1e-12), 1.0)
    p = m * base
    p /= p.sum(axis=1, keepdims=True)
    pick = _choice_rows(rng, p)
    names = np.array(causes, dtype=object)
    main[reg_idx] = names[pick]
    forced["illness"][reg_idx] = (pick == ix["illness"]) & (n_ill[reg_idx] == 0)
    forced["disability"][reg_idx] = (pick == ix["disability"]) & (n_dis[reg_idx] == 0)
    # secondary: Gumbel top-2 over the weights, main cause excluded
    sw = np.array([cal.SECONDARY_WEIGHTS.get(x, 0.0) for x in causes])[None, :] * np.maximum(m, 0.05)
    sw[np.arange(len(reg_idx)), pick] = 0
    gumbel = -np.log(-np.log(rng.random(sw.shape)))
    keys = np.where(sw > 0, np.log(np.maximum(sw, 1e-300)) + gumbel, -np.inf)
    top = np.argsort(-keys, axis=1)[:, :2]
    count = rng.choice(3, len(reg_idx), p=cal.SECONDARY_COUNT_P)
    s1 = np.where(count >= 1, names[top[:, 0]], "")
    s2 = np.where(count >= 2, names[top[:, 1]], "")
    sec1[reg_idx], sec2[reg_idx] = s1, s2
    return main, sec1, sec2, forced


def _oldest_member(hh_idx, age, households_mask, n) -> np.ndarray:
    """Person index of the oldest member of each household in the mask."""
    idx = np.flatnonzero(households_mask[hh_idx])
    if not len(idx):
        return idx
    order = idx[np.lexsort((-age[idx], hh_idx[idx]))]
    first = np.r_[True, hh_idx[order][1:] != hh_idx[order][:-1]]
    return order[first]


def _status_changes(reg, first_exit, ret, rex, vh, years_all, reg_dates, exit_dates, jitter, back_days) -> dict:
    """One row per registration, exit, return and re-exit, sorted by household and date."""
    y0 = int(years_all[0])
    parts = []
    for years, frm, to, dates, procedure, extra in (
        (reg, "none", "poor", reg_dates, "registration", jitter),
        (first_exit, "poor", "exited", exit_dates, "exit", jitter),
        (ret, "exited", "returned", None, "return", back_days),
        (rex, "returned", "exited", exit_dates, "exit", jitter),
    ):
        idx = np.flatnonzero(years > 0)
        if dates is None:
            d = _year_start(years[idx]) + np.timedelta64(90, "D") + extra[idx]  # April to October
        else:
            d = dates[vh[idx], years[idx] - y0] + extra[idx]
        parts.append((idx, frm, to, d, procedure))
    hh = np.concatenate([p[0] for p in parts])
    date = np.concatenate([p[3] for p in parts]).astype("datetime64[D]")
    frm = np.concatenate([np.full(len(p[0]), p[1], dtype=object) for p in parts])
    to = np.concatenate([np.full(len(p[0]), p[2], dtype=object) for p in parts])
    proc = np.concatenate([np.full(len(p[0]), p[4], dtype=object) for p in parts])
    order = np.lexsort((date, hh))
    return dict(hh=hh[order], from_status=frm[order], to_status=to[order], date=date[order], procedure=proc[order])


def _incomes(rng, county, n, pers, hh_idx, by, pension, far, near, months, able, work,
             reg, status, delayed, industry_h, dibao_any, registered, tekun_h, head_age) -> dict:
    """Income components per household and year (cents), with gross/net/per capita as compute_income."""
    years_all = county.years_all
    ny = len(years_all)
    lines = county.lines.astype(float) / 100.0
    t = np.arange(ny)
    # income category per household-year
    PRE, POORY, EXITY, DELAY, NONEY = 1, 2, 3, 4, 0
    cat = np.full((n, ny), NONEY, dtype=np.int8)
    yrs = years_all[None, :]
    cat[registered[:, None] & (yrs < reg[:, None])] = PRE
    cat[(status == POOR) | (status == RETURNED)] = POORY
    cat[status == EXITED] = EXITY
    first_exit_idx = np.full(n, -1)
    first_exited = (status == EXITED).argmax(axis=1)
    has_exit = (status == EXITED).any(axis=1)
    first_exit_idx[has_exit] = first_exited[has_exit]
    d_rows = np.flatnonzero(delayed & (first_exit_idx > 0))
    cat[d_rows, first_exit_idx[d_rows] - 1] = DELAY
    missed = ~registered & (rng.random(n) < cal.MISSED_SHARE)
    missed_year = rng.integers(0, ny, n)

    # per-capita targets (yuan)
    pc = np.zeros((n, ny))
    np_m = np.exp(rng.normal(np.log(county.nonpoor_median), cal.NONPOOR_SIGMA, n))
    np_m = np.maximum(np_m, 1.05)
    growth = rng.uniform(*cal.NONPOOR_GROWTH, (n, ny))
    exit_growth = rng.uniform(*cal.EXIT_GROWTH, (n, ny))
    lo, span, a, b = cal.POOR_START
    r_start = lo + span * rng.beta(a, b, n)
    r_step = rng.uniform(*cal.POOR_STEP, (n, ny))
    r_back = rng.uniform(0.55, 0.95, n)
    first_above = rng.uniform(*cal.EXIT_FIRST, (n, ny))
    pre = rng.uniform(1.03, 1.35, (n, ny))
    delay_r = rng.uniform(1.02, 1.15, n)
    r = np.full(n, np.nan)
    for yi in range(ny):
        line = lines[yi]
        cy = cat[:, yi]
        prev = cat[:, yi - 1] if yi else np.full(n, -1)
        prev_pc = pc[:, yi - 1] if yi else np.zeros(n)
        nonpoor = np_m * lines[0] if yi == 0 else np.maximum(prev_pc * growth[:, yi], line * cal.ABOVE_FLOOR)
        # poor years: a rising share of the line
        back = (status[:, yi] == RETURNED) & (prev != POORY)
        r = np.where(prev == POORY, np.minimum(r + r_step[:, yi], cal.POOR_CAP), r_start)
        r = np.where(back, r_back, r)
        poor_pc = line * np.minimum(r, cal.POOR_CAP)
        exit_first = line * first_above[:, yi]
        exit_pc = np.where(prev == EXITY, np.maximum(prev_pc * exit_growth[:, yi], line * cal.ABOVE_FLOOR),
                           np.where(prev == DELAY, np.maximum(exit_first, prev_pc * 1.03), exit_first))
        pc[:, yi] = np.select([cy == NONEY, cy == PRE, cy == POORY, cy == EXITY, cy == DELAY],
                              [nonpoor, line * pre[:, yi], poor_pc, exit_pc, line * delay_r], 0.0)
        if yi == 0:
            pc[:, 0] = np.where(cy == NONEY, np.maximum(nonpoor, line * cal.ABOVE_FLOOR), pc[:, 0])
    under = (cat == POORY).copy()
    mrow = np.flatnonzero(missed)
    pc[mrow, missed_year[mrow]] = lines[missed_year[mrow]] * rng.uniform(0.80, 0.97, len(mrow))
    under[mrow, missed_year[mrow]] = True

    # transfers and property income (yuan), by household and year
    members = pers.astype(np.int64)
    per_year_age = years_all[None, :] - by[:, None]  # persons x years
    pensioners = np.zeros((n, ny))
    pen_mask = pension[:, None] & (per_year_age >= 60) & (per_year_age >= 0)
    for yi in range(ny):
        pensioners[:, yi] = np.bincount(hh_idx, weights=pen_mask[:, yi].astype(float), minlength=n)
    pension_rate = np.array([cal.PENSION_MONTHLY[int(y)] * 12 for y in years_all])
    dibao_std = np.array([cal.DIBAO_STANDARD[int(y)] for y in years_all], float) * cal.DIBAO_FACTOR
    after_reg = (~registered[:, None]) | (yrs >= reg[:, None])
    subsidies = rng.uniform(*cal.FARM_SUBSIDIES, n)[:, None] * 1.02 ** t[None, :]
    one_off_year = rng.integers(2016, 2019, n)
    one_off = registered & (rng.random(n) < 0.35)
    subsidies = subsidies + np.where(one_off[:, None] & (yrs == one_off_year[:, None]) & (yrs >= reg[:, None]),
                                     rng.uniform(1000, 3000, n)[:, None], 0.0)
    dibao = np.where(dibao_any[:, None] & after_reg, members * dibao_std[None, :] * rng.uniform(0.45, 0.75, n)[:, None], 0.0)
    pensions = pensioners * pension_rate[None, :]
    eco = np.where(rng.random(n) < 0.4, rng.uniform(80, 800, n), 0.0)[:, None] * np.ones((1, ny))
    tekun_support = np.where(tekun_h[:, None] & (yrs >= reg[:, None]), members * dibao_std[None, :] * cal.TEKUN_FACTOR, 0.0)
    # support from children living elsewhere (赡养费) for older heads, and occasional other transfers
    support = np.where((head_age >= 55) & (rng.random(n) < cal.ELDER_SUPPORT_SHARE),
                       rng.uniform(*cal.ELDER_SUPPORT, n), 0.0)[:, None] * 1.05 ** t[None, :]
    other = tekun_support + support + np.where(rng.random((n, ny)) < 0.10, rng.uniform(50, 500, (n, ny)), 0.0)
    land_rent = np.where(rng.random(n) < 0.12, rng.uniform(200, 1500, n), 0.0)[:, None] * np.ones((1, ny))
    dividends = np.where(industry_h[:, None] & (yrs >= 2017) & (yrs >= reg[:, None]), rng.uniform(200, 800, n)[:, None], 0.0)
    prop = land_rent + dividends
    transfers = {"subsidies": subsidies, "dibao": dibao, "pensions": pensions, "eco_compensation": eco,
                 "other_transfers": other, "property_income": prop}
    counted = np.array([[k not in ex for ex in county.excluded] for k in COMPONENTS])  # component x year
    cidx = {k: i for i, k in enumerate(COMPONENTS)}

    # market income: wages (migrants) and household business (farming), split by the household's labour
    def per_hh(w):
        return np.bincount(hh_idx, weights=w, minlength=n)

    wage_w = per_hh(np.where(far | near, months / 12.0, 0.0)) + 0.5 * per_hh((able & (work == "local")).astype(float))
    farm_w = 0.35 * per_hh((able & (work == "farming")).astype(float)) + 0.2
    wage_raw = wage_w[:, None] * cal.WAGE_GROWTH ** t[None, :]
    farm_raw = farm_w[:, None] * cal.FARM_GROWTH ** t[None, :] * (1 + 0.3 * (industry_h[:, None] & (yrs >= 2016)))
    kappa = rng.uniform(0.25, 0.45, n)[:, None]

    target_net = pc * members
    tp = sum(v * counted[cidx[k]][None, :] for k, v in transfers.items())
    cap = np.where(under, 0.75, 0.92) * target_net
    scale = np.where(under & (tp > cap), cap / np.maximum(tp, 1e-9), 1.0)
    for k in transfers:
        transfers[k] = transfers[k] * scale
    tp = tp * scale
    target_net = np.where(~under & (tp > cap), tp / 0.92, target_net)
    market = target_net - tp
    wage_counted, business_counted = counted[cidx["wages"]][None, :], counted[cidx["business"]][None, :]
    share = np.where(wage_raw + farm_raw > 0, wage_raw / (wage_raw + farm_raw), 0.0)
    share = np.where(wage_counted, np.where(business_counted, share, 1.0), 0.0)
    wages = market * share
    bnet = market - wages
    business = bnet / (1 - kappa)
    costs = business - bnet

    def cents(x, step=100):
        return (np.round(np.maximum(x, 0) * 100 / step) * step).astype(np.int64)

    comp = {"wages": cents(wages, 1000), "business": cents(business), "production_costs": cents(costs)}
    for k, v in transfers.items():
        comp[k] = cents(v)
    line_c = county.lines[None, :]
    gross = sum(comp[k] * counted[cidx[k]][None, :] for k in COMPONENTS)
    net = gross - comp["production_costs"]
    # keep each household-year on its side of the line after rounding: 2 net < (2L - 1) m  <=>  pc < L
    limit = (2 * line_c - 1) * members
    too_high = under & (2 * net >= limit)
    delta = np.where(too_high, net - (limit - 1) // 2, 0)
    take_w = np.minimum(delta, comp["wages"] * wage_counted)
    comp["wages"] = comp["wages"] - take_w
    comp["production_costs"] = comp["production_costs"] + (delta - take_w)  # no component goes negative
    too_low = ~under & (2 * net < limit)
    add = np.where(too_low, (limit - 2 * net + 1) // 2, 0)
    key = "wages" if counted[cidx["wages"]].all() else "business"
    comp[key] = comp[key] + add
    gross = sum(comp[k] * counted[cidx[k]][None, :] for k in COMPONENTS)
    net = gross - comp["production_costs"]
    per_capita = _round_half_up_div(net, members)

    keep = _among(years_all, county.years)
    hh = np.repeat(np.arange(n), keep.sum())
    out = {"hh": hh, "year": np.tile(years_all[keep], n), "members": members[:, keep].ravel()}
    for k in (*COMPONENTS, "production_costs"):
        out[k] = comp[k][:, keep].ravel()
    out["gross"] = gross[:, keep].ravel()
    out["net"] = net[:, keep].ravel()
    out["per_capita"] = per_capita[:, keep].ravel()
    return out


def _housing(rng, county, n, Y, reg, first_exit, delayed, size) -> dict:
    registered = reg > 0
    structures = np.array(cal.STRUCTURES, dtype=object)
    s = rng.choice(len(structures), n, p=county.structure_mix / county.structure_mix.sum())
    lo = np.array([1995, 1985, 1970, 1955, 1950, 1960])[s]
    hi = np.array([2014, 2014, 2008, 2012, 1998, 2010])[s]
    built = lo + np.floor((hi - lo + 1) * rng.beta(1.6, 1.3, n)).astype(np.int64)
    base_area = np.array([110, 100, 95, 120, 65, 60], float)[s]
    area = base_area * np.where(registered, 0.8, 1.0) * rng.lognormal(0, 0.25, n)
    # 2014 grade: worse for earth and old wood, for the poor; quantiles give the target shares
    risk = np.array([0.0, 0.2, 0.8, 1.0, 2.0, 1.2])[s] + (2014 - built) / 40.0 + rng.normal(0, 0.7, n)
    grade = np.zeros(n, dtype=np.int64)
    for mask, shares in ((registered, cal.GRADE_POOR_2014), (~registered, cal.GRADE_OTHER_2014)):
        idx = np.flatnonzero(mask)
        if len(idx):
            ranks = np.empty(len(idx))
            ranks[np.argsort(risk[idx], kind="stable")] = (np.arange(len(idx)) + 0.5) / len(idx)
            grade[idx] = np.searchsorted(np.cumsum(shares), ranks)
    grade = np.minimum(grade, 3)
    grade[delayed & (grade < 2)] = 2
    # relocation (2016-2019, before exit)
    exit_or_end = np.where(first_exit > 0, first_exit, 2019)
    lo_y = np.maximum(2016, reg + 1)
    hi_y = np.minimum(2019, exit_or_end)
    can = registered & (lo_y <= hi_y)
    p = min(county.relocation_share / max(can.mean() / max(registered.mean(), 1e-9), 1e-9), 1.0) if registered.any() else 0
    reloc = can & (rng.random(n) < p)
    reloc_year = np.where(reloc, lo_y + np.floor((hi_y - lo_y + 1) * rng.random(n)).astype(np.int64), 0)
    # rebuilding or reinforcing unsafe houses of the registered before they exit
    unsafe = registered & (grade >= 2) & ~reloc
    last = np.where(first_exit > 0, first_exit, 2019)
    fix_lo = np.minimum(reg + 1, last)
    fix_year = np.where(delayed, first_exit, fix_lo + np.floor((last - fix_lo + 1) * rng.random(n)).astype(np.int64))
    fix_year = np.where(unsafe, fix_year, 0)
    other_unsafe = ~registered & (grade >= 2) & (rng.random(n) < 0.5)
    fix_year = np.where(other_unsafe, rng.integers(2015, 2021, n), fix_year)
    fixed = (fix_year > 0) & (fix_year <= Y)
    rebuilt = fixed & (rng.random(n) < 0.6)
    out_struct = structures[s].copy()
    out_grade = np.array(cal.GRADES, dtype=object)[grade].copy()
    out_struct[rebuilt] = np.where(rng.random(int(rebuilt.sum())) < 0.25, "concrete", "brick_concrete")
    built = np.where(rebuilt, fix_year, built)
    area = np.where(rebuilt, rng.uniform(60, 110, n), area)
    out_grade[fixed] = np.where(rebuilt[fixed], "A", "B")
    moved = reloc & (reloc_year <= Y)
    out_struct[moved] = np.where(rng.random(int(moved.sum())) < 0.7, "concrete", "brick_concrete")
    built = np.where(moved, reloc_year, built)
    area = np.where(moved, np.minimum(size * rng.uniform(20, 25, n), 125), area)
    out_grade[moved] = "A"
    tenths = np.round(np.clip(area, 15, 600) * 10).astype(np.int64)
    return dict(area=tenths, structure=out_struct, year_built=built, grade=out_grade, relocated=moved)


_PHONE_PREFIXES = np.array([134, 135, 136, 137, 138, 139, 150, 151, 152, 157, 158, 159, 182, 183, 187, 188,
                            130, 131, 132, 155, 156, 185, 186, 133, 153, 180, 181, 189])
_PHONE_P = np.array([4, 5, 5, 5, 6, 6, 4, 4, 4, 3, 3, 3, 3, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 3], float)
_BINS = np.array([622848, 621799, 621098])


def _phones(rng, n) -> np.ndarray:
    prefix = rng.choice(_PHONE_PREFIXES, n, p=_PHONE_P / _PHONE_P.sum())
    return (prefix.astype(np.int64) * 10**8 + rng.integers(0, 10**8, n)).astype(str).astype(object)


def _bank_accounts(rng, n) -> np.ndarray:
    """19-digit card numbers: 6-digit BIN, 12 account digits, Luhn check digit."""
    body = rng.choice(_BINS, n, p=[0.4, 0.35, 0.25]).astype(np.int64) * 10**12 + rng.integers(0, 10**12, n)
    total = np.zeros(n, dtype=np.int64)
    x = body.copy()
    for pos in range(18):  # from the rightmost digit of the body; every other digit doubled, starting there
        d = x % 10
        x //= 10
        if pos % 2 == 0:
            d = d * 2
            d = np.where(d > 9, d - 9, d)
        total += d
    check = (10 - total % 10) % 10
    return (body * 10 + check).astype(str).astype(object)
