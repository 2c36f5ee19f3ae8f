"""Calibration tables of the demo generator (see the docstring of :mod:`jingzhun.demo.generator` for sources).

Every number here is either a published figure (named in a comment) or an explicit assumption
(marked "assumption").  Probabilities are per person or per household as stated.
"""

from __future__ import annotations

import numpy as np

FIRST_YEAR, LAST_YEAR = 2014, 2020

# --- incidence: registered poor persons / rural population at the end of each year ------------------------

#: Jiangyong: 36.94% (2015) and 12.88% (2016) are the seed article's figures (China Daily 2016-12-22);
#: 2014 and 2017-2020 are assumptions consistent with the county's exit (under 3% by 2018) and with all
#: poor having exited by the end of 2020.
INCIDENCE_JIANGYONG = {2014: 0.41, 2015: 0.3694, 2016: 0.1288, 2017: 0.065, 2018: 0.025, 2019: 0.008, 2020: 0.0}
#: Deep-poverty counties (2017 list; Congjiang and Rongjiang were among Guizhou's last nine counties to exit,
#: November 2020): assumption, a higher and slower path that is still under the western 3% threshold in 2019.
INCIDENCE_DEEP = {2014: 0.30, 2015: 0.26, 2016: 0.21, 2017: 0.155, 2018: 0.095, 2019: 0.025, 2020: 0.0}
#: Any other county: assumption, about 25% in 2014 to 0 in 2020 (national incidence in poor counties
#: fell from 17.1% in 2014 to 0 in 2020 (NBS poverty monitoring); 832 poor counties were above average).
INCIDENCE_GENERIC = {2014: 0.25, 2015: 0.21, 2016: 0.15, 2017: 0.095, 2018: 0.05, 2019: 0.018, 2020: 0.0}
COUNTY_INCIDENCE = {"431125": INCIDENCE_JIANGYONG}
DEEP_POVERTY_COUNTIES = {"522633", "522632"}  # fallback when designations are not loaded

#: Share of the 2014-registered persons added by the 2015 and 2016 adjustments (动态调整): assumption.
LATE_REGISTRATION = {2015: 0.05, 2016: 0.03}
#: Yearly probability that an exited household falls back (返贫), 2016-2019: assumption (0.5%; the
#: national count of returns was about 60,000 persons in 2016 and 5,400 in 2019, well under 1%).
RETURN_RATE = 0.005
#: Share of exits delayed one year by an unmet guarantee (income above the line, house not yet safe): assumption.
DELAYED_EXIT_SHARE = 0.12
#: Non-registered households with one year under the line (missed, 漏评): assumption, 0.3%.
MISSED_SHARE = 0.003

# --- ethnic composition: (GB 3304 code, share, surname list) --------------------------------------------

#: Congjiang: about 94% minorities, Miao and Dong the largest, some Zhuang, Shui, Yao (county yearbook,
#: rounded; exact shares are an assumption).  Rongjiang: about 84% minorities: Miao, Dong, Shui, some Yao.
#: Jiangyong: Han and Yao about half each.  Qingchuan: Han, a few Hui and Qiang.  Rest of Qiandongnan:
#: prefecture shares (Miao 43%, Dong 30%).  Elsewhere: Han.
ETHNIC_MIX = {
    "522633": [("06", 0.45, "miao_qiandongnan"), ("12", 0.38, "dong_qiandongnan"), ("08", 0.04, "zhuang"),
               ("25", 0.03, "shui"), ("13", 0.03, "yao_guizhou"), ("01", 0.07, "han_qiandongnan")],
    "522632": [("06", 0.40, "miao_qiandongnan"), ("12", 0.30, "dong_qiandongnan"), ("25", 0.11, "shui"),
               ("13", 0.03, "yao_guizhou"), ("08", 0.01, "zhuang"), ("01", 0.15, "han_qiandongnan")],
    "431125": [("13", 0.50, "yao_hunan"), ("01", 0.49, "han_yongzhou"), ("08", 0.005, "zhuang"),
               ("06", 0.005, "han_yongzhou")],
    "510822": [("01", 0.975, "han_sichuan"), ("03", 0.018, "hui"), ("33", 0.007, "qiang")],
    "5226": [("06", 0.43, "miao_qiandongnan"), ("12", 0.30, "dong_qiandongnan"), ("01", 0.20, "han_qiandongnan"),
             ("25", 0.02, "shui"), ("13", 0.02, "yao_guizhou"), ("09", 0.02, "buyei"), ("08", 0.01, "zhuang")],
}
HAN_BY_PROVINCE = {"51": "han_sichuan"}
#: Surname lists whose older women often carry 妹-names.
MEI_GROUPS = {"miao_qiandongnan", "dong_qiandongnan", "shui"}
#: Dirichlet concentration of a village's mix around the county's (villages are often of one people; the
#: village mixes are then raked so that the county total matches the county's composition): assumption.
VILLAGE_ETHNIC_CONCENTRATION = 6.0


def ethnic_mix(county6: str) -> list[tuple[str, float, str]]:
    mix = ETHNIC_MIX.get(county6) or ETHNIC_MIX.get(county6[:4])
    if mix:
        return mix
    return [("01", 1.0, HAN_BY_PROVINCE.get(county6[:2], "han"))]


# --- household composition (ages at mid-2014) ------------------------------------------------------------

# Slot codes after the head.
S, C, CA, L, G, P, M, B = 1, 2, 3, 4, 5, 6, 7, 8
#: (weight, head age low, high, Beta a, b for the head's age, P(head male), slots).  Weights are an
#: assumption tuned so that sizes run 1-9 with a mean of about 3.5 for all rural households (registered
#: households keep their migrant members) and 3.0-3.3 for the registered poor (2014 register: 89.62 million
#: persons in 29.48 million households = 3.04), and so that the age structure is a rural one with migrants still
#: counted as members: about 20% under 16 and 20% aged 60 and over in 2014.
TEMPLATES = [
    (6.0, 60, 92, 1.2, 2.2, 0.45, []),  # elderly person alone
    (3.0, 30, 59, 1.2, 1.2, 0.85, []),  # middle-aged single (mostly men)
    (0.8, 20, 29, 1.2, 1.2, 0.80, []),  # young single (split off)
    (10.0, 60, 88, 1.2, 2.0, 0.92, [S]),  # elderly couple
    (6.0, 40, 59, 1.2, 1.2, 0.92, [S]),  # empty nest
    (2.0, 20, 34, 1.2, 1.2, 0.90, [S]),  # young couple
    (2.0, 28, 55, 1.2, 1.2, 0.40, [C]),  # single parent and child
    (1.5, 55, 80, 1.2, 1.5, 0.50, [G]),  # grandparent and grandchild left behind
    (1.0, 35, 60, 1.2, 1.2, 0.90, [M]),  # head and widowed mother
    (10.0, 24, 50, 1.2, 1.2, 0.92, [S, C]),
    (1.5, 30, 55, 1.2, 1.2, 0.40, [C, C]),
    (2.0, 55, 80, 1.2, 1.5, 0.92, [S, G]),  # grandparents and a grandchild
    (2.0, 30, 55, 1.2, 1.2, 0.92, [S, M]),
    (2.5, 50, 72, 1.2, 1.2, 0.92, [S, CA]),  # older couple and an unmarried adult son
    (0.7, 35, 65, 1.2, 1.2, 0.90, [S, B]),
    (11.0, 28, 50, 1.2, 1.2, 0.93, [S, C, C]),
    (4.0, 30, 55, 1.2, 1.2, 0.93, [S, C, M]),
    (2.0, 55, 78, 1.2, 1.5, 0.92, [S, G, G]),
    (3.0, 48, 68, 1.2, 1.2, 0.92, [S, CA, L]),  # couple, married son, daughter-in-law
    (2.0, 55, 80, 1.2, 1.5, 0.60, [CA, L, G]),  # widowed elder, son's family
    (4.0, 32, 52, 1.2, 1.2, 0.94, [S, C, C, C]),
    (4.0, 32, 55, 1.2, 1.2, 0.94, [S, C, C, M]),
    (1.5, 28, 50, 1.2, 1.2, 0.94, [S, C, P, M]),
    (5.0, 48, 72, 1.2, 1.2, 0.94, [S, CA, L, G]),
    (2.0, 30, 52, 1.2, 1.2, 0.94, [S, C, C, P, M]),
    (3.5, 50, 74, 1.2, 1.2, 0.94, [S, CA, L, G, G]),
    (1.0, 34, 52, 1.2, 1.2, 0.95, [S, C, C, C, C]),
    (1.5, 52, 76, 1.2, 1.2, 0.95, [S, CA, L, G, G, G]),
    (0.8, 32, 54, 1.2, 1.2, 0.95, [S, C, C, C, P, M]),
    (0.6, 55, 78, 1.2, 1.2, 0.95, [S, CA, L, G, G, G, CA]),
    (0.25, 55, 78, 1.2, 1.2, 0.95, [S, CA, L, G, G, G, CA, L]),
]
MAX_SLOTS = max(len(t[6]) for t in TEMPLATES)
#: Probability that a household with a woman aged 20-38 in 2014 has a child in 2015-2020 (0.6 times that if
#: she is over 30), and share of those with a second child 2-3 years later (assumption; rural total fertility
#: in these counties about 1.8-2.2, the two-child policy from 2016).
BIRTH_PROBABILITY = 0.45
SECOND_BIRTH_SHARE = 0.35
P_MALE_BIRTH = 0.53  # sex ratio at birth about 113 in rural south-west China (2010 census: 118 nationally)

# --- persons --------------------------------------------------------------------------------------------

#: Education of adults by birth cohort (first year), shares of none, primary, junior, senior, vocational,
#: college: assumption after the 2010 census for rural western China (older women mostly without schooling).
EDUCATION_LEVELS = ["none", "primary", "junior", "senior", "vocational", "college"]
EDUCATION_BY_COHORT = [
    (0, [0.45, 0.42, 0.11, 0.02, 0.00, 0.00]),
    (1950, [0.22, 0.50, 0.22, 0.05, 0.01, 0.00]),
    (1965, [0.08, 0.42, 0.40, 0.06, 0.03, 0.01]),
    (1980, [0.03, 0.22, 0.55, 0.09, 0.07, 0.04]),
    (1995, [0.01, 0.10, 0.48, 0.16, 0.15, 0.10]),
]
#: Extra share without schooling for women of the cohorts born before 1965 and for minorities (assumption).
EDUCATION_FEMALE_SHIFT = 0.18
EDUCATION_MINORITY_SHIFT = 0.05

#: Health by age band (upper bounds 15, 45, 60, 70, inf): chronic, serious illness, disability (assumption
#: after the 2013 National Health Services Survey, rural chronic-disease prevalence about 25% of adults
#: counted by disease, and the 2006 disability survey, 6.3% of the population).  A household frailty
#: factor (gamma, mean 1) clusters illness within households.
AGE_BANDS = np.array([15, 45, 60, 70, 200])
P_CHRONIC = np.array([0.010, 0.030, 0.100, 0.200, 0.280])
P_SERIOUS = np.array([0.002, 0.006, 0.020, 0.035, 0.045])
P_DISABLED = np.array([0.010, 0.025, 0.050, 0.080, 0.130])

#: Work status of labour-capable people by age (16-44, 45-59, 60+): away out of province, in province,
#: in county, local job, farming at home.  Assumption after the NBS migrant worker monitoring surveys
#: (Guizhou, Hunan and Sichuan are major sending provinces; half of young rural labour works away).
WORK_STATUSES = ["away_out", "away_province", "away_county", "local", "farming"]
WORK_BY_AGE = [
    (45, [0.42, 0.13, 0.06, 0.09, 0.30]),
    (60, [0.18, 0.08, 0.06, 0.10, 0.58]),
    (200, [0.03, 0.02, 0.03, 0.07, 0.85]),
]

#: Tekun (特困供养) take-up among registered lone elderly or disabled people without labour (assumption,
#: giving about 5% of registered households).
TEKUN_TAKE_UP = 0.25

# --- causes of poverty -----------------------------------------------------------------------------------

CAUSES = ["illness", "disability", "schooling", "disaster", "land", "water", "skills", "labour", "funds",
          "transport", "drive", "other"]
#: Main cause: illness 42% (NHFPC 2016: households poor or returned to poverty through illness were 42%
#: of registered households); the other 58% split in proportion to the published multi-cause shares of the
#: 2014 register (funds 35.4%, skills 22.3%, labour 16.8%, schooling ~10%, disaster 7.8%, disability ~6%,
#: transport ~6%, drive ~5%, land 4.5%, water 1.6%, other ~1%).  Sums to 100%.
MAIN_CAUSE_SHARES = {"illness": 42.0, "funds": 17.6, "skills": 11.1, "labour": 8.4, "schooling": 5.0,
                     "disaster": 3.9, "disability": 3.0, "transport": 3.0, "drive": 2.5, "land": 2.2,
                     "water": 0.8, "other": 0.5}
#: Secondary causes: 0, 1 or 2 (probabilities), drawn in proportion to these weights (distinct from the main
#: one), so that main + secondary mentions approach the published multi-cause shares.
SECONDARY_COUNT_P = [0.45, 0.40, 0.15]
SECONDARY_WEIGHTS = {"funds": 30.0, "skills": 18.0, "labour": 13.0, "schooling": 8.0, "disaster": 6.0,
                     "transport": 5.0, "drive": 4.0, "land": 3.5, "disability": 3.0, "illness": 3.0, "water": 1.5,
                     "other": 0.5}

# --- housing, water, fuel (shares in 2014 -> 2020) ---------------------------------------------------------

STRUCTURES = ["concrete", "brick_concrete", "brick_wood", "wood", "earth", "other"]
#: Housing structure by region (assumption: Miao and Dong build wooden houses; Hunan brick and earth;
#: northern Sichuan rebuilt in brick and concrete after the 2008 earthquake).
STRUCTURE_MIX = {
    "5226": [0.03, 0.24, 0.18, 0.52, 0.02, 0.01],
    "52": [0.08, 0.45, 0.20, 0.15, 0.10, 0.02],
    "43": [0.06, 0.45, 0.28, 0.05, 0.15, 0.01],
    "51": [0.15, 0.55, 0.15, 0.06, 0.08, 0.01],
    "": [0.08, 0.50, 0.22, 0.08, 0.10, 0.02],
}
#: Safety grades A, B, C, D in 2014 (assumption): registered poor / others.  C and D houses of the poor are
#: rebuilt or reinforced (危房改造) or the household is relocated before it exits, so none remain by 2020.
GRADES = ["A", "B", "C", "D"]
GRADE_POOR_2014 = [0.15, 0.35, 0.32, 0.18]
GRADE_OTHER_2014 = [0.50, 0.38, 0.10, 0.02]
#: Share of registered households relocated (易地扶贫搬迁): Guizhou moved 1.88 million people (about a
#: quarter of its poor); assumption 15% of registered households in Guizhou, 6% elsewhere.
RELOCATION_SHARE = {"52": 0.15, "": 0.06}

WATER_SOURCES = ["piped", "well", "cistern", "carried", "unprotected"]
WATER_POOR = ([0.45, 0.25, 0.05, 0.15, 0.10], [0.92, 0.07, 0.01, 0.0, 0.0])
WATER_OTHER = ([0.60, 0.25, 0.04, 0.07, 0.04], [0.93, 0.06, 0.01, 0.0, 0.0])

FUELS = ["firewood", "electricity", "coal", "gas", "biogas", "other"]
FUEL_MIX = {
    "52": ([0.60, 0.22, 0.08, 0.04, 0.05, 0.01], [0.35, 0.50, 0.03, 0.08, 0.03, 0.01]),
    "43": ([0.40, 0.22, 0.10, 0.22, 0.05, 0.01], [0.22, 0.35, 0.04, 0.35, 0.03, 0.01]),
    "51": ([0.45, 0.22, 0.05, 0.15, 0.12, 0.01], [0.25, 0.40, 0.04, 0.22, 0.08, 0.01]),
    "": ([0.45, 0.25, 0.08, 0.15, 0.06, 0.01], [0.25, 0.45, 0.04, 0.22, 0.03, 0.01]),
}

# --- incomes ------------------------------------------------------------------------------------------

#: Median per-capita net income of non-registered households in 2014, as a multiple of the 2014 line
#: (2,800 yuan): assumption, chosen so that the mean over all rural people is near the NBS figure for poor
#: areas (6,852 yuan in 2014, 12,588 in 2020) and ordered like the provinces' rural incomes
#: (2014: Guizhou 6,671, Sichuan 8,803, Hunan 10,060 yuan).
NONPOOR_MEDIAN_MULTIPLE = {"52": 2.8, "51": 3.0, "43": 3.2, "": 3.0}
NONPOOR_SIGMA = 0.45
#: Nominal yearly growth of non-poor per-capita income: uniform 5-14% per household-year (NBS poor areas:
#: 10.7% a year 2014-2020).
NONPOOR_GROWTH = (1.05, 1.14)
#: Per-capita income of a registered household while poor, as a share of the line: starts at
#: 0.35 + 0.6 * Beta(2.5, 2), rises 2-10 points a year, never above 0.97.  After exit: 1.04-1.5 times the
#: line in the exit year, then 5-16% a year and never under 1.03 times the line.
POOR_START = (0.35, 0.60, 2.5, 2.0)
POOR_STEP = (0.02, 0.10)
POOR_CAP = 0.97
EXIT_FIRST = (1.04, 1.50)
EXIT_GROWTH = (1.05, 1.16)
ABOVE_FLOOR = 1.03

#: Rural minimum living guarantee (低保) standard, yuan per person per year: national averages from the
#: Ministry of Civil Affairs statistical bulletins (2014 2,777; 2015 3,178; 2016 3,744; 2017 4,301;
#: 2018 4,833; 2019 5,336; 2020 5,962), times 0.85 for these western and central counties (assumption).
#: Payments are the gap to the standard, drawn as 45-75% of it per covered person.
DIBAO_STANDARD = {2014: 2777, 2015: 3178, 2016: 3744, 2017: 4301, 2018: 4833, 2019: 5336, 2020: 5962}
DIBAO_FACTOR = 0.85
#: Extreme-hardship support (特困供养): at least 1.3 times the dibao standard (State Council 2016 No. 14).
TEKUN_FACTOR = 1.3
#: Basic pension of the rural residents' scheme, yuan per month: national minimum 55, 70 from July 2014
#: (so 62.5 on average in 2014), 88 from 2018, 93 from 2020, plus an assumed local top-up of 10 yuan.
PENSION_MONTHLY = {2014: 72.5, 2015: 80, 2016: 80, 2017: 80, 2018: 98, 2019: 98, 2020: 103}
#: Agricultural subsidies (耕地地力保护补贴 etc.), yuan per household and year in 2014, +2% a year (assumption).
FARM_SUBSIDIES = (200, 900)
#: Support from children living elsewhere (赡养费) for households whose head is 55 or older: share and
#: yuan per year in 2014, +5% a year (assumption).
ELDER_SUPPORT_SHARE = 0.5
ELDER_SUPPORT = (300, 2500)
#: Wage income grows faster than farm income (migrant wages about +7-10% a year, farm output +3-4%).
WAGE_GROWTH, FARM_GROWTH = 1.10, 1.03
