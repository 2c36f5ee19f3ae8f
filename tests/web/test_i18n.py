"""The Simplified Chinese catalogue is complete, and pages render in both languages."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.urls import reverse

import jingzhun

PO = Path(jingzhun.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def parse_po(path: Path) -> list[dict]:
    """A tiny .po parser: one dict per entry with msgctxt, msgid, msgid_plural, msgstr (list) and flags."""
    entries, entry, field = [], None, None

    def finish():
        if entry is not None and (entry["msgid"] or entry["msgstr"]):
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            finish()
            entry, field = None, None
            continue
        if entry is None:
            entry = {"msgctxt": None, "msgid": "", "msgid_plural": None, "msgstr": [], "flags": set(), "obsolete": False}
        if line.startswith("#~"):
            entry["obsolete"] = True
            continue
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$', line)
        if match:
            field, text = match.group(1), ast.literal_eval(match.group(2))
            if field.startswith("msgstr"):
                entry["msgstr"].append(text)
            else:
                entry[field] = text
        elif line.startswith('"'):
            text = ast.literal_eval(line)
            if field.startswith("msgstr"):
                entry["msgstr"][-1] += text
            else:
                entry[field] += text
    return entries


@pytest.fixture(scope="module")
def catalogue():
    entries = parse_po(PO)
    assert entries[0]["msgid"] == "" and "Plural-Forms: nplurals=1; plural=0;" in entries[0]["msgstr"][0]
    return entries[1:]


def test_catalogue_is_large(catalogue):
    # the whole package: models, choices, services, filters and the web templates
    msgids = {e["msgid"] for e in catalogue}
    assert len(catalogue) > 400
    for msgid in ("Poor", "Returned to poverty", "Illness", "per-capita net income", "Log in",
                  "The check character of the identity number is wrong: check for a mistyped digit."):
        assert msgid in msgids


def test_no_empty_fuzzy_or_obsolete_entries(catalogue):
    empty = [e["msgid"] for e in catalogue if not all(s.strip() for s in e["msgstr"]) or not e["msgstr"]]
    fuzzy = [e["msgid"] for e in catalogue if "fuzzy" in e["flags"]]
    obsolete = [e["msgid"] for e in catalogue if e["obsolete"]]
    assert not empty, f"untranslated: {empty}"
    assert not fuzzy, f"fuzzy: {fuzzy}"
    assert not obsolete, f"obsolete: {obsolete}"


def test_translations_keep_their_placeholders(catalogue):
    for e in catalogue:
        expected = sorted(PLACEHOLDER.findall(e["msgid"]))
        for text in e["msgstr"]:
            assert sorted(PLACEHOLDER.findall(text)) == expected, e["msgid"]


def test_translations_are_chinese(catalogue):
    not_chinese = [e["msgid"] for e in catalogue if not any(re.search(r"[\u4e00-\u9fff]", s) for s in e["msgstr"])]
    assert not not_chinese, not_chinese


@pytest.mark.parametrize("terms", [
    {"Poor": "贫困户", "Exited": "已脱贫", "Returned to poverty": "返贫", "Illness": "因病", "Head of household": "户主",
     "per-capita net income": "人均纯收入", "Poverty incidence": "贫困发生率",
     "Minimum-living-guarantee poor household": "低保贫困户",
     "Extreme-hardship support poor household": "特困供养贫困户", "main cause of poverty": "主要致贫原因",
     "Registered poor persons": "建档立卡贫困人口"},
])
def test_official_terminology(catalogue, terms):
    table = {e["msgid"]: e["msgstr"][0] for e in catalogue if e["msgctxt"] is None}
    for msgid, zh in terms.items():
        assert table[msgid] == zh, msgid


@pytest.mark.django_db
def test_login_page_in_chinese_by_default(client):
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-hans">' in html and "登录" in html and "精准扶贫信息系统" in html
    assert "用户名" in html  # Django's own catalogue for the form labels


@pytest.mark.django_db
def test_login_page_in_english_by_accept_language(client):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html and "Log in" in html and "登录" not in html


@pytest.mark.django_db
def test_login_page_in_english_by_cookie(client):
    client.cookies["django_language"] = "en"
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Log in" in html and "Targeted poverty alleviation information system" in html


@pytest.mark.django_db
def test_login_error_in_both_languages(client, users):
    html = client.post(reverse("login"), {"username": "township", "password": "wrong"}).content.decode()
    assert "请输入一个正确的" in html
    client.cookies["django_language"] = "en"
    html = client.post(reverse("login"), {"username": "township", "password": "wrong"}).content.decode()
    assert "Please enter a correct username and password" in html


@pytest.mark.django_db
def test_login_works(client, users):
    response = client.post(reverse("login"), {"username": "township", "password": "pw-township-2026"})
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.django_db
@pytest.mark.parametrize("language, texts", [
    ("zh-hans", ["农户", "贫困状态", "人均纯收入", "贫困户", "因病", "查询", ">全部<"]),
    ("en", ["Households", "Poverty status", "Per-capita net income", "Poor", "Illness", "Search", ">All<"]),
])
def test_household_list_in_both_languages(login, users, household, language, texts):
    html = login(users["township"], language).get(reverse("web:households")).content.decode()
    for text in texts:
        assert text in html, text


@pytest.mark.django_db
@pytest.mark.parametrize("language, texts", [
    ("zh-hans", ["户基本信息", "家庭成员", "与户主关系", "汉族", "历年收入", "查看完整号码"]),
    ("en", ["Household data", "Members", "Relation to head", "Han", "Income by year", "Show full ID"]),
])
def test_household_card_in_both_languages(login, users, household, language, texts):
    html = login(users["township"], language).get(reverse("web:household", args=[household.pk])).content.decode()
    for text in texts:
        assert text in html, text
