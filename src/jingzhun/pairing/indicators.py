"""The pairing indicators: one vocabulary for rollups, agreements (annual targets), claims and assessment.

Each code names one headline figure that ``pairing.rollups.rollup`` computes from the ledgers for a set of
partnerships and a period (dates inclusive).  Units: ``yuan`` (Decimal, exact to the cent), ``persons`` and
``count`` (int), ``km`` (Decimal).  How each is counted:

- funds: net of corrections, by the entry's date; ``funds_<kind>`` over all sources, ``<source>_<kind>`` by source;
- people sent: secondments whose term starts in the period (person-times), eastern side to western side unless
  ``west_to_east``;
- trained: ``trained`` sums the sessions' trainees (person-times); ``trained_registered`` counts the linked
  trainees who were registered poor on the session's date (person-times);
- projects: projects of the partnerships whose start date falls in the period (projects without a start date
  count from their creation date); outputs are those projects' outputs; beneficiaries are households counted
  once however many projects reached them, persons their current household sizes;
- workers: ``workers_placed`` sums the transfers' workers, ``workers_registered`` counts linked registered workers;
- students: enrolments in the period;
- enterprises: distinct unified social credit codes with an investment in the period; investment, jobs and
  registered poor employed summed;
- purchases: the amounts of purchases invoiced in the period.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

YUAN, PERSONS, COUNT, KM = "yuan", "persons", "count", "km"


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    unit: str
    group: str


_FUND_SOURCES = (("fiscal", _("fiscal assistance")), ("donation", _("social donations")), ("enterprise", _("enterprise funds")))
_FUND_KINDS = (("pledged", _("pledged")), ("allocated", _("allocated")), ("disbursed", _("disbursed")), ("returned", _("returned")))


def _funds() -> list[Indicator]:
    out = [Indicator(f"funds_{kind}", format_lazy(_("Funds {kind} (all sources)"), kind=label), YUAN, "funds") for kind, label in _FUND_KINDS]
    for source, source_label in _FUND_SOURCES:
        for kind, kind_label in _FUND_KINDS:
            out.append(Indicator(f"{source}_{kind}", format_lazy(_("{source}, {kind}"), source=source_label, kind=kind_label), YUAN, "funds"))
    return out


INDICATORS: list[Indicator] = [
    *_funds(),
    Indicator("cadres_sent", _("Cadres sent"), PERSONS, "talent"),
    Indicator("technicians_sent", _("Technicians sent"), PERSONS, "talent"),
    Indicator("teachers_sent", _("Teachers sent"), PERSONS, "talent"),
    Indicator("doctors_sent", _("Doctors and nurses sent"), PERSONS, "talent"),
    Indicator("cadres_received", _("Western cadres received in the east"), PERSONS, "talent"),
    Indicator("technicians_received", _("Western technicians received in the east"), PERSONS, "talent"),
    Indicator("training_sessions", _("Training sessions"), COUNT, "talent"),
    Indicator("trained", _("Persons trained"), PERSONS, "talent"),
    Indicator("trained_registered", _("Registered poor persons trained"), PERSONS, "talent"),
    Indicator("projects", _("Projects"), COUNT, "projects"),
    Indicator("projects_completed", _("Projects completed or accepted"), COUNT, "projects"),
    Indicator("project_budget", _("Project budgets"), YUAN, "projects"),
    Indicator("schools", _("Schools built"), COUNT, "projects"),
    Indicator("clinics", _("Clinics built"), COUNT, "projects"),
    Indicator("road_km", _("Roads built (km)"), KM, "projects"),
    Indicator("water_works", _("Water works built"), COUNT, "projects"),
    Indicator("production_bases", _("Production bases built"), COUNT, "projects"),
    Indicator("beneficiary_households", _("Beneficiary households"), COUNT, "projects"),
    Indicator("beneficiary_persons", _("Beneficiary persons"), PERSONS, "projects"),
    Indicator("workers_placed", _("Workers placed in jobs"), PERSONS, "labour"),
    Indicator("workers_registered", _("Registered poor workers placed"), PERSONS, "labour"),
    Indicator("students", _("Vocational students enrolled"), PERSONS, "labour"),
    Indicator("enterprises", _("Enterprises investing"), COUNT, "industry"),
    Indicator("investment", _("Enterprise investment"), YUAN, "industry"),
    Indicator("investment_jobs", _("Jobs created by enterprises"), PERSONS, "industry"),
    Indicator("investment_poor_employed", _("Registered poor employed by enterprises"), PERSONS, "industry"),
    Indicator("purchases", _("Purchases of products from the western side"), YUAN, "consumption"),
]

BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}
CODES: list[str] = [i.code for i in INDICATORS]
GROUPS = {
    "funds": _("Funds"), "talent": _("Talent"), "projects": _("Projects"), "labour": _("Labour cooperation"),
    "industry": _("Industry cooperation"), "consumption": _("Consumption assistance"),
}


def indicator(code: str) -> Indicator:
    """The indicator with this code; KeyError naming the code when unknown."""
    try:
        return BY_CODE[code]
    except KeyError:
        raise KeyError(f"unknown pairing indicator {code!r}") from None
