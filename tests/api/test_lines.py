"""Poverty and monitoring lines: readable by every signed-in user; set only by superusers and the national office."""

from __future__ import annotations

import pytest

from jingzhun.core.models import AuditEvent
from jingzhun.policy.models import MonitoringLine, PovertyLine
from jingzhun.policy.services import line_set

POVERTY, MONITORING = "/api/poverty-lines/", "/api/monitoring-lines/"


@pytest.fixture
def lines(areas):
    return {
        "national": line_set(actor=None, kind="poverty", year=2020, amount=4000, source="NBS"),
        "guizhou": line_set(actor=None, kind="poverty", year=2020, amount=4100, area=areas["520000000000"], source="GZ"),
        "monitoring": line_set(actor=None, kind="monitoring", year=2021, amount=6000, source="MOA"),
    }


def test_any_signed_in_user_reads_lines(client_for, lines):
    client = client_for("analyst")
    rows = client.get(POVERTY).json()["results"]
    assert [(r["year"], r["area"], r["amount"]) for r in rows] == [(2020, None, "4000.00"),
                                                                     (2020, "520000000000", "4100.00")]
    assert rows[1]["area_name"] == "贵州省"
    assert client.get(POVERTY, {"area": "national"}).json()["count"] == 1
    assert client.get(POVERTY, {"area": "52"}).json()["results"][0]["source"] == "GZ"
    assert client.get(MONITORING, {"year": 2021}).json()["results"][0]["amount"] == "6000.00"
    assert client.get(f"{POVERTY}{lines['guizhou'].pk}/").json()["price_basis"] == ""
    assert "price_basis" not in client.get(f"{MONITORING}{lines['monitoring'].pk}/").json()


def test_unauthenticated_is_401(lines):
    from rest_framework.test import APIClient

    response = APIClient().get(POVERTY)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("who", ["national", "superuser"])
def test_policy_writers_create_lines(client_for, areas, who, request):
    client = client_for(request.getfixturevalue(who))
    body = {"year": 2024, "amount": "7000", "source": "MOA notice", "area": "522633000000"}
    response = client.post(MONITORING, body, format="json")
    assert response.status_code == 201, response.json()
    line = MonitoringLine.objects.get()
    assert (line.year, line.area_id, line.amount) == (2024, "522633000000", 7000)
    assert AuditEvent.objects.filter(action="monitoring_line.create").exists()
    again = client.post(MONITORING, {**body, "amount": "7100"}, format="json")
    assert again.status_code == 200 and again.json()["id"] == line.pk and again.json()["amount"] == "7100.00"


def test_national_line_has_null_area(client_for, national):
    response = client_for(national).post(POVERTY, {"year": 2024, "amount": "4500", "source": "x"}, format="json")
    assert response.status_code == 201 and response.json()["area"] is None
    assert PovertyLine.objects.get().area is None


def test_update_line(client_for, national, lines):
    url = f"{POVERTY}{lines['guizhou'].pk}/"
    response = client_for(national).patch(url, {"amount": "4200", "note": "revised"}, format="json")
    assert response.status_code == 200, response.json()
    line = PovertyLine.objects.get(pk=lines["guizhou"].pk)
    assert (line.amount, line.note, line.source, line.area_id) == (4200, "revised", "GZ", "520000000000")
    assert AuditEvent.objects.filter(action="poverty_line.change").exists()
    put = client_for(national).put(url, {"amount": "4300", "source": "GZ 2"}, format="json")
    assert put.status_code == 200 and put.json()["source"] == "GZ 2"


def test_update_cannot_move_a_line_to_another_year(client_for, national, lines):
    url = f"{POVERTY}{lines['guizhou'].pk}/"
    client = client_for(national)
    response = client.patch(url, {"year": 2030, "amount": "1"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["year"]
    response = client.patch(url, {"area": None, "amount": "1"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["area"]
    assert PovertyLine.objects.get(pk=lines["guizhou"].pk).amount == 4100
    # a round trip of what GET returned is fine
    body = client.get(url).json() | {"amount": "4150.00"}
    assert client.put(url, body, format="json").status_code == 200
    assert PovertyLine.objects.get(pk=lines["guizhou"].pk).amount == 4150


def test_invalid_line(client_for, national):
    response = client_for(national).post(POVERTY, {"year": 2024, "amount": "0", "source": "x"}, format="json")
    assert response.status_code == 400 and "amount" in response.json()
    response = client_for(national).post(POVERTY, {"year": 2024, "amount": "1", "source": "x", "area": "999999999999"},
                                         format="json")
    assert response.status_code == 400 and "area" in response.json()


@pytest.mark.parametrize("user", ["county", "province", "analyst"])
def test_other_roles_cannot_write_lines(client_for, lines, user):
    client = client_for(user)
    assert client.post(POVERTY, {"year": 2024, "amount": "4500", "source": "x"}, format="json").status_code == 403
    assert client.patch(f"{POVERTY}{lines['national'].pk}/", {"amount": "1"}, format="json").status_code == 403
    assert PovertyLine.objects.get(pk=lines["national"].pk).amount == 4000
