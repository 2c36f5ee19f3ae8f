"""Pinyin of personal names, for search by full pinyin or initials."""

from functools import lru_cache

from pypinyin import lazy_pinyin

# Common surnames whose reading differs from the character's most frequent reading.
SURNAME_READINGS = {"单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "朴": "piao", "查": "zha", "区": "ou",
                    "翟": "zhai", "盖": "ge", "乐": "yue", "尉": "yu", "覃": "qin", "缪": "miao", "秘": "bi"}


@lru_cache(maxsize=200_000)
def name_pinyin(name: str) -> tuple[str, str]:
    """('zhangsan', 'zs') for 张三; surnames take their surname reading."""
    name = name.strip()
    if not name:
        return "", ""
    syllables = lazy_pinyin(name, errors="ignore")
    if name[0] in SURNAME_READINGS and syllables:
        syllables[0] = SURNAME_READINGS[name[0]]
    syllables = [s.lower() for s in syllables if s]
    return "".join(syllables)[:120], "".join(s[0] for s in syllables)[:20]
