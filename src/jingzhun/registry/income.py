"""Income arithmetic (DOMAIN.md section 5): the one function that computes gross, net and per-capita income."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

WAGES, BUSINESS, PROPERTY = "wages", "business", "property_income"
TRANSFERS = ("subsidies", "dibao", "pensions", "eco_compensation", "other_transfers")
COMPONENTS = (WAGES, BUSINESS, *TRANSFERS, PROPERTY)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class IncomeTotals:
    gross: Decimal
    net: Decimal
    per_capita: Decimal


def compute_income(
    components: Mapping[str, Decimal | int | str],
    *,
    production_costs: Decimal | int | str,
    members: int,
    excluded: frozenset[str] | set[str] = frozenset(),
) -> IncomeTotals:
    """gross = sum of counted components; net = gross - production costs; per capita = net / members.

    `excluded` names components that local policy does not count (e.g. some transfers).
    Amounts are rounded to the cent, half up; per-capita net income may be negative.
    """
    unknown = set(components) - set(COMPONENTS)
    if unknown:
        raise ValueError(f"unknown income components: {', '.join(sorted(unknown))}")
    if members < 1:
        raise ValueError("household size must be at least 1")
    gross = sum((Decimal(str(components.get(k, 0) or 0)) for k in COMPONENTS if k not in excluded), Decimal(0))
    net = gross - Decimal(str(production_costs or 0))
    return IncomeTotals(gross.quantize(CENT, ROUND_HALF_UP), net.quantize(CENT, ROUND_HALF_UP),
                        (net / members).quantize(CENT, ROUND_HALF_UP))
