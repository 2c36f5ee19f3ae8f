from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jingzhun.registry.income import COMPONENTS, compute_income


def test_worked_example():
    t = compute_income({"wages": 12000, "business": 8000}, production_costs=3000, members=4)
    assert (t.gross, t.net, t.per_capita) == (Decimal("20000.00"), Decimal("17000.00"), Decimal("4250.00"))


def test_rounding_half_up_and_negative_net():
    assert compute_income({"wages": "10.00"}, production_costs=0, members=3).per_capita == Decimal("3.33")
    assert compute_income({"wages": "0.05"}, production_costs=0, members=2).per_capita == Decimal("0.03")
    assert compute_income({"business": 100}, production_costs=400, members=2).per_capita == Decimal("-150.00")


def test_exclusions_and_errors():
    t = compute_income({"wages": 100, "pensions": 50}, production_costs=0, members=1, excluded={"pensions"})
    assert t.net == Decimal("100.00")
    with pytest.raises(ValueError, match="unknown income components: salary"):
        compute_income({"salary": 1}, production_costs=0, members=1)
    with pytest.raises(ValueError, match="at least 1"):
        compute_income({}, production_costs=0, members=0)


@given(st.lists(st.decimals(min_value=0, max_value=10**7, places=2), min_size=len(COMPONENTS), max_size=len(COMPONENTS)),
       st.decimals(min_value=0, max_value=10**7, places=2), st.integers(min_value=1, max_value=12))
def test_net_is_sum_minus_costs(values, costs, members):
    t = compute_income(dict(zip(COMPONENTS, values)), production_costs=costs, members=members)
    assert t.net == sum(values) - costs
    assert abs(t.per_capita * members - t.net) <= Decimal("0.005") * members
