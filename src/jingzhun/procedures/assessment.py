"""Village and county exit arithmetic (DOMAIN.md sections 6 and 8): pure functions, no Django.

Conventions, pinned here and in ``docs/procedures.md`` ("Exit assessment"):

* **Exact arithmetic.** Every rate, estimate and threshold is a :class:`fractions.Fraction`; nothing
  is rounded and no float is ever produced.  Round only for display.
* **Strict comparisons**, as the text says: the wrong-exit and missed rates must be *below* 2%, the
  recognition rate *above* 90%, the incidence *below* 2% (3% in the western region).  A value exactly
  at a limit fails (2% wrong exits fails; 90% recognition fails).
* **Inputs** are whole non-negative counts (``int`` or any :class:`numbers.Integral` except ``bool``)
  passed by keyword; ``western`` is a real ``bool``.  Every invalid input raises :class:`ValueError`
  whose message starts with the offending argument's name.
* The thresholds are the national ones of DOMAIN.md section 6 (2%, west 3%; veto limits 2%, 2%, 90%).
  A caller holding a different, stored threshold compares against the exposed exact values itself.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from fractions import Fraction

__all__ = [
    "INCIDENCE_THRESHOLD",
    "MISSED_RATE_LIMIT",
    "RECOGNITION_RATE_MINIMUM",
    "VETO_INDICATORS",
    "WESTERN_INCIDENCE_THRESHOLD",
    "WRONG_EXIT_RATE_LIMIT",
    "Verdict",
    "area_exit_incidence",
    "county_exit_verdict",
    "county_incidence_passes",
    "incidence_threshold",
    "village_exit_passes",
]

#: Exit incidence threshold outside the western region: below 2%.
INCIDENCE_THRESHOLD = Fraction(2, 100)
#: Exit incidence threshold in the western region: below 3%.
WESTERN_INCIDENCE_THRESHOLD = Fraction(3, 100)
#: Wrong-exit rate (错退率) must be below 2%.
WRONG_EXIT_RATE_LIMIT = Fraction(2, 100)
#: Missed rate (漏评率) must be below 2%.
MISSED_RATE_LIMIT = Fraction(2, 100)
#: Recognition (群众认可度) must be above 90%.
RECOGNITION_RATE_MINIMUM = Fraction(90, 100)
#: The four veto indicators of the national county-exit assessment, in the order failures are reported.
VETO_INDICATORS = ("wrong_exit_rate", "missed_rate", "recognition_rate", "comprehensive_incidence")


# --- validation --------------------------------------------------------------------------------------------


def _count(value: object, name: str) -> int:
    """``value`` as a non-negative ``int``; ValueError naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be a whole number (int), got {value!r}")
    number = int(value)
    if number < 0:
        raise ValueError(f"{name} must not be negative, got {number}")
    return number


def _positive(value: int, name: str) -> None:
    if value == 0:
        raise ValueError(f"{name} must be positive (it is a denominator), got 0")


def _at_most(part: int, part_name: str, whole: int, whole_name: str) -> None:
    if part > whole:
        raise ValueError(f"{part_name} ({part}) must not exceed {whole_name} ({whole})")


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return value


# --- incidence (village and county) -------------------------------------------------------------------------


def incidence_threshold(western: bool) -> Fraction:
    """The exit incidence threshold: ``Fraction(2, 100)``, or ``Fraction(3, 100)`` in the western region.

    The incidence must be strictly *below* it.
    """
    return WESTERN_INCIDENCE_THRESHOLD if _flag(western, "western") else INCIDENCE_THRESHOLD


def area_exit_incidence(*, population: int, poor: int) -> Fraction:
    """Poverty incidence ``poor / population`` as an exact Fraction in [0, 1].

    ``population`` is the area's rural population (persons), ``poor`` its registered poor persons not yet
    exited.  ValueError if either is not a non-negative whole number, if ``population`` is 0 or if
    ``poor > population``.
    """
    population = _count(population, "population")
    poor = _count(poor, "poor")
    _positive(population, "population")
    _at_most(poor, "poor", population, "population")
    return Fraction(poor, population)


def village_exit_passes(*, population: int, poor: int, western: bool) -> bool:
    """The village exit incidence test: ``poor / population`` strictly below 2% (west 3%).

    Only the incidence criterion: infrastructure and public services (DOMAIN.md section 8) are judged elsewhere.
    """
    return area_exit_incidence(population=population, poor=poor) < incidence_threshold(western)


def county_incidence_passes(*, population: int, poor: int, western: bool) -> bool:
    """The county exit incidence test on the register: ``poor / population`` strictly below 2% (west 3%).

    This is the condition for a province to apply for the county's exit; the national assessment then
    judges the comprehensive incidence with :func:`county_exit_verdict`.
    """
    return area_exit_incidence(population=population, poor=poor) < incidence_threshold(western)


# --- county exit assessment ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """The result of a county exit assessment; every number is an exact :class:`~fractions.Fraction`.

    ``failures`` (the names of the failed veto indicators, in :data:`VETO_INDICATORS` order) and ``passed``
    (``failures == ()``) are derived from the other fields, so they can never disagree with them.
    """

    wrong_exit_rate: Fraction
    missed_rate: Fraction
    recognition_rate: Fraction
    estimated_wrong_exits: Fraction
    estimated_missed: Fraction
    comprehensive_incidence: Fraction
    threshold: Fraction
    failures: tuple[str, ...] = field(init=False)
    passed: bool = field(init=False)

    def __post_init__(self) -> None:
        checks = (
            self.wrong_exit_rate < WRONG_EXIT_RATE_LIMIT,
            self.missed_rate < MISSED_RATE_LIMIT,
            self.recognition_rate > RECOGNITION_RATE_MINIMUM,
            self.comprehensive_incidence < self.threshold,
        )
        failures = tuple(name for name, ok in zip(VETO_INDICATORS, checks) if not ok)
        object.__setattr__(self, "failures", failures)
        object.__setattr__(self, "passed", not failures)


def county_exit_verdict(
    *,
    rural_population: int,
    remaining_poor: int,
    exited_persons: int,
    sampled_exited: int,
    wrong_exits: int,
    sampled_nonregistered: int,
    missed: int,
    recognising_households: int,
    surveyed_households: int,
    western: bool,
) -> Verdict:
    """The national county exit assessment with its four veto indicators (DOMAIN.md section 8).

    Persons: ``rural_population`` of the county; ``remaining_poor`` registered poor not yet exited;
    ``exited_persons`` registered persons who exited; the never-registered population is
    ``rural_population - remaining_poor - exited_persons``.  Sample: ``wrong_exits`` of ``sampled_exited``
    exited persons were wrongly exited; ``missed`` of ``sampled_nonregistered`` non-registered persons
    should have been registered; ``recognising_households`` of ``surveyed_households`` recognise the result.

    * wrong_exit_rate = wrong_exits / sampled_exited, must be < 2%
    * missed_rate = missed / sampled_nonregistered, must be < 2%
    * recognition_rate = recognising_households / surveyed_households, must be > 90%
    * estimated_wrong_exits = wrong_exit_rate * exited_persons
    * estimated_missed = missed_rate * (rural_population - remaining_poor - exited_persons)
    * comprehensive_incidence = (remaining_poor + estimated_wrong_exits + estimated_missed) / rural_population,
      must be < :func:`incidence_threshold` (2%, west 3%)

    Any failing indicator blocks exit.  ValueError (message starting with the argument's name) for a count
    that is not a non-negative whole number, ``western`` not a bool, a zero denominator (``rural_population``,
    ``sampled_exited``, ``sampled_nonregistered``, ``surveyed_households``), ``remaining_poor + exited_persons
    > rural_population``, a sample larger than its population (``sampled_exited > exited_persons``,
    ``sampled_nonregistered`` > the never-registered population), ``wrong_exits > sampled_exited``,
    ``missed > sampled_nonregistered`` or ``recognising_households > surveyed_households``.
    """
    rural_population = _count(rural_population, "rural_population")
    remaining_poor = _count(remaining_poor, "remaining_poor")
    exited_persons = _count(exited_persons, "exited_persons")
    sampled_exited = _count(sampled_exited, "sampled_exited")
    wrong_exits = _count(wrong_exits, "wrong_exits")
    sampled_nonregistered = _count(sampled_nonregistered, "sampled_nonregistered")
    missed = _count(missed, "missed")
    recognising_households = _count(recognising_households, "recognising_households")
    surveyed_households = _count(surveyed_households, "surveyed_households")
    threshold = incidence_threshold(western)

    _positive(rural_population, "rural_population")
    _at_most(remaining_poor + exited_persons, "remaining_poor + exited_persons", rural_population, "rural_population")
    nonregistered = rural_population - remaining_poor - exited_persons

    _positive(sampled_exited, "sampled_exited")
    _at_most(sampled_exited, "sampled_exited", exited_persons, "exited_persons")
    _at_most(wrong_exits, "wrong_exits", sampled_exited, "sampled_exited")

    _positive(sampled_nonregistered, "sampled_nonregistered")
    _at_most(sampled_nonregistered, "sampled_nonregistered", nonregistered, "the non-registered population (rural_population - remaining_poor - exited_persons)")
    _at_most(missed, "missed", sampled_nonregistered, "sampled_nonregistered")

    _positive(surveyed_households, "surveyed_households")
    _at_most(recognising_households, "recognising_households", surveyed_households, "surveyed_households")

    wrong_exit_rate = Fraction(wrong_exits, sampled_exited)
    missed_rate = Fraction(missed, sampled_nonregistered)
    estimated_wrong_exits = wrong_exit_rate * exited_persons
    estimated_missed = missed_rate * nonregistered
    return Verdict(
        wrong_exit_rate=wrong_exit_rate,
        missed_rate=missed_rate,
        recognition_rate=Fraction(recognising_households, surveyed_households),
        estimated_wrong_exits=estimated_wrong_exits,
        estimated_missed=estimated_missed,
        comprehensive_incidence=(remaining_poor + estimated_wrong_exits + estimated_missed) / rural_population,
        threshold=threshold,
    )
