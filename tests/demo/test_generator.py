"""The demo data generator: determinism, valid data, calibration, replace/append, command, demo users."""

from __future__ import annotations

import collections
import datetime as dt
import random
import re
from decimal import Decimal
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from jingzhun.accounts.models import RoleAssignment
from jingzhun.demo import names as demo_names
from jingzhun.demo.generator import CountyNotEmpty, CountyNotLoaded, GenerateError, generate_county
from jingzhun.demo.users import demo_users
from jingzhun.policy.selectors import poverty_line_amount
from jingzhun.registry.identity import parse_resident_id
from jingzhun.registry.income import COMPONENTS, compute_income
from jingzhun.registry.models import Household, IncomeRecord, Membership, Person, StatusChange
from jingzhun.registry.names import name_pinyin

pytestmark = pytest.mark.django_db

JIANGYONG, CONGJIANG, QINGCHUAN = "431125", "522633", "510822"


def _in(code6: str) -> dict:
    return {"area_id__gte": code6 + "000000", "area_id__lt": f"{int(code6) + 1:06d}000000"}


def _hh_in(code6: str) -> dict:
    return {"household__area_id__gte": code6 + "000000", "household__area_id__lt": f"{int(code6) + 1:06d}000000"}


def _dump(code6: str) -> dict:
    """Everything generated for a county, without primary keys."""
    persons = list(Person.objects.filter(**_in(code6)).order_by("id_number").values_list(
        "id_number", "name", "name_pinyin", "sex", "birth_date", "ethnicity", "education", "student_status", "health",
        "labour_ability", "work_status", "months_away", "relation", "household__number", "created_at"))
    households = list(Household.objects.filter(**_in(code6)).order_by("number").values_list(
        "number", "head__id_number", "head_name", "size", "status", "registered_year", "exited_year", "main_cause",
        "secondary_cause_1", "household_type", "address", "phone", "bank_account", "housing_area", "housing_grade",
        "water_source", "created_at", "updated_at"))
    incomes = list(IncomeRecord.objects.filter(**_hh_in(code6)).order_by("household__number", "year").values_list(
        "household__number", "year", "members", *COMPONENTS, "production_costs", "gross", "net", "per_capita"))
    changes = list(StatusChange.objects.filter(**_hh_in(code6)).order_by("household__number", "effective_date", "to_status")
                   .values_list("household__number", "from_status", "to_status", "effective_date", "procedure"))
    return {"persons": persons, "households": households, "incomes": incomes, "changes": changes}


def _status_at_year_end(code6: str, years) -> dict[int, dict[int, str]]:
    """{year: {household id: status at 31 December}} from the status history."""
    history = collections.defaultdict(list)
    for hid, date, to in StatusChange.objects.filter(**_hh_in(code6)).values_list("household_id", "effective_date", "to_status"):
        history[hid].append((date, to))
    out = {}
    for y in years:
        end = dt.date(y, 12, 31)
        out[y] = {}
        for hid in Household.objects.filter(**_in(code6)).values_list("id", flat=True):
            past = sorted(h for h in history.get(hid, []) if h[0] <= end)
            out[y][hid] = past[-1][1] if past else "none"
    return out


def _incidence(code6: str, years) -> dict[int, float]:
    """Registered poor persons / rural population at the end of each year, from the database."""
    status = _status_at_year_end(code6, years)
    starts = list(Membership.objects.filter(**_hh_in(code6)).values_list("household_id", "start_date"))
    out = {}
    for y in years:
        end = dt.date(y, 12, 31)
        members = [hid for hid, start in starts if start <= end]
        poor = sum(1 for hid in members if status[y][hid] in ("poor", "returned"))
        out[y] = poor / len(members)
    return out


# --- determinism ----------------------------------------------------------------------------------------


def test_same_seed_same_data_and_replace(demo_tree):
    demo_tree(JIANGYONG)
    first = generate_county(county_code=JIANGYONG, households=400, seed=11)
    a = _dump(JIANGYONG)
    again = generate_county(county_code=JIANGYONG, households=400, seed=11, replace=True)
    b = _dump(JIANGYONG)
    assert again.deleted_households == 400
    assert first.persons == again.persons == len(a["persons"])
    assert a == b
    assert Household.objects.count() == 400  # replaced, not added
    generate_county(county_code=JIANGYONG, households=400, seed=12, replace=True)
    c = _dump(JIANGYONG)
    assert c["persons"] != a["persons"] and c["incomes"] != a["incomes"]


def _schema() -> set[tuple]:
    """Every constraint and index of the database (PostgreSQL) or every index (SQLite), by name and definition."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                        "WHERE connamespace = 'public'::regnamespace")
            constraints = cur.fetchall()
            cur.execute("SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
                        "JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = 'public'::regnamespace")
            return set(constraints) | set(cur.fetchall())
        cur.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index'")
        return set(cur.fetchall())


def test_batch_size_and_bulk_mode_do_not_change_the_data(demo_tree):
    demo_tree(JIANGYONG)
    generate_county(county_code=JIANGYONG, households=300, seed=5)
    a = _dump(JIANGYONG)
    schema = _schema()
    result = generate_county(county_code=JIANGYONG, households=300, seed=5, replace=True, batch_size=37, bulk=True)
    assert result.bulk
    assert _dump(JIANGYONG) == a
    # every key, constraint and index dropped for the load is back, other tables' foreign keys into them too
    assert _schema() == schema
    if connection.vendor == "postgresql":
        assert ("procedures_case", "procedures_case_household_id_e0d27e77_fk_registry_household_id") in {s[:2] for s in schema}
    with pytest.raises(IntegrityError):  # the primary key is enforced again
        with transaction.atomic():
            Household.objects.bulk_create([Household(id=Household.objects.values_list("id", flat=True).first(),
                                                     number="X1", area_id=JIANGYONG + "100201")])
    household = Household.objects.create(number="X2", area_id=JIANGYONG + "100201")  # the sequence moved on
    assert household.id > max(Household.objects.exclude(pk=household.pk).values_list("id", flat=True))


# --- identity numbers, names -----------------------------------------------------------------------------


def test_identity_numbers_valid_consistent_and_unique(demo_tree):
    demo_tree(JIANGYONG, QINGCHUAN)
    generate_county(county_code=JIANGYONG, households=500, seed=3)
    generate_county(county_code=QINGCHUAN, households=300, seed=3)
    rows = list(Person.objects.values_list("id_number", "sex", "birth_date", "area_id"))
    assert len({r[0] for r in rows}) == len(rows)  # unique across both counties
    codes = collections.Counter()
    for number, sex, birth, area in rows:
        rid = parse_resident_id(number)
        assert rid.sex == sex and rid.birth_date == birth
        expected = {"431125", "432925"} if area.startswith(JIANGYONG) else {"510822", "512829"}
        assert rid.area_code in expected
        codes[rid.area_code] += 1
        if rid.area_code in ("432925", "512829"):  # historical codes only for people born before the change
            assert birth.year <= (1995 if rid.area_code == "432925" else 1985)
    assert codes["432925"] > 0 and codes["431125"] > 0 and codes["512829"] > 0


def test_identity_numbers_avoid_existing_ones_when_appending(demo_tree):
    demo_tree(JIANGYONG)
    generate_county(county_code=JIANGYONG, households=300, seed=1)
    last = Household.objects.filter(area_id="431125100201").order_by("-number").values_list("number", flat=True).first()
    generate_county(county_code=JIANGYONG, households=300, seed=1, append=True)  # same seed: same draws
    numbers = list(Person.objects.values_list("id_number", flat=True))
    assert len(numbers) == len(set(numbers))
    assert Household.objects.count() == 600
    serials = sorted(int(n[12:]) for n in Household.objects.filter(area_id="431125100201").values_list("number", flat=True))
    assert serials == list(range(1, len(serials) + 1)) and int(last[12:]) < serials[-1]


def test_names_pinyin_and_contact_details(demo_tree):
    demo_tree(CONGJIANG)
    generate_county(county_code=CONGJIANG, households=400, seed=2)
    for name, full, initials in Person.objects.values_list("name", "name_pinyin", "name_initials"):
        assert 2 <= len(name) <= 4
        assert (full, initials) == name_pinyin(name)
    luhn_ok = 0
    for number, area, address, phone, bank in Household.objects.values_list("number", "area_id", "address", "phone", "bank_account"):
        assert re.fullmatch(rf"{area}\d{{4}}", number)
        assert re.fullmatch(r"(岜沙村|大塘村|贯洞村|龙图村)\d+组\d+号", address)
        assert phone == "" or re.fullmatch(r"1[358]\d{9}", phone)
        if bank:
            digits = [int(d) for d in bank][::-1]
            assert len(bank) == 19
            luhn_ok += sum(d if i % 2 == 0 else (2 * d - 9 if d > 4 else 2 * d) for i, d in enumerate(digits)) % 10 == 0
    assert luhn_ok > 300


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_composed_pinyin_equals_name_pinyin(seed):
    rng = np.random.default_rng(seed)
    given = demo_names.GivenNames(mei_names=True).draw(rng, rng.random(3000) < 0.5, rng.integers(1920, 2021, 3000))
    for group, (surnames, p) in demo_names.SURNAMES.items():
        chosen = np.array(surnames, dtype=object)[rng.choice(len(surnames), 3000, p=p)]
        full, initials = demo_names.compose_pinyin_many(chosen.tolist(), given.tolist())
        for s, g, f, i in zip(chosen.tolist(), given.tolist(), full, initials):
            assert demo_names.compose_pinyin(s, g) == (f, i) == name_pinyin(s + g), (group, s + g)


def test_composed_pinyin_of_unusual_names():
    """Compound surnames, a surname the segmenter joins to the given name, no given name, names over the limits."""
    surnames = ["欧阳", "王", "", "张", "李", "王", "单", "曾"]
    givens = ["娜娜", "", "小明", "三" * 130, "长江", "娜娜", "于", "国藩"]
    full, initials = demo_names.compose_pinyin_many(surnames, givens)
    assert [(f, i) for f, i in zip(full, initials)] == [name_pinyin(s + g) for s, g in zip(surnames, givens)]


# --- households, members, incomes --------------------------------------------------------------------------


def test_heads_sizes_and_memberships_are_consistent(demo_tree):
    demo_tree(JIANGYONG)
    generate_county(county_code=JIANGYONG, households=500, seed=4)
    members = collections.defaultdict(list)
    for pid, hid, relation, area in Person.objects.values_list("id", "household_id", "relation", "area_id"):
        members[hid].append((pid, relation, area))
    memberships = {pid: (hid, rel, end) for pid, hid, rel, end in
                   Membership.objects.values_list("person_id", "household_id", "relation", "end_date")}
    assert len(memberships) == Person.objects.count() == Membership.objects.count()
    sizes = collections.Counter()
    for hid, head_id, head_name, size, area in Household.objects.values_list("id", "head_id", "head_name", "size", "area_id"):
        people = members[hid]
        assert size == len(people)
        sizes[size] += 1
        heads = [pid for pid, rel, _ in people if rel == "head"]
        assert heads == [head_id]
        assert Person.objects.get(pk=head_id).name == head_name
        assert all(a == area for _, _, a in people)
        for pid, rel, _ in people:
            assert memberships[pid] == (hid, rel, None)
    assert min(sizes) >= 1 and max(sizes) <= 9
    assert 3.0 <= sum(k * v for k, v in sizes.items()) / sum(sizes.values()) <= 4.2


def test_incomes_equal_compute_income(demo_tree):
    demo_tree(CONGJIANG)
    generate_county(county_code=CONGJIANG, households=300, seed=6)
    rows = list(IncomeRecord.objects.all().values())
    assert len(rows) == 300 * 7
    for row in random.Random(1).sample(rows, 400):
        totals = compute_income({k: row[k] for k in COMPONENTS}, production_costs=row["production_costs"], members=row["members"])
        assert (totals.gross, totals.net, totals.per_capita) == (row["gross"], row["net"], row["per_capita"])
        assert all(row[k] >= 0 for k in (*COMPONENTS, "production_costs"))
    # wages grow fastest: their share of gross income rises from 2014 to 2020
    share = {y: sum(r["wages"] for r in rows if r["year"] == y) / sum(r["gross"] for r in rows if r["year"] == y) for y in (2014, 2020)}
    assert share[2020] > share[2014]


def test_incidence_path_of_jiangyong_and_incomes_agree_with_status(demo_tree):
    demo_tree(JIANGYONG)
    result = generate_county(county_code=JIANGYONG, households=3000, seed=1)
    years = range(2014, 2021)
    incidence = _incidence(JIANGYONG, years)
    assert incidence == pytest.approx(result.incidence)
    assert abs(incidence[2015] - 0.3694) < 0.03
    assert abs(incidence[2016] - 0.1288) < 0.03
    assert incidence[2019] < 0.03 and incidence[2020] < 0.03
    # per-capita income is under the line while poor, and at or over it from the exit year on
    status = _status_at_year_end(JIANGYONG, years)
    lines = {y: poverty_line_amount(y) for y in years}
    exit_years = collections.defaultdict(set)
    for hid, date in StatusChange.objects.filter(to_status="exited").values_list("household_id", "effective_date"):
        exit_years[hid].add(date.year)
    delayed = 0
    for hid, year, pc in IncomeRecord.objects.values_list("household_id", "year", "per_capita"):
        if status[year][hid] in ("poor", "returned"):
            if year + 1 in exit_years[hid] and pc >= lines[year]:
                delayed += 1  # income over the line a year before exit: the house was made safe in the exit year
            else:
                assert pc < lines[year]
        elif status[year][hid] == "exited":
            assert pc >= lines[year]
    assert 0 < delayed < 0.25 * len(exit_years)
    registered = Household.objects.exclude(status="none")
    assert registered.filter(registered_year=2014).count() > 0.9 * registered.count()
    assert registered.filter(registered_year__in=[2015, 2016]).exists()


def test_status_history(demo_tree):
    demo_tree(JIANGYONG)
    generate_county(county_code=JIANGYONG, households=1500, seed=8)
    changes = collections.defaultdict(list)
    for hid, frm, to, date in StatusChange.objects.order_by("effective_date", "id").values_list(
            "household_id", "from_status", "to_status", "effective_date"):
        changes[hid].append((frm, to, date))
    statuses = collections.Counter()
    for hid, status, reg, exited in Household.objects.values_list("id", "status", "registered_year", "exited_year"):
        statuses[status] += 1
        history = changes.get(hid, [])
        if status == "none":
            assert history == [] and reg is None and exited is None
            continue
        assert history[0][:2] == ("none", "poor") and history[0][2].year == reg
        for (_, t1, _), (f2, _, _) in zip(history, history[1:]):
            assert t1 == f2  # a chain of changes
        assert history[-1][1] == status
        exits = [d.year for f, t, d in history if t == "exited"]
        if exits:
            assert exits[-1] == exited and exits[0] > reg  # never exits in its registration year
    assert statuses["exited"] > 0 and statuses["poor"] == 0  # everyone has exited by the end of 2020
    procedures = set(StatusChange.objects.values_list("procedure", flat=True))
    assert {"registration", "exit"} <= procedures


def test_people_look_like_a_rural_register(demo_tree):
    demo_tree(CONGJIANG)
    generate_county(county_code=CONGJIANG, households=1500, seed=9)
    people = list(Person.objects.values_list("birth_date", "ethnicity", "student_status", "health", "labour_ability",
                                             "work_status", "months_away", "medical_insurance"))
    n = len(people)
    eth = collections.Counter(p[1] for p in people)
    assert eth["06"] / n > 0.2 and eth["12"] / n > 0.2  # Miao and Dong
    assert eth["01"] / n < 0.3 and len(eth) >= 4
    age = [2020 - p[0].year for p in people]
    assert sum(a >= 60 for a in age) / n > 0.15
    children = [p for p, a in zip(people, age) if 6 <= a <= 15]
    in_school = sum(p[2] in ("primary", "junior", "senior", "home_taught") for p in children)
    assert in_school / len(children) > 0.95
    health = collections.Counter(p[3] for p in people)
    assert 0.6 < health["healthy"] / n < 0.95 and health["disabled"] > 0 and health["serious"] > 0
    assert all((p[6] > 0) == (p[5] in ("away_out", "away_province", "away_county")) for p in people)
    assert all(p[5] == "" for p, a in zip(people, age) if a < 16)
    assert sum(p[7] for p in people) / n > 0.9
    registered = Household.objects.exclude(status="none")
    causes = collections.Counter(registered.values_list("main_cause", flat=True))
    assert causes.most_common(1)[0][0] == "illness" and 0.3 < causes["illness"] / registered.count() < 0.55
    assert all(c for c in causes)  # every registered household has a main cause
    # the guarantees of exited households: safe houses, safe water, everyone insured, children in school
    exited = registered.filter(status="exited")
    assert not exited.filter(housing_grade__in=["C", "D"]).exists() and not exited.filter(water_safe=False).exists()
    members = Person.objects.filter(household__status="exited")
    assert not members.filter(medical_insurance=False).exists() and not members.filter(serious_illness_insurance=False).exists()
    assert not members.filter(student_status="dropped_out").exists()
    assert set(registered.values_list("household_type", flat=True)) <= {"general", "dibao", "tekun"}


def test_ethnic_composition_of_jiangyong_and_qingchuan(demo_tree):
    demo_tree(JIANGYONG, QINGCHUAN)
    generate_county(county_code=JIANGYONG, households=600, seed=1)
    generate_county(county_code=QINGCHUAN, households=600, seed=1)
    jy = collections.Counter(Person.objects.filter(**_in(JIANGYONG)).values_list("ethnicity", flat=True))
    qc = collections.Counter(Person.objects.filter(**_in(QINGCHUAN)).values_list("ethnicity", flat=True))
    n_jy, n_qc = sum(jy.values()), sum(qc.values())
    assert 0.3 < jy["13"] / n_jy < 0.7 and 0.3 < jy["01"] / n_jy < 0.7  # Yao and Han about half
    assert qc["01"] / n_qc > 0.9


def test_earlier_years_leave_households_poor(demo_tree):
    demo_tree(JIANGYONG)
    result = generate_county(county_code=JIANGYONG, households=400, seed=1, years=range(2014, 2017))
    assert set(IncomeRecord.objects.values_list("year", flat=True)) == {2014, 2015, 2016}
    assert Household.objects.filter(status="poor").exists()
    assert max(result.incidence) == 2016
    assert Household.objects.filter(status="poor", housing_grade__in=["C", "D"]).exists()


# --- errors, command, users -----------------------------------------------------------------------------------


def test_refuses_unknown_or_unloaded_counties_and_existing_data(demo_tree):
    demo_tree(JIANGYONG)
    with pytest.raises(CountyNotLoaded, match="load_areas"):
        generate_county(county_code="522632", households=10, seed=1)
    with pytest.raises(GenerateError):
        generate_county(county_code="4311", households=10, seed=1)
    with pytest.raises(GenerateError):
        generate_county(county_code=JIANGYONG, households=10, seed=1, years=range(2010, 2015))
    generate_county(county_code=JIANGYONG, households=50, seed=1)
    with pytest.raises(CountyNotEmpty, match="--replace"):
        generate_county(county_code=JIANGYONG, households=50, seed=1)


def test_generate_command(demo_tree):
    demo_tree(CONGJIANG)
    out = StringIO()
    call_command("generate", county="522633", households=120, seed=3, stdout=out)
    assert "120 households" in out.getvalue() and "persons/s" in out.getvalue()
    call_command("generate", "--county", "522633", "--households", "100", "--seed", "3", "--replace", "--years", "2014-2018",
                 stdout=StringIO())
    assert Household.objects.count() == 100 and IncomeRecord.objects.filter(year=2019).count() == 0
    with pytest.raises(CommandError, match="load_areas"):
        call_command("generate", county="431125", households=10, stdout=StringIO())
    with pytest.raises(CommandError, match="--replace"):
        call_command("generate", county="522633", households=10, stdout=StringIO())


def test_demo_users(demo_tree):
    demo_tree(CONGJIANG, JIANGYONG)
    generate_county(county_code=CONGJIANG, households=100, seed=1)
    logins = demo_users(password="jingzhun-demo")
    by_name = {u: (role, code) for u, role, code in logins}
    assert set(by_name) == {"admin", "province", "prefecture", "congjiang", "township", "village", "analyst", "jiangyong"}
    assert by_name["province"] == ("province", "520000000000")
    assert by_name["congjiang"] == ("county", "522633000000")
    assert by_name["analyst"] == ("analyst", "522633000000")
    township, village = by_name["township"][1], by_name["village"][1]
    assert village[:9] == township[:9] and Household.objects.filter(area_id=village).exists()
    count = RoleAssignment.objects.count()
    assert demo_users(password="jingzhun-demo") == logins  # idempotent
    assert RoleAssignment.objects.count() == count
    from django.contrib.auth import authenticate

    assert authenticate(username="village", password="jingzhun-demo") is not None
    assert authenticate(username="admin", password="jingzhun-demo").is_superuser


def test_money_is_exact_decimal(demo_tree):
    demo_tree(JIANGYONG)
    generate_county(county_code=JIANGYONG, households=50, seed=1)
    pcs = list(IncomeRecord.objects.values_list("per_capita", flat=True))
    assert all(isinstance(v, Decimal) and v == v.quantize(Decimal("0.01")) for v in pcs)
    assert any(v != v.quantize(Decimal("1")) for v in pcs)  # some cents
