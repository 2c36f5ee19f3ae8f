"""Chinese personal names for the demo generator: surnames by ethnic group and region, given names by sex and cohort.

Surnames
    ``HAN_NATIONAL`` follows the order and rough frequencies of the Ministry of Public Security's 2020
    report on the national household register (王 7.1%, 李 7.1%, 张 6.8%, 刘 5.4%, 陈 4.6%, ...; the
    top 100 surnames cover about 85% of the population).  The regional and ethnic lists are
    assumptions drawn from local gazetteers and village name lists: in Qiandongnan (Congjiang,
    Rongjiang) the Miao and Dong mostly carry Han-style surnames, above all 杨, 吴, 王, 潘, 石, 龙, 韦,
    with local ones such as 贾, 邰, 滚 (Miao) and 粟, 银 (Dong); the Shui 韦, 潘, 蒙; the Zhuang 韦, 覃,
    黄, 莫; the Yao 盘, 赵, 邓, 冯; Jiangyong (Hunan, Yongzhou) is dominated by 蒋, 何, 唐, 周 and has the
    compound surname 欧阳; northern Sichuan (Qingchuan) has 苟, 蒲, 向, 敬, 母; the Hui 马, 白, 丁, 海.

Given names
    Two characters for most people, one character for 12-35% depending on the birth cohort (one-character
    names peaked among those born in the 1980s and 1990s).  Pools follow the well-known generational
    fashions (older women 秀英, 桂兰, 玉珍; 1960s-70s men 建国, 建军, 志强; 1980s-90s 伟, 杰, 婷, 丹;
    2010s children 浩然, 宇轩, 梓涵, 欣怡).  Miao and Dong in Qiandongnan mostly use Han-style names;
    older women there are often called 妹 names (老妹, 二妹), which are added for those groups.

Pinyin
    :func:`name_pinyin_fast` and :func:`compose_pinyin` return exactly what ``jingzhun.registry.names.name_pinyin``
    returns (a test checks thousands of generated names), but compute it as pypinyin does internally: the
    name is cut with pypinyin's own maximum-matching segmenter, each segment's reading is cached, and the
    surname reading override of ``registry.names`` is applied to the first syllable.  When no phrase of
    pypinyin's dictionary starts with the surname and the first given character, the segmenter cuts after the
    surname, so the reading is the surname's followed by the given name's, both cached: most of a million
    names then cost two dictionary look-ups instead of a ~60 µs ``lazy_pinyin`` call.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pypinyin import lazy_pinyin
from pypinyin.constants import RE_HANS
from pypinyin.seg.mmseg import p_set as _prefixes
from pypinyin.seg.mmseg import seg as _mmseg

from jingzhun.registry.names import SURNAME_READINGS, name_pinyin


def _parse(spec: str) -> tuple[list[str], np.ndarray]:
    """'王 9, 杨 9, 欧阳 2' -> (['王', '杨', '欧阳'], probabilities)."""
    names, weights = [], []
    for part in spec.split(","):
        name, weight = part.split()
        names.append(name)
        weights.append(float(weight))
    w = np.array(weights)
    return names, w / w.sum()


SURNAMES = {
    "han": _parse(
        "王 71, 李 70, 张 65, 刘 53, 陈 45, 杨 31, 黄 24, 赵 23, 吴 21, 周 20, 徐 14, 孙 14, 马 12, 朱 12, 胡 11,"
        "郭 11, 何 10, 林 10, 高 10, 罗 9.5, 郑 9, 梁 8.5, 谢 7, 宋 7, 唐 7, 许 6.5, 韩 6, 冯 6, 邓 6, 曹 6,"
        "彭 5.5, 曾 5.5, 肖 5.5, 田 5, 董 5, 袁 5, 潘 4.5, 于 4.5, 蒋 4.5, 蔡 4.5, 余 4.5, 杜 4.3, 叶 4.2,"
        "程 4, 苏 3.8, 魏 3.7, 吕 3.7, 丁 3.6, 任 3.5, 沈 3.4, 姚 3.3, 卢 3.3, 姜 3.2, 崔 3.2, 钟 3.1, 谭 3,"
        "陆 3, 汪 2.9, 范 2.9, 金 2.8, 石 2.8, 廖 2.7, 贾 2.7, 夏 2.6, 韦 2.6, 付 2.5, 方 2.5, 白 2.5, 邹 2.4,"
        "孟 2.4, 熊 2.3, 秦 2.3, 邱 2.2, 江 2.2, 尹 2.2, 薛 2.1, 闫 2, 段 2, 雷 2, 侯 1.9, 龙 1.9, 史 1.8,"
        "陶 1.8, 黎 1.8, 贺 1.8, 顾 1.7, 毛 1.7, 郝 1.7, 龚 1.6, 邵 1.6, 万 1.6, 钱 1.5, 覃 1.5, 武 1.5,"
        "戴 1.5, 孔 1.4, 汤 1.4, 庞 1.3, 樊 1.3, 兰 1.3, 殷 1.2, 施 1.2"
    ),
    "han_qiandongnan": _parse(
        "杨 8, 吴 7, 王 7, 张 5, 李 5, 刘 4, 陈 4, 龙 4, 潘 3, 石 3, 罗 3, 胡 2.5, 姚 2, 欧 1.5, 周 2, 黄 2,"
        "彭 1.5, 唐 1.5, 谢 1.2, 蒋 1.2, 何 1.5, 赵 1.2, 梁 1.2, 陆 1, 韦 1, 邓 1, 吕 0.8, 舒 0.6, 田 1, 袁 1"
    ),
    "miao_qiandongnan": _parse(
        "王 9, 杨 9, 吴 7, 潘 7, 韦 5, 贾 4, 石 4, 梁 3.5, 龙 3, 李 3, 张 2.5, 邰 2, 滚 1.5, 蒙 1.5, 陆 2,"
        "罗 2, 谢 1.5, 顾 1, 金 1, 刘 1.5, 唐 1, 欧 1, 姚 1, 莫 0.8, 余 0.8"
    ),
    "dong_qiandongnan": _parse(
        "吴 12, 杨 12, 石 6, 龙 5, 潘 5, 陆 4, 姚 3, 欧 3, 梁 3, 粟 2, 王 3, 李 2, 张 2, 蒙 1.5, 贾 1, 林 1,"
        "胡 1.5, 谢 1, 邓 1, 罗 1.5, 银 0.8, 廖 1, 黄 1, 周 1"
    ),
    "shui": _parse("韦 10, 潘 8, 蒙 7, 石 5, 吴 4, 杨 4, 陆 3, 王 3, 莫 2, 欧 2, 何 2, 姚 1, 雷 1"),
    "zhuang": _parse("韦 9, 黄 8, 覃 7, 莫 5, 陆 4, 蒙 4, 梁 4, 李 3, 吴 2, 杨 2, 潘 2, 卢 2, 罗 2, 农 1.5, 闭 1"),
    "yao_hunan": _parse(
        "盘 7, 赵 6, 李 6, 邓 5, 蒋 5, 黄 5, 冯 4, 唐 4, 何 4, 周 4, 义 2, 欧阳 2, 胡 3, 田 2, 陈 3, 杨 3,"
        "任 1.5, 奉 2, 沈 1.5, 毛 1, 刘 2, 郑 1, 王 2, 谢 1.5"
    ),
    "yao_guizhou": _parse("盘 8, 赵 6, 邓 5, 李 5, 黄 3, 冯 3, 杨 3, 吴 2, 陆 2"),
    "han_yongzhou": _parse(
        "蒋 8, 何 7, 唐 7, 周 6, 李 6, 陈 5, 胡 4, 欧阳 3, 黄 4, 田 3, 刘 4, 杨 3, 义 2, 谢 2, 王 3, 邓 3, 张 3,"
        "朱 2, 龚 1.5, 卢 1.5, 郑 1.5, 吴 2, 冯 1.5, 彭 1.5, 文 1"
    ),
    "han_sichuan": _parse(
        "王 8, 李 7, 张 6, 陈 5, 刘 5, 杨 4, 赵 3, 何 3, 罗 3, 杜 2, 冯 2, 黄 2.5, 吴 2, 周 2.5, 徐 2, 向 2,"
        "苟 2, 蒲 2, 袁 2, 唐 2, 谢 1.5, 任 1.5, 邓 1.5, 母 1, 敬 1, 岳 1, 胡 1.5, 贾 1, 宋 1, 郑 1"
    ),
    "hui": _parse("马 15, 白 6, 杨 5, 海 2, 丁 3, 穆 2, 李 3, 王 4, 张 3, 冶 1, 沙 1, 纳 1, 金 2, 哈 1"),
    "qiang": _parse("杨 6, 王 6, 何 5, 余 4, 陈 3, 赵 3, 周 3, 张 3, 毛 2, 龙 2, 李 3, 罗 2, 高 2, 孟 1"),
    "buyei": _parse("韦 9, 王 7, 罗 6, 陆 5, 岑 3, 黄 4, 杨 4, 吴 3, 班 2, 莫 2, 梁 2, 卢 2"),
    "tujia": _parse("田 8, 向 7, 彭 6, 覃 4, 王 4, 张 4, 李 4, 杨 4, 冉 3, 龚 2, 黄 3, 谭 3"),
}

#: Birth-year cohorts of the given-name pools: (first year of the cohort, probability of a one-character name).
COHORTS = [(0, 0.12), (1955, 0.20), (1970, 0.30), (1985, 0.35), (2000, 0.20), (2010, 0.12)]

# Per cohort and sex: whole two-character names, first characters, second characters, one-character names.
_GIVEN = {
    ("M", 0): (
        "德明 国华 建华 文华 志明 光明 永明 正清 世昌 福生 长生 金生 水生 开明 德福 有才 有福 玉林 树林 根生 "
        "家富 宗德 清明 永祥 福祥 世华 明德 正华 德才 学文 光华 国清 福贵 荣华 德胜 金山 银山 开富 老四 绍清",
        "德 国 建 文 志 光 永 正 世 福 长 金 开 有 玉 树 家 宗 清 明 学 荣 顺 昌 兴 发",
        "明 华 清 昌 生 福 才 林 富 德 祥 贵 山 发 成 兴 安 和 平 荣 忠 义 贤 财 全",
        "明 华 林 山 生 福 财 贵 成 德 忠 义 顺 发",
    ),
    ("F", 0): (
        "秀英 桂英 玉兰 秀兰 凤英 桂兰 玉珍 秀珍 兰英 翠花 桂花 玉梅 春花 金花 玉英 淑珍 秀芳 翠兰 凤兰 德秀 "
        "玉芝 桂芝 秀云 桂香 玉香 菊英 冬梅 金莲 银花 玉凤 秀花 月英 兰芳 春兰 凤珍",
        "秀 桂 玉 凤 兰 翠 春 金 淑 德 菊 冬 银 月 素 美 三",
        "英 兰 珍 花 梅 芳 香 芝 云 凤 莲 娥 秀 仙 荣 琴",
        "英 兰 珍 花 梅 芳 香 娥 秀 凤",
    ),
    ("M", 1955): (
        "建国 建华 建军 国平 国强 卫东 卫国 志强 志刚 红军 文军 海军 明军 新民 建平 永强 国庆 跃进 卫平 光辉 "
        "忠诚 爱国 向阳 建设 文明 德华 建明 国富 中华 国良 宏伟 振华 解放 胜利 永红",
        "建 国 卫 志 红 文 海 明 新 永 跃 光 忠 爱 向 德 宏 振 中 胜 立",
        "国 华 军 平 强 东 刚 民 明 进 辉 生 伟 良 富 庆 林 清 斌 红",
        "军 强 刚 平 明 华 斌 勇 伟 林 国 红 兵",
    ),
    ("F", 1955): (
        "桂芳 秀芳 玉梅 红梅 春梅 丽华 小红 秀琼 春燕 桂珍 玉琴 秀琴 丽萍 建英 红英 秀梅 玉华 春香 爱华 淑华 "
        "金凤 桂莲 美华 丽君 秀华 卫红 彩霞 桂荣 翠英 红霞",
        "桂 秀 玉 红 春 丽 小 建 爱 淑 金 美 卫 彩 翠 冬 海 晓",
        "芳 梅 华 红 燕 萍 琼 英 琴 香 凤 莲 霞 荣 君 珍 兰",
        "红 英 萍 芳 华 梅 燕 琴 霞 珍 兰 琼",
    ),
    ("M", 1970): (
        "志强 海波 小平 小军 建林 永刚 明华 国伟 文斌 海涛 勇军 建伟 俊华 志勇 晓东 建波 春林 光荣 云峰 成林 "
        "小兵 小明 德军 海林 军华 红兵 永福 明亮 志华 建新 文华 正林 世平 光辉",
        "志 海 小 建 永 明 国 文 俊 晓 春 光 云 成 德 军 红 正 世 大 家 绍 昌",
        "强 波 平 军 林 刚 华 伟 斌 涛 勇 东 峰 荣 兵 明 亮 新 辉 洪 文 福",
        "勇 军 伟 斌 刚 强 明 平 波 涛 辉 健 峰 华 林 兵 杰 亮",
    ),
    ("F", 1970): (
        "丽萍 春梅 小红 海燕 红梅 美玲 晓燕 小芳 丽华 秀梅 玉芳 春燕 丽娟 小琴 晓红 丽琼 桂芳 美华 艳红 春兰 "
        "小英 冬梅 秀琴 明英 丽芳 金花 小燕 玉琼 兰芳 菊花",
        "丽 春 小 海 红 美 晓 秀 玉 艳 桂 冬 明 金 兰 菊 凤 彩 素",
        "萍 梅 红 燕 玲 芳 华 娟 琴 琼 英 兰 花 艳 霞 丽 莉 凤",
        "丽 芳 敏 静 红 燕 霞 艳 娟 梅 琴 英 萍 玲 莉",
    ),
    ("M", 1985): (
        "俊杰 志豪 家豪 文杰 明杰 建华 海龙 鹏飞 晓东 志鹏 永杰 俊峰 小龙 文龙 明辉 宇航 志伟 家乐 浩 伟杰 "
        "金龙 亮亮 军军 林峰 云龙 佳伟 东升 国栋 建峰 小杰 成龙 天明 海洋 红亮",
        "俊 志 家 文 明 建 海 鹏 晓 永 小 宇 金 云 佳 东 国 成 天 红 启 富 德 光",
        "杰 豪 华 龙 飞 东 鹏 峰 辉 航 伟 乐 亮 洋 升 栋 明 强 成 军 林 涛",
        "杰 鹏 浩 磊 超 俊 涛 宇 帅 飞 亮 鑫 龙 洋 凯 伟 强 军 斌 勇 林 辉",
    ),
    ("F", 1985): (
        "婷婷 丹丹 雪梅 晓丽 美玲 小燕 丽娟 艳红 春艳 文静 小丽 晓燕 金凤 海燕 秋菊 倩倩 玉婷 雪莲 晓琴 美娟 "
        "兰兰 芳芳 艳芳 丽霞 翠翠 春梅 佳丽 晓霞 冬梅 红艳",
        "婷 丹 雪 晓 美 小 丽 艳 春 文 金 海 秋 倩 玉 翠 佳 冬 红 兰 芳 燕",
        "婷 丹 梅 丽 玲 燕 娟 红 艳 静 凤 菊 莲 琴 霞 芳 兰 莉 敏 瑶",
        "婷 倩 雪 丹 欢 佳 颖 欣 琳 慧 露 莉 燕 艳 娟 芳 敏 静 丽 梅",
    ),
    ("M", 2000): (
        "浩然 宇轩 子轩 俊熙 宇航 浩宇 一鸣 子豪 博文 锦程 梓睿 俊杰 家豪 文博 思远 天佑 子涵 明轩 宇豪 鑫磊 "
        "志豪 浩轩 嘉豪 俊宇 海洋 家乐 皓轩 雨泽 晨阳 子健",
        "浩 宇 子 俊 一 博 锦 梓 家 文 思 天 明 鑫 志 嘉 皓 雨 晨 佳 俊 金 永",
        "然 轩 熙 航 宇 鸣 豪 文 程 睿 杰 博 远 佑 涵 磊 乐 泽 阳 健 洋 辉",
        "浩 宇 轩 睿 杰 鹏 鑫 磊 凯 航 豪 博 俊 涛 帅 琪 阳 晨 龙 飞",
    ),
    ("F", 2000): (
        "欣怡 雨涵 紫涵 诗涵 子涵 可馨 思彤 梦瑶 雨萱 佳怡 梓涵 雨欣 欣妍 婷婷 佳琪 思琪 雨婷 佳欣 心怡 诗琪 "
        "晓雪 梦琪 语嫣 静怡 紫怡 雨晴 丹丹 欣悦 雅琪 梦洁",
        "欣 雨 紫 诗 子 可 思 梦 佳 梓 心 晓 语 静 雅 婷 丹 美 嘉",
        "怡 涵 馨 彤 瑶 萱 琪 欣 妍 婷 雪 嫣 晴 悦 洁 琳 颖 倩 蕊",
        "婷 琪 欣 颖 琳 悦 萱 怡 瑶 涵 倩 洁 雪 静 蕊 妍",
    ),
    ("M", 2010): (
        "浩然 宇轩 梓轩 子墨 一诺 俊熙 沐阳 梓睿 宇航 浩宇 锦程 铭轩 子豪 睿泽 承泽 奕辰 皓轩 博文 梓豪 俊宇 "
        "宇泽 天佑 浩轩 明宇 子骞 逸辰 嘉懿 梓恒 思远 家豪",
        "浩 宇 梓 子 一 俊 沐 锦 铭 睿 承 奕 皓 博 天 明 逸 嘉 思 家 宸 景",
        "然 轩 墨 诺 熙 阳 睿 航 宇 程 豪 泽 辰 文 佑 骞 懿 恒 远 铭 宸 琪",
        "轩 睿 宇 浩 辰 泽 杰 航 铭 博 俊 阳 晨 涵 宸 诚",
    ),
    ("F", 2010): (
        "梓涵 欣怡 雨涵 紫涵 诗涵 子涵 可馨 一诺 思彤 梦瑶 雨萱 佳怡 语桐 若汐 欣妍 梓萱 诗琪 语嫣 雨彤 可欣 "
        "紫萱 芷若 梦琪 思琪 沐晴 梓琪 佳琪 欣然 依诺 雅涵",
        "梓 欣 雨 紫 诗 子 可 一 思 梦 佳 语 若 芷 沐 依 雅 晨 安 艺",
        "涵 怡 馨 诺 彤 瑶 萱 桐 汐 妍 琪 嫣 然 若 晴 欣 曦 悦 琳 菲",
        "涵 萱 怡 琪 妍 欣 悦 彤 瑶 诺 菲 琳 曦 婷",
    ),
}

#: 妹-names of older Miao and Dong women in Qiandongnan (added to the two oldest female cohorts).
_MEI_NAMES = "老妹 二妹 三妹 四妹 金妹 银妹 秀妹 妹花 英妹 兰妹".split()


class GivenNames:
    """Vectorised given-name draws for one ethnic flavour."""

    def __init__(self, mei_names: bool = False):
        self.pools = {}
        for (sex, start), (whole, first, second, single) in _GIVEN.items():
            whole_list = whole.split()
            if mei_names and sex == "F" and start < 1970:
                whole_list = whole_list + _MEI_NAMES * 2
            self.pools[sex, start] = (
                np.array(whole_list, dtype=object),
                np.array(first.split(), dtype=object),
                np.array(second.split(), dtype=object),
                np.array(single.split(), dtype=object),
            )

    def draw(self, rng: np.random.Generator, sex: np.ndarray, birth_year: np.ndarray) -> np.ndarray:
        """One given name per person (sex 'M'/'F' as a bool array male, birth years int array)."""
        n = len(sex)
        out = np.empty(n, dtype=object)
        starts = np.array([s for s, _ in COHORTS])
        cohort = np.searchsorted(starts, birth_year, side="right") - 1
        u_single = rng.random(n)
        u_whole = rng.random(n)
        i1 = rng.integers(0, 1 << 30, n)
        i2 = rng.integers(0, 1 << 30, n)
        for c, (start, p_single) in enumerate(COHORTS):
            for sx, male in (("M", True), ("F", False)):
                idx = np.flatnonzero((cohort == c) & (sex == male))
                if not len(idx):
                    continue
                whole, first, second, single = self.pools[sx, start]
                names = np.empty(len(idx), dtype=object)
                single_mask = u_single[idx] < p_single
                whole_mask = ~single_mask & (u_whole[idx] < 0.5)
                pair_mask = ~single_mask & ~whole_mask
                names[single_mask] = single[i1[idx[single_mask]] % len(single)]
                names[whole_mask] = whole[i1[idx[whole_mask]] % len(whole)]
                names[pair_mask] = first[i1[idx[pair_mask]] % len(first)] + second[i2[idx[pair_mask]] % len(second)]
                out[idx] = names
        return out


_SEGMENT_PINYIN: dict[str, list[str]] = {}
_NAME_CACHE: dict[str, tuple[str, str]] = {}


def _segment(word: str) -> list[str]:
    hit = _SEGMENT_PINYIN.get(word)
    if hit is None:
        hit = _SEGMENT_PINYIN[word] = [s.lower() for s in lazy_pinyin(word, errors="ignore") if s]
    return hit


def name_pinyin_fast(name: str) -> tuple[str, str]:
    """Same result as ``registry.names.name_pinyin`` (full pinyin, initials), cached per name."""
    hit = _NAME_CACHE.get(name)
    if hit is not None:
        return hit
    if not name or not all(RE_HANS.match(ch) for ch in name):
        hit = name_pinyin(name)
    else:
        syllables: list[str] = []
        for word in _mmseg.cut(name):
            syllables.extend(_segment(word))
        if syllables and name[0] in SURNAME_READINGS:
            syllables[0] = SURNAME_READINGS[name[0]]
        hit = ("".join(syllables)[:120], "".join(s[0] for s in syllables)[:20])
    _NAME_CACHE[name] = hit
    return hit


_SURNAME_CACHE: dict[str, tuple[str, str]] = {}
_GIVEN_CACHE: dict[str, tuple[str, str]] = {}


def _part(cache: dict, text: str, surname: bool) -> tuple[str, str]:
    hit = cache.get(text)
    if hit is None:
        syllables: list[str] = []
        for word in _mmseg.cut(text):
            syllables.extend(_segment(word))
        if surname and syllables and text[0] in SURNAME_READINGS:
            syllables[0] = SURNAME_READINGS[text[0]]
        hit = cache[text] = ("".join(syllables), "".join(s[0] for s in syllables))
    return hit


def compose_pinyin(surname: str, given: str) -> tuple[str, str]:
    """``name_pinyin(surname + given)``, from cached parts when pypinyin's segmenter must cut after the surname."""
    if len(surname) == 1 and given and (surname + given[0]) not in _prefixes:
        s_full, s_init = _part(_SURNAME_CACHE, surname, True)
        g_full, g_init = _part(_GIVEN_CACHE, given, False)
        return (s_full + g_full)[:120], (s_init + g_init)[:20]
    return name_pinyin_fast(surname + given)


def _lengths(values) -> np.ndarray:
    return np.fromiter(map(len, values), dtype=np.int64, count=len(values))


def compose_pinyin_many(surnames, givens) -> tuple[np.ndarray, np.ndarray]:
    """:func:`compose_pinyin` for many names: (full pinyin, initials) as object arrays.

    Set-based: each distinct surname, given name and surname + first given character is read once and the
    rows are joined from the parts by code; only the names the segmenter reads across the surname boundary
    (about 1 %) or that pass the length limits are read whole."""
    s_codes, s_uniq = pd.factorize(np.asarray(surnames, dtype=object), sort=False)
    g_codes, g_uniq = pd.factorize(np.asarray(givens, dtype=object), sort=False)
    s_full, s_init = (np.array([_part(_SURNAME_CACHE, v, True)[k] for v in s_uniq], dtype=object) for k in (0, 1))
    g_full, g_init = (np.array([_part(_GIVEN_CACHE, v, False)[k] for v in g_uniq], dtype=object) for k in (0, 1))
    first = np.array([g[:1] for g in g_uniq], dtype=object)
    prefixes = getattr(_prefixes, "_set", _prefixes)  # the plain set behind pypinyin's PrefixSet, when present
    pair_codes, pairs = pd.factorize(np.asarray(s_uniq, dtype=object)[s_codes] + first[g_codes], sort=False)
    joined = np.fromiter(map(prefixes.__contains__, pairs), dtype=bool, count=len(pairs))[pair_codes]
    whole = ((_lengths(s_uniq)[s_codes] != 1) | (_lengths(first)[g_codes] != 1) | joined
             | (_lengths(s_full)[s_codes] + _lengths(g_full)[g_codes] > 120)
             | (_lengths(s_init)[s_codes] + _lengths(g_init)[g_codes] > 20))
    full = s_full[s_codes] + g_full[g_codes]
    initials = s_init[s_codes] + g_init[g_codes]
    for row in np.flatnonzero(whole).tolist():
        full[row], initials[row] = compose_pinyin(s_uniq[s_codes[row]], g_uniq[g_codes[row]])
    return full, initials
