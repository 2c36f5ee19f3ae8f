"""Income records: create-or-replace through income_set, exact computed totals, filters, scope."""

from __future__ import annotations

from jingzhun.core.models import AuditEvent
from jingzhun.registry.models import IncomeRecord
from jingzhun.registry.services import household_register, income_set

URL = "/api/incomes/"


def test_set_income_computes_totals_exactly(client_for, household, users):
    body = {"household": household.pk, "year": 2024, "members": 4, "wages": "12000", "business": "8000",
            "production_costs": "3000"}
    response = client_for("village").post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["gross"], data["net"], data["per_capita"]) == ("20000.00", "17000.00", "4250.00")
    assert data["members"] == 4 and data["household_number"] == household.number
    assert AuditEvent.objects.get(action="income.set").actor == users["village"]


def test_set_income_defaults_members_to_household_size(client_for, household):
    body = {"household": household.pk, "year": 2024, "wages": 10000}
    data = client_for("village").post(URL, body, format="json").json()
    assert data["members"] == 3 and data["per_capita"] == "3333.33"


def test_set_income_replaces_the_year(client_for, household):
    client = client_for("village")
    first = client.post(URL, {"household": household.pk, "year": 2024, "wages": 9000}, format="json")
    second = client.post(URL, {"household": household.pk, "year": 2024, "wages": 12000}, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    record = IncomeRecord.objects.get()
    assert record.wages == 12000 and record.gross == 12000


def test_computed_fields_are_read_only(client_for, household):
    body = {"household": household.pk, "year": 2024, "wages": 1000, "per_capita": "999999"}
    response = client_for("village").post(URL, body, format="json")
    assert response.status_code == 400 and list(response.json()) == ["per_capita"]


def test_service_validation_errors_name_the_field(client_for, household):
    client = client_for("village")
    response = client.post(URL, {"household": household.pk, "year": 2024, "wages": "-5"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["wages"]
    response = client.post(URL, {"household": household.pk, "year": 1990}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["year"]
    response = client.post(URL, {"household": household.pk, "year": 2024, "members": 0}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["members"]


def test_set_income_outside_change_scope_is_404(client_for, household):
    body = {"household": household.pk, "year": 2024, "wages": 1000}
    for user in ("other_township", "analyst", "hunan_county"):
        assert client_for(user).post(URL, body, format="json").status_code == 404, user
    assert not IncomeRecord.objects.exists()


def test_list_filters_and_scope(client_for, household, areas, people):
    other = household_register(actor=None, area=areas["522633101201"], head=people.person("龙老四"))
    for year in (2022, 2023, 2024):
        income_set(actor=None, household=household, year=year, wages=1000 * year)
    income_set(actor=None, household=other, year=2024, wages=5000)
    client = client_for("county")
    assert client.get(URL).json()["count"] == 4
    assert client.get(URL, {"household": household.pk}).json()["count"] == 3
    rows = client.get(URL, {"year": 2024}).json()["results"]
    assert {r["household"] for r in rows} == {household.pk, other.pk}
    township = client_for("township").get(URL).json()
    assert township["count"] == 3 and {r["household"] for r in township["results"]} == {household.pk}


def test_detail_outside_scope_is_404(client_for, household):
    record = income_set(actor=None, household=household, year=2024, wages=1000)
    assert client_for("township").get(f"{URL}{record.pk}/").status_code == 200
    assert client_for("other_township").get(f"{URL}{record.pk}/").status_code == 404
