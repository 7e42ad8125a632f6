"""Name pools for the synthetic campaign: surnames, given names, township and village names.

Surnames are the most common Chinese surnames with rough relative frequencies (the 2020
household-registration ranking of the Ministry of Public Security, rounded); given-name
characters are common ones by sex. Place-name syllables are typical of Guizhou place names.
The pools are plain tuples; drawing from them is done, vectorised, by the generator.
"""

from __future__ import annotations

# (surname, relative weight) — the top of the national ranking, rounded percentages.
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 7.1), ("李", 7.0), ("张", 6.7), ("刘", 5.4), ("陈", 4.6), ("杨", 3.1), ("黄", 2.2),
    ("赵", 2.0), ("吴", 2.0), ("周", 1.9), ("徐", 1.5), ("孙", 1.4), ("马", 1.3), ("朱", 1.3),
    ("胡", 1.2), ("郭", 1.1), ("何", 1.1), ("罗", 1.0), ("高", 1.0), ("林", 0.9), ("龙", 0.6),
    ("田", 0.5), ("石", 0.5), ("潘", 0.5), ("韦", 0.4), ("蒙", 0.2), ("杜", 0.4),
    ("谢", 0.8), ("宋", 0.6), ("郑", 0.8), ("唐", 0.8), ("冯", 0.6), ("邓", 0.6), ("曹", 0.5),
    ("彭", 0.5), ("曾", 0.5), ("萧", 0.3), ("蔡", 0.5), ("袁", 0.5), ("许", 0.5), ("卢", 0.4),
    ("蒋", 0.4), ("余", 0.4), ("熊", 0.3), ("欧阳", 0.1), ("令狐", 0.02),
)

GIVEN_MALE: tuple[str, ...] = tuple(
    "伟强军勇明华建国平志刚文斌超辉鹏波海林峰磊杰涛浩宇飞成亮新兴德福贵荣发忠世光永春"
)
GIVEN_FEMALE: tuple[str, ...] = tuple(
    "芳娟敏静丽艳霞秀英兰梅红玉珍琴燕萍桂芬娜婷慧淑美菊花凤莲翠云春霞丹雪琳"
)

PLACE_FIRST: tuple[str, ...] = tuple(
    "大小上下新老龙凤石岩马牛黄青白红高平长金银松竹桥坝坪寨沙水营田花鸡羊"
)
PLACE_SECOND: tuple[str, ...] = tuple(
    "坝坪寨沟湾河山岩口场田冲关溪坡塘坎树林井洞庄屯堡阳头岭"
)

TOWNSHIP_SUFFIXES: tuple[str, ...] = ("镇", "乡")
VILLAGE_SUFFIX = "村"

# Mobile prefixes of the three carriers (13x, 15x, 18x).
PHONE_PREFIXES: tuple[str, ...] = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
    "150", "151", "152", "153", "155", "156", "157", "158", "159",
    "180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
)
