"""Fixtures for the demo generator: small area trees with four villages per county, and the poverty lines."""

from __future__ import annotations

import pytest

from jingzhun.areas.models import Area
from jingzhun.policy.services import lines_seed


def _tree(province, prefecture, county, names):
    p, f, c = province[0], prefecture[0], county[0]
    t1, t2 = c[:6] + "100000", c[:6] + "101000"
    return [
        (p, None, 1, province[1], province[2]),
        (f, p, 2, prefecture[1], ""),
        (c, f, 3, county[1], ""),
        (t1, c, 4, names[0], ""),
        (t2, c, 4, names[1], ""),
        (t1[:9] + "201", t1, 5, names[2], ""),
        (t1[:9] + "202", t1, 5, names[3], ""),
        (t2[:9] + "201", t2, 5, names[4], ""),
        (t2[:9] + "202", t2, 5, names[5], ""),
    ]


TREES = {
    "431125": _tree(("430000000000", "湖南省", "central"), ("431100000000", "永州市"), ("431125000000", "江永县"),
                    ["潇浦镇", "上江圩镇", "向光村村民委员会", "白水村村民委员会", "浦尾村村民委员会", "河渊村村民委员会"]),
    "522633": _tree(("520000000000", "贵州省", "west"), ("522600000000", "黔东南苗族侗族自治州"), ("522633000000", "从江县"),
                    ["丙妹镇", "贯洞镇", "岜沙村村民委员会", "大塘村村民委员会", "贯洞村村民委员会", "龙图村村民委员会"]),
    "510822": _tree(("510000000000", "四川省", "west"), ("510800000000", "广元市"), ("510822000000", "青川县"),
                    ["乔庄镇", "青溪镇", "城郊村村民委员会", "白家村村民委员会", "阴平村村民委员会", "落衣村村民委员会"]),
}


@pytest.fixture
def demo_tree(db):
    """Create the area tree of the given counties (province > prefecture > county > 2 townships > 4 villages)."""

    def create(*counties: str) -> list[str]:
        rows = [row for code in counties for row in TREES[code]]
        existing = set(Area.objects.filter(code__in=[r[0] for r in rows]).values_list("code", flat=True))
        Area.objects.bulk_create([Area(code=code, parent_id=parent, level=level, name=name, region=region)
                                  for code, parent, level, name, region in rows if code not in existing])
        lines_seed()
        return [r[0] for code in counties for r in TREES[code] if r[2] == 5]

    return create
