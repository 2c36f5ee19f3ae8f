"""The catalogue of deprivation indicators the snapshot computes for every person-year.

Each indicator is a 0/1 column ``d_<code>`` of the person-year table, set at the household level (every member
shares the household's deprivation, as in the global MPI).  Dimension sets (models.DimensionSet) choose among
these codes and weight them; the rules themselves live in ``flatten.py``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

INDICATORS: dict[str, tuple[str, str]] = {  # code -> (label, rule)
    "income": (_("Income"), "per-capita net income below the poverty line of the year and area"),
    "food_clothing": (_("Food and clothing"), "no stable, sufficient food source, or no clothing for each season"),
    "education": (_("Compulsory education"), "a member aged 6 to 15 not in school (home teaching counts; serious illness or disability excepted)"),
    "medical": (_("Basic medical care"), "a member without basic medical insurance or without serious-illness insurance"),
    "housing": (_("Safe housing"), "housing safety grade C or D"),
    "water": (_("Safe drinking water"), "drinking water not safe"),
    "schooling": (_("Years of schooling"), "members aged 16 or more, none of whom finished primary school"),
    "illness": (_("Health"), "a member with a serious illness or a disability"),
    "cooking_fuel": (_("Cooking fuel"), "cooks with firewood or coal"),
    "electricity": (_("Electricity"), "no electricity for living"),
}

INDICATOR_CHOICES = [(code, label) for code, (label, _rule) in INDICATORS.items()]


def column(code: str) -> str:
    return f"d_{code}"
