"""Demo pairing data (issue 6): Hangzhou's east-west pairings with Qiandongnan (Guizhou) and Enshi (Hubei), with
four years (2017-2020) of ledgers at realistic magnitudes, written through the pairing services as the system
(actor None), so every row is validated and audited like a row entered in the UI.

What is created (deterministically for a given seed; nothing when the demo's prefecture pairing already exists):

- prefecture pairings Hangzhou-Qiandongnan and Hangzhou-Enshi, from 2016-12-31 (the 2016 east-west guidance's
  adjustment of the pairings) and open-ended: the pairing did not end with 2020, so no renewal is modelled;
- county pairings (携手奔小康) under them: 萧山区-从江县, 桐庐县-榕江县 (seed 000: Tonglu's cadres in Rongjiang),
  淳安县-巴东县 and 建德市-鹤峰县 (the last three illustrative); a pairing whose areas are not loaded is skipped;
- an enterprise-village pairing (万企帮万村) of a (fictional) Xiaoshan company with a Congjiang village, under the
  Xiaoshan-Congjiang pairing;
- no province pairing: Zhejiang's province-level partner was Sichuan, Guizhou and Hubei were Hangzhou's, so a
  Zhejiang-Guizhou pairing would not fit the seeds (seed 003's Zhejiang figures are recorded as a claim on the area);
- per county pairing and year: agreements, fund entries (fiscal and donation pledges, allocations to projects and
  without a project, disbursements; one allocation mistyped and corrected by a reversing entry; one returned
  donation), projects in every status with outputs and beneficiary households from the generated registry
  (a few households in two projects), secondments both ways, training sessions with linked persons, labour
  transfers with chartered transport and linked workers, vocational students, enterprise investments (valid
  unified social credit codes) and purchases through several channels;
- the seed 003 claim (Zhejiang 2018 fiscal assistance, with its 31%-vs-46% inconsistency) and a record claim about
  Hangzhou-Qiandongnan 2018, when ``pairing.reconcile`` exists; a 2019 assessment score when ``pairing.assessment``
  exists.

Magnitudes follow the seeds: about 39 million yuan of fiscal assistance per county in 2018 (seed 003: 2.831
billion for 72 counties), six times 2017; some ten people sent per county and year (seed 000: 991 over the
years to Qiandongnan's 15 counties); some 600 trained per county and year (seed 001: 14,815 in three years in
Enshi's 8 counties); schools of about 5 million and clinics of about 0.5 million yuan (seed 001: 246 million yuan
for 41 schools and 336 clinics); workers carried by chartered trains and flights in February 2020 (seed 001).
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from stdnum.cn import uscc as _stdnum_uscc

from jingzhun.areas.models import Area, Level
from jingzhun.pairing.models import CENT, Agreement, FundKind, FundSource, Partnership, PartnershipKind, ProjectStatus
from jingzhun.pairing.projects import beneficiary_add, output_add, project_advance, project_create
from jingzhun.pairing.services import agreement_set, fund_correct, fund_record, partnership_create
from jingzhun.registry.models import Household, Person

ZHEJIANG, HANGZHOU = "330000000000", "330100000000"
QIANDONGNAN, ENSHI = "522600000000", "422800000000"
START = dt.date(2016, 12, 31)
YEARS = (2017, 2018, 2019, 2020)

# (eastern county, western county, Chinese names, share of the yearly fiscal plan in percent)
COUNTY_PAIRS = [
    ("330109000000", "522633000000", "杭州市萧山区—从江县", 120),
    ("330122000000", "522632000000", "杭州市桐庐县—榕江县", 100),
    ("330127000000", "422823000000", "杭州市淳安县—巴东县", 90),
    ("330182000000", "422828000000", "建德市—鹤峰县", 80),
]
ENTERPRISE = "杭州萧然农业发展有限公司"  # fictional
# fiscal assistance pledged per county and year at a share of 100 (yuan); 2018 is seed 003's 39.33 million average
FISCAL_PLAN = {2017: Decimal("6500000"), 2018: Decimal("39330000"), 2019: Decimal("45000000"), 2020: Decimal("52000000")}
DONATION_SHARE = Decimal("0.25")  # social donations relative to fiscal assistance (seed 001: 0.61 vs 2.1 billion)

# project types: (key, name, share of the year's fiscal pledge in percent, outputs, benefit type)
PROJECT_TYPES = [
    ("school", "{village}希望小学教学楼", 12, [("school", "1")], "education"),
    ("clinic", "{village}等村卫生室标准化建设", 3, [("clinic", "3")], "health"),
    ("road", "{village}通组公路硬化", 10, [("road_km", "8.5")], "other"),
    ("water", "{village}安全饮水巩固提升工程", 8, [("water_works", "2")], "water"),
    ("base", "{village}特色种养殖基地", 15, [("production_base", "1")], "income"),
    ("workshop", "{village}扶贫车间", 6, [("other", "1")], "employment"),
]
# per year: the project types started and the status each ends in (later years are less advanced)
A, C, U, P, L = (ProjectStatus.ACCEPTED, ProjectStatus.COMPLETED, ProjectStatus.UNDER_CONSTRUCTION,
                 ProjectStatus.APPROVED, ProjectStatus.LIBRARY)
PROJECT_PLAN = {
    2017: [("school", A), ("water", A)],
    2018: [("school", A), ("road", A), ("base", A), ("clinic", A)],
    2019: [("water", A), ("base", A), ("workshop", C), ("road", A)],
    2020: [("school", C), ("base", U), ("clinic", A), ("water", P), ("road", L)],
}
FIRST_INSTALMENT = Decimal("0.6")  # disbursed when construction starts; the rest on completion
PREFECTURE_NAMES = {QIANDONGNAN: "黔东南州", ENSHI: "恩施州"}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁沈任姚卢傅钟"
GIVEN = "建国志强海涛晓东丽华春霞伟明新民卫东秀英国庆立军红梅文斌宏伟玉兰振华永刚桂芳敏杰雪峰俊杰慧敏建华小燕"
SCHOOLS = ["杭州第一技师学院", "杭州市萧山区第三中等职业学校", "桐庐县职业技术学校", "杭州市电子信息职业学校"]
MAJORS = ["数控技术应用", "电子商务", "护理", "汽车运用与维修", "中餐烹饪", "计算机应用"]
PRODUCTS = {
    "522633": ["从江香猪", "从江椪柑", "从江香禾糯", "月亮山九阡酒"],
    "522632": ["榕江小香鸡", "榕江葛根粉", "榕江脐橙", "红薯干"],
    "422823": ["巴东玄参", "巴东柑橘", "恩施硒茶"],
    "422828": ["鹤峰茶叶", "走马葛仙米", "鹤峰蜂蜜"],
}
BUYERS = [("杭州市{east}总工会", "union"), ("杭州市{east}机关事务服务中心食堂", "canteen"),
          ("{east}东西部扶贫协作消费扶贫馆", "fair"), ("浙江杭商电子商务有限公司", "ecommerce"), ("杭州联华华商集团有限公司", "direct")]
INVESTORS = [("杭州{east}纺织有限公司", "纺织服装"), ("浙江{east}茶业有限公司", "茶叶加工"), ("杭州{east}食品有限公司", "农产品加工"),
             ("杭州{east}电子科技有限公司", "电子元件组装"), ("浙江{east}生态农业有限公司", "生态种养")]
EMPLOYERS = ["杭州{east}纺织有限公司", "浙江{east}机电有限公司", "杭州{east}物流有限公司", "杭州{east}食品有限公司"]


def _uscc(area6: str, serial: int) -> str:
    """A unified social credit code (GB 32100) of a company registered by the market regulator (9, 1) in the area,
    with a valid organisation code (GB 11714 check) and check character."""
    body = f"{serial:08d}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    c = 11 - sum(int(d) * w for d, w in zip(body, weights)) % 11
    org = body + ("X" if c == 10 else "0" if c == 11 else str(c))
    first17 = "91" + area6 + org[:9]
    return first17 + _stdnum_uscc.calc_check_digit(first17)


def _short(area: Area) -> str:
    """A village's name without the committee suffix (NBS names end in 村民委员会 / 居民委员会)."""
    for suffix in ("村民委员会", "居民委员会", "村委会", "居委会"):
        if area.name.endswith(suffix):
            return area.name.removesuffix(suffix)
    return area.name


def _module(name: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _money(value: Decimal, step: str = "10000") -> Decimal:
    """Rounded to `step` yuan (plans are in round sums), as a cent amount."""
    unit = Decimal(step)
    return ((value / unit).quantize(Decimal("1"), rounding=ROUND_HALF_UP) * unit).quantize(CENT)


class _Writer:
    """Writes one demo; `counts` says how many rows of each kind were written."""

    def __init__(self, seed: int, today: dt.date):
        self.rng = random.Random(seed)
        self.today = today
        self.counts: dict[str, int] = dict.fromkeys(
            ["partnerships", "agreements", "fund_entries", "projects", "outputs", "beneficiaries", "secondments", "training",
             "trainees", "labour", "workers", "students", "investments", "purchases", "claims", "assessments"], 0)
        self.serial = 0
        self.years = [y for y in YEARS if y < today.year]  # whole past years only
        self.students: set[tuple[int, int]] = set()
        self.people: dict[str, list[Person]] = {}  # (partnership, person) enrolled: one school each
        ledgers = _module("jingzhun.pairing.ledgers")
        self.ledger_create = getattr(ledgers, "ledger_create", None)
        self.people_link = getattr(ledgers, "people_link", None)

    # -- helpers -----------------------------------------------------------------------------------------------
    def name(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.sample(GIVEN, self.rng.choice((1, 2))))

    def day(self, year: int, first_month: int = 1, last_month: int = 12) -> dt.date:
        month = self.rng.randint(first_month, last_month)
        return dt.date(year, month, self.rng.randint(1, 28))

    def partnership(self, **kw) -> Partnership:
        self.counts["partnerships"] += 1
        return partnership_create(actor=None, **kw)

    def fund(self, partnership, year_or_date, kind, source, amount, project=None, note=""):
        date = year_or_date if isinstance(year_or_date, dt.date) else self.day(year_or_date)
        self.counts["fund_entries"] += 1
        return fund_record(actor=None, partnership=partnership, date=date, kind=kind, source=source, amount=amount,
                           project=project, note=note)

    def ledger(self, kind: str, partnership, data: dict):
        self.counts[kind] += 1
        return self.ledger_create(actor=None, kind=kind, partnership=partnership, data=data)

    # -- the western side's registry -----------------------------------------------------------------------------
    @staticmethod
    def villages(county: Area) -> list[Area]:
        """The county's villages, those with the most households first, then the villages without households
        (villagers' committees, NBS codes from 200, before residents' committees), in code order."""
        prefix = county.prefix
        villages = list(Area.objects.filter(code__startswith=prefix, level=Level.VILLAGE).order_by("code"))
        households = dict(Household.objects.filter(area__code__startswith=prefix).values_list("area_id").annotate(n=Count("id")).order_by())
        return sorted(villages, key=lambda v: (-households.get(v.code, 0), int(v.code[9:]) < 200, v.code))

    def adults(self, county: Area, born_from: int, born_to: int) -> list[Person]:
        """Living household members of the county born in the years given (the county's people read once)."""
        if county.code not in self.people:
            self.people[county.code] = list(
                Person.objects.filter(area__code__startswith=county.prefix, death_date__isnull=True, household__isnull=False)
                .only("id", "name", "id_number", "area", "death_date", "birth_date", "household").order_by("id_number"))
        return [p for p in self.people[county.code] if born_from <= p.birth_date.year <= born_to]

    # -- the pairings ----------------------------------------------------------------------------------------
    def run(self) -> dict:
        areas = {a.code: a for a in Area.objects.filter(code__in=[ZHEJIANG, HANGZHOU, QIANDONGNAN, ENSHI]
                                                        + [c for pair in COUNTY_PAIRS for c in pair[:2]])}
        hangzhou = areas.get(HANGZHOU)
        if hangzhou is None:
            return self.counts
        prefectures = {}
        for west, name in ((QIANDONGNAN, "杭州市—黔东南州"), (ENSHI, "杭州市—恩施州")):
            if west in areas:
                prefectures[west] = self.partnership(kind=PartnershipKind.PREFECTURE, name=f"{name}东西部扶贫协作", east_area=hangzhou,
                                                     west_area=areas[west], start_date=START)
        for east, west, name, share in COUNTY_PAIRS:
            parent = prefectures.get(west[:4] + "00000000")
            if parent is None or east not in areas or west not in areas:
                continue
            county = self.partnership(kind=PartnershipKind.COUNTY, name=f"{name}携手奔小康", east_area=areas[east],
                                      west_area=areas[west], start_date=dt.date(2017, 1, 1), parent=parent)
            self.county(county, Decimal(share) / 100)
            if west == "522633000000":
                self.enterprise_village(county)
        for prefecture in prefectures.values():
            self.prefecture(prefecture)
        if QIANDONGNAN in prefectures:
            self.claims(areas.get(ZHEJIANG), prefectures[QIANDONGNAN])
            self.assessment(prefectures[QIANDONGNAN])
        return self.counts

    def prefecture(self, partnership: Partnership) -> None:
        """The prefecture pairing's own records (Hangzhou's social donations, the cadres at prefecture level) and its
        agreements: the sums of its county pairings' targets plus its own."""
        for year in self.years:
            donation = _money(Decimal("8000000") * (year - 2015))
            self.fund(partnership, dt.date(year, 3, 15), FundKind.PLEDGED, FundSource.DONATION, donation, note="杭州市社会各界捐赠")
            self.fund(partnership, dt.date(year, 6, 30), FundKind.ALLOCATED, FundSource.DONATION, donation, note="助学助医专项")
            self.fund(partnership, dt.date(year, 11, 30), FundKind.DISBURSED, FundSource.DONATION, donation)
            targets: dict[str, Decimal] = {"donation_pledged": donation, "cadres_sent": Decimal(1)}
            for row in Agreement.objects.filter(partnership__parent=partnership, year=year):
                targets[row.indicator] = targets.get(row.indicator, Decimal(0)) + row.target
            self.agreement(partnership, year, targets)
        if self.ledger_create is None:
            return
        west = PREFECTURE_NAMES.get(partnership.west_area_id, partnership.west_area.name)
        for year, post in ((2017, f"{west}委常委、副州长"), (2018, f"{west}人民政府副秘书长")):
            if year not in self.years:
                continue
            self.ledger("secondments", partnership, {
                "date": dt.date(year, 3, 1), "end_date": dt.date(year + 3, 2, 28), "person_name": self.name(), "kind": "cadre",
                "specialty": "administration", "direction": "east_to_west", "home_unit": "杭州市人民政府", "post": post})

    def agreement(self, partnership, year: int, targets: dict) -> None:
        for indicator, target in targets.items():
            agreement_set(actor=None, partnership=partnership, year=year, indicator=indicator, target=target)
            self.counts["agreements"] += 1

    def county(self, partnership: Partnership, share: Decimal) -> None:
        west = partnership.west_area
        villages = self.villages(west)
        east_short = partnership.east_area.name
        for year in self.years:
            fiscal = _money(FISCAL_PLAN[year] * share)
            donation = _money(fiscal * DONATION_SHARE)
            self.agreement(partnership, year, {
                "fiscal_pledged": fiscal, "donation_pledged": donation, "cadres_sent": 2, "technicians_sent": 8,
                "trained": 600 if year > 2017 else 300, "workers_placed": 500 if year > 2017 else 200,
                "purchases": _money(fiscal * Decimal("0.2")), "investment": _money(fiscal * Decimal("0.8"))})
            self.fund(partnership, dt.date(year, 2, 20), FundKind.PLEDGED, FundSource.FISCAL, fiscal, note="年度财政援助资金计划")
            self.fund(partnership, dt.date(year, 4, 10), FundKind.PLEDGED, FundSource.DONATION, donation, note="结对区县社会帮扶资金")
            allocated = Decimal("0")
            if villages:
                allocated = self.projects(partnership, year, fiscal, villages)
            rest = fiscal - allocated  # labour cooperation subsidies and training: allocated without a project
            if rest > 0:
                self.fund(partnership, dt.date(year, 5, 20), FundKind.ALLOCATED, FundSource.FISCAL, rest, note="劳务协作补助及人才培训经费")
                self.fund(partnership, dt.date(year, 12, 10), FundKind.DISBURSED, FundSource.FISCAL, rest)
            self.fund(partnership, dt.date(year, 7, 1), FundKind.ALLOCATED, FundSource.DONATION, donation, note="助学、助医、结对帮扶困难户")
            self.fund(partnership, dt.date(year, 12, 15), FundKind.DISBURSED, FundSource.DONATION, donation)
            if year == 2019:  # part of a donation returned after a scheme needed less
                self.fund(partnership, dt.date(2019, 12, 28), FundKind.RETURNED, FundSource.DONATION, Decimal("120000.00"),
                          note="助学项目结余退回")
            if self.ledger_create is not None:
                self.ledgers(partnership, year, east_short)

    def projects(self, partnership: Partnership, year: int, fiscal: Decimal, villages: list[Area]) -> Decimal:
        """The year's projects with their fund flows; returns the fiscal funds allocated to them."""
        types = {t[0]: t for t in PROJECT_TYPES}
        allocated = Decimal("0")
        households_by_village: dict[str, list[Household]] = {}
        previous: list[Household] = []
        for n, (key, status) in enumerate(PROJECT_PLAN[year], start=1):
            _key, template, percent, outputs, benefit = types[key]
            village = villages[(year + n) % len(villages)]
            budget = _money(fiscal * percent / 100)
            start = dt.date(year, 3 + n, 1) if status != L else None
            end = dt.date(year, 11, 30) if status in (A, C) else None
            project = project_create(actor=None, partnership=partnership, name=template.format(village=_short(village)),
                                     code=f"{partnership.west_area.prefix}-{year}-{n:02d}", budget=budget, village=village,
                                     start_date=start, end_date=end)
            self.counts["projects"] += 1
            if status == L:
                continue
            project_advance(actor=None, project=project, to=ProjectStatus.APPROVED)
            if year == 2018 and n == 1 and partnership.west_area_id == "522633000000":
                wrong = self.fund(partnership, dt.date(year, 4, 2), FundKind.ALLOCATED, FundSource.FISCAL, budget * 10, project=project)
                fund_correct(actor=None, entry=wrong, note="金额多录一位，冲销后重录")
                self.counts["fund_entries"] += 1
            self.fund(partnership, dt.date(year, 4, 5), FundKind.ALLOCATED, FundSource.FISCAL, budget, project=project)
            allocated += budget
            if status == P:
                continue
            project_advance(actor=None, project=project, to=ProjectStatus.UNDER_CONSTRUCTION)
            first = _money(budget * FIRST_INSTALMENT, "100")
            self.fund(partnership, dt.date(year, 8, 15), FundKind.DISBURSED, FundSource.FISCAL, first, project=project)
            for kind, count in outputs:
                if status == U:
                    break
                output_add(actor=None, project=project, kind=kind, count=count)
                self.counts["outputs"] += 1
            if status != U:
                self.fund(partnership, dt.date(year, 12, 20), FundKind.DISBURSED, FundSource.FISCAL, budget - first, project=project)
                project_advance(actor=None, project=project, to=ProjectStatus.COMPLETED)
                if status == A:
                    project_advance(actor=None, project=project, to=ProjectStatus.ACCEPTED)
            # beneficiaries: households of the project's village; the first three of the previous project's in the
            # same county benefit again (a household in two projects counts once in the totals)
            if village.code not in households_by_village:
                households_by_village[village.code] = list(Household.objects.filter(area=village).order_by("number"))
            pool = households_by_village[village.code]
            if not pool:
                continue
            chosen = self.rng.sample(pool, min(len(pool), self.rng.randint(5, 9)))
            chosen += [h for h in previous[:3] if h not in chosen]
            for household in chosen:
                amount = _money(Decimal(self.rng.randint(1200, 3000)), "100") if benefit == "income" else None
                beneficiary_add(actor=None, project=project, household=household, benefit=benefit, amount=amount)
                self.counts["beneficiaries"] += 1
            previous = chosen
        return allocated

    def enterprise_village(self, county: Partnership) -> None:
        """万企帮万村: a Xiaoshan company and the first Congjiang village with households."""
        villages = self.villages(county.west_area)
        if not villages:
            return
        village = villages[0]
        p = self.partnership(kind=PartnershipKind.ENTERPRISE_VILLAGE, name=f"{ENTERPRISE}—{_short(village)}",
                             east_area=county.east_area, east_party=ENTERPRISE, west_area=village, start_date=dt.date(2018, 5, 1),
                             parent=county)
        project = project_create(actor=None, partnership=p, name=f"{_short(village)}集体茶园", code="EV-2019-01",
                                 budget=Decimal("600000.00"), village=village, start_date=dt.date(2019, 3, 1), end_date=dt.date(2019, 10, 31))
        self.counts["projects"] += 1
        self.fund(p, dt.date(2019, 1, 15), FundKind.PLEDGED, FundSource.ENTERPRISE, Decimal("800000.00"), note="企业帮扶承诺")
        project_advance(actor=None, project=project, to=ProjectStatus.APPROVED)
        self.fund(p, dt.date(2019, 2, 20), FundKind.ALLOCATED, FundSource.ENTERPRISE, Decimal("600000.00"), project=project)
        project_advance(actor=None, project=project, to=ProjectStatus.UNDER_CONSTRUCTION)
        self.fund(p, dt.date(2019, 6, 30), FundKind.DISBURSED, FundSource.ENTERPRISE, Decimal("600000.00"), project=project)
        output_add(actor=None, project=project, kind="production_base", count=1)
        self.counts["outputs"] += 1
        project_advance(actor=None, project=project, to=ProjectStatus.COMPLETED)
        households = list(Household.objects.filter(area=village, status__in=["poor", "exited", "returned"]).order_by("number")[:10])
        for household in households:
            beneficiary_add(actor=None, project=project, household=household, benefit="income", amount=Decimal("1500.00"))
            self.counts["beneficiaries"] += 1

    # -- the six other ledgers -------------------------------------------------------------------------------
    def ledgers(self, p: Partnership, year: int, east: str) -> None:
        rng = self.rng
        west = p.west_area
        west_name = west.name
        short = west.prefix
        # secondments: cadres and technicians to the west, and western cadres and technicians learning in the east
        sent = [("cadre", "administration", f"{east}人民政府", f"{west_name}委常委、副县长"),
                ("cadre", "administration", f"{east}发展和改革局", f"{west_name}发展和改革局副局长")]
        sent += [("technician", "education", f"{east}第{i}中学", f"{west_name}民族中学教师") for i in "一二三"]
        sent += [("technician", "health", f"{east}第一人民医院", f"{west_name}人民医院医师") for _ in range(2)]
        sent += [("technician", "agriculture", f"{east}农业农村局", f"{west_name}农业农村局农技专家")]
        if year >= 2019:
            sent += [("technician", "commerce", f"{east}商务局", f"{west_name}电子商务服务中心")]
        for kind, specialty, unit, post in sent:
            start = self.day(year, 2, 4)
            self.ledger("secondments", p, {"date": start, "end_date": start + dt.timedelta(days=rng.choice((365, 545, 730))),
                                           "person_name": self.name(), "kind": kind, "specialty": specialty, "direction": "east_to_west",
                                           "home_unit": unit, "post": post})
        for kind, specialty, unit, post in (("cadre", "administration", f"{west_name}人民政府", f"{east}人民政府办公室挂职"),
                                            ("technician", "health", f"{west_name}人民医院", f"{east}第一人民医院进修")):
            start = self.day(year, 3, 9)
            self.ledger("secondments", p, {"date": start, "end_date": start + dt.timedelta(days=180), "person_name": self.name(),
                                           "kind": kind, "specialty": specialty, "direction": "west_to_east", "home_unit": unit, "post": post})
        # training: cadres and technicians in Hangzhou, labour skills and entrepreneurs at home
        scale = 1 if year > 2017 else 2
        people = self.adults(west, 1965, 2000)
        sessions = [("cadre", f"{west_name}党政干部乡村振兴专题培训班", "浙江大学", "杭州", 45),
                    ("technician", f"{west_name}医疗卫生专业技术人员培训", f"{east}卫生健康局", east, 80),
                    ("labour_skills", f"{west_name}劳动力职业技能培训（{year}年）", f"{east}人力资源和社会保障局", west_name, 360),
                    ("entrepreneur", "致富带头人创业培训", f"{east}农业农村局", west_name, 40)]
        for kind, title, organiser, location, trainees in sessions:
            start = self.day(year, 3, 11)
            session = self.ledger("training", p, {"date": start, "end_date": start + dt.timedelta(days=rng.choice((4, 6, 9))), "title": title,
                                                  "kind": kind, "organiser": organiser, "location": location,
                                                  "trainees": trainees // scale + rng.randint(0, 20)})
            if kind == "labour_skills" and people and self.people_link is not None:
                self.counts["trainees"] += self.people_link(actor=None, record=session, persons=rng.sample(people, min(len(people), 12)))
        # labour transfers: to employers in the eastern county; February 2020 by chartered train and flight (seed 001)
        transfers = [(dt.date(year, 2, rng.randint(10, 25)), "train" if year == 2020 else "bus", rng.randint(150, 260)),
                     (self.day(year, 3, 6), "bus", rng.randint(60, 140)),
                     (self.day(year, 7, 10), "subsidy", rng.randint(40, 120))]
        if year == 2020:
            transfers.append((dt.date(2020, 2, 26), "flight", 162))
        for n, (date, transport, workers) in enumerate(transfers):
            employer = EMPLOYERS[(year + n) % len(EMPLOYERS)].format(east=east[:2])
            self.serial += 1
            transfer = self.ledger("labour", p, {"date": date, "workers": workers // scale, "destination_area": p.east_area,
                                                 "destination": f"浙江省杭州市{east}", "employer": employer,
                                                 "employer_uscc": _uscc(p.east_area.prefix, 10_000_000 + self.serial), "transport": transport})
            if people and self.people_link is not None:
                self.counts["workers"] += self.people_link(actor=None, record=transfer, persons=rng.sample(people, min(len(people), 8)))
        # vocational students: enrolled in September in Hangzhou schools, some linked to the registry
        young = self.adults(west, year - 18, year - 15)
        for n in range(4):
            person = None
            if young and n < 3:
                candidates = [x for x in young if (p.pk, x.pk) not in self.students]
                person = rng.choice(candidates) if candidates else None
            data = {"date": dt.date(year, 9, 1), "name": person.name if person else self.name(), "school": SCHOOLS[n % len(SCHOOLS)],
                    "major": rng.choice(MAJORS), "end_date": dt.date(year + 3, 6, 30)}
            if person is not None:
                self.students.add((p.pk, person.pk))
                data["person"] = person
            self.ledger("students", p, data)
        # enterprise investments: one or two a year, in the county or one of its villages
        for n in range(1 if year == 2017 else 2):
            name, sector = INVESTORS[(year + n) % len(INVESTORS)]
            self.serial += 1
            jobs = rng.randint(30, 300)
            self.ledger("investments", p, {"date": self.day(year, 3, 10), "enterprise": name.format(east=east[:2]),
                                           "uscc": _uscc(p.east_area.prefix, 20_000_000 + self.serial), "area": west, "sector": sector,
                                           "amount": _money(Decimal(rng.randint(500, 8000)) * 10000), "jobs": jobs,
                                           "poor_employed": rng.randint(jobs // 5, jobs // 2)})
        # purchases by Hangzhou buyers through several channels
        products = PRODUCTS.get(short, ["农特产品"])
        for n in range(3):  # three buyers a year, in turn through the channels
            buyer, channel = BUYERS[(year + n) % len(BUYERS)]
            self.ledger("purchases", p, {"date": self.day(year, 4, 12), "buyer": buyer.format(east=east), "buyer_area": p.east_area,
                                         "product": products[n % len(products)], "channel": channel,
                                         "amount": _money(Decimal(rng.randint(30, 600)) * 10000, "100")})

    # -- claims and assessment -----------------------------------------------------------------------------------
    def claims(self, zhejiang: Area | None, prefecture: Partnership) -> None:
        reconcile = _module("jingzhun.pairing.reconcile")
        if reconcile is None:
            return
        if zhejiang is not None:
            reconcile.claim_create(
                actor=None, title="浙江省2018年东西部扶贫协作财政援助资金", area=zhejiang,
                source="Zhejiang Province is solidly promoting partner assistance by alleviating poverty (Zhejiang Provincial "
                       "Development and Reform Commission, 2019)",
                start=dt.date(2018, 1, 1), end=dt.date(2018, 12, 31), statements=[
                    {"type": "average", "total": "2.831 billion yuan", "count": "72", "average": "39.33 million yuan",
                     "label": "72 counties, 39.33 million yuan per county"},
                    {"type": "share", "part": "1.435 billion yuan", "whole": "2.831 billion yuan", "share": "51",
                     "label": "25 severely poor counties: 51% of the total"},
                    {"type": "average", "total": "1.435 billion yuan", "count": "25", "average": "57.4 million yuan",
                     "label": "57.4 million yuan per severely poor county"},
                    {"type": "increase", "value": "57.4 million yuan", "base": "39.33 million yuan", "percent": "31",
                     "label": "31% higher than the average"},
                ])
            self.counts["claims"] += 1
        from jingzhun.pairing.rollups import descendant_ids, rollup

        figures = rollup(partnerships=descendant_ids([prefecture.pk]), start=dt.date(2018, 1, 1), end=dt.date(2018, 12, 31))
        pledged = (figures["fiscal_pledged"] / 10000).quantize(Decimal("1"))
        reconcile.claim_create(
            actor=None, title="杭州市2018年对口帮扶黔东南州工作情况（demo）", partnership=prefecture,
            source="Demo: a year-end work report of the Hangzhou east-west cooperation office", published_on=dt.date(2019, 1, 20),
            start=dt.date(2018, 1, 1), end=dt.date(2018, 12, 31), statements=[
                {"type": "record", "indicator": "fiscal_pledged", "value": str(pledged), "unit": "万元"},
                {"type": "record", "indicator": "cadres_sent", "value": str(figures["cadres_sent"]), "unit": "persons"},
                # the report counts the trainees twice over (a typical reporting error): the check shows the records' figure
                {"type": "record", "indicator": "trained", "value": str(figures["trained"] * 2), "unit": "persons"},
            ])
        self.counts["claims"] += 1

    def assessment(self, prefecture: Partnership) -> None:
        assessment = _module("jingzhun.pairing.assessment")
        if assessment is None:
            return
        from jingzhun.pairing.models import AssessmentTemplate

        assessment.load_templates()
        template = (AssessmentTemplate.objects.filter(year_from__lte=2019).exclude(year_to__lt=2019).order_by("-year_from", "code").first())
        if template is None:
            return
        for indicator in template.indicators.filter(target_source="manual").order_by("position", "code"):
            assessment.assessment_input_set(actor=None, partnership=prefecture, year=2019, indicator=indicator,
                                            score=Decimal(self.rng.randint(82, 95)), note="第三方评估组现场核查评分（演示）")
        assessment.assessment_score(actor=None, partnership=prefecture, year=2019, template=template)
        self.counts["assessments"] += 1


def demo_pairing(today: dt.date | None = None, seed: int = 2016) -> dict:
    """Create the demo's pairings and their ledgers (see the module docstring); returns the counts written, or {}
    when the demo's pairings already exist or Hangzhou is not loaded.  All or nothing: one transaction."""
    today = today or timezone.localdate()
    if Partnership.objects.filter(kind=PartnershipKind.PREFECTURE, east_area_id=HANGZHOU, west_area_id__in=[QIANDONGNAN, ENSHI]).exists():
        return {}
    if not Area.objects.filter(code=HANGZHOU).exists():
        return {}
    with transaction.atomic():
        counts = _Writer(seed, today).run()
    return counts

