"""Areas: read-only, scoped with Area.objects.visible_to(user)."""

from __future__ import annotations

URL = "/api/areas/"


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [a["code"] for a in response.json()["results"]]


def test_list_is_scoped(client_for, areas):
    assert codes(client_for("township").get(URL)) == ["522633100000", "522633100201", "522633100202"]
    assert len(codes(client_for("province").get(URL))) == 8
    assert codes(client_for("hunan_county").get(URL)) == ["431125000000", "431125100000", "431125100201"]


def test_filter_by_parent_and_level(client_for, areas):
    client = client_for("county")
    assert codes(client.get(URL, {"parent": "522633000000"})) == ["522633100000", "522633101000"]
    assert codes(client.get(URL, {"parent": "522633100"})) == ["522633100201", "522633100202"]  # significant digits
    assert codes(client.get(URL, {"level": 5})) == ["522633100201", "522633100202", "522633101201"]
    assert codes(client.get(URL, {"level": 4, "parent": "522633"})) == ["522633100000", "522633101000"]
    assert client.get(URL, {"level": 9}).status_code == 400


def test_parent_outside_scope_lists_nothing(client_for, areas):
    assert codes(client_for("township").get(URL, {"parent": "431125100000"})) == []


def test_search_by_name_pinyin_or_initials_prefix(client_for, areas):
    client = client_for("province")
    assert codes(client.get(URL, {"q": "贯洞"})) == ["522633101000", "522633101201"]
    assert codes(client.get(URL, {"q": "basha"})) == ["522633100201"]
    assert codes(client.get(URL, {"q": "BS"})) == ["522633100201"]  # initials, case-insensitive
    assert codes(client.get(URL, {"q": "cjx"})) == ["522633000000"]
    assert codes(client.get(URL, {"q": "洞"})) == []  # prefix, not substring
    assert codes(client.get(URL, {"q": "江永"})) == []  # Hunan is outside the scope


def test_detail_by_code(client_for, areas):
    client = client_for("county")
    body = client.get(f"{URL}522633100201/").json()
    assert body["name"] == "岜沙村" and body["level"] == 5 and body["level_display"] == "Village"
    assert body["parent"] == "522633100000"
    assert client.get(f"{URL}522633/").json()["name"] == "从江县"  # significant digits work too


def test_detail_outside_scope_is_404(client_for, areas):
    assert client_for("township").get(f"{URL}522633101000/").status_code == 404
    assert client_for("township").get(f"{URL}522633000000/").status_code == 404  # the county above
    assert client_for("county").get(f"{URL}431125000000/").status_code == 404


def test_region_label(client_for, areas):
    body = client_for("province").get(f"{URL}520000000000/").json()
    assert body["region"] == "west" and body["region_display"] == "West"


def test_areas_are_read_only(client_for, areas):
    client = client_for("county")
    assert client.post(URL, {"code": "522633100203", "name": "x", "level": 5}, format="json").status_code == 405
    assert client.patch(f"{URL}522633100201/", {"name": "x"}, format="json").status_code == 405
    assert client.delete(f"{URL}522633100201/").status_code == 405
