"""The province on the map: its cities and counties, retired codes, and the names people use.

Everything here is fixed data (no randomness of its own) so that the world is the same for every
seed; only ``person`` draws, from the random stream it is given.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

__all__ = [
    "BRANDS",
    "CITIES",
    "GIVEN",
    "ID_AREAS",
    "LONGGANG",
    "QX_COUNTIES",
    "RETIRED_CODES",
    "ROADS",
    "SURNAMES",
    "person",
]

# city code, name, short name, doc-number abbreviation, telephone area code,
# counties (code, name, doc-number abbreviation); all in use in 2025
CITIES: tuple[tuple[str, str, str, str, str, tuple[tuple[str, str, str], ...]], ...] = (
    (
        "330100",
        "杭州市",
        "杭州",
        "杭",
        "0571",
        (("330106", "西湖区", "杭西"), ("330108", "滨江区", "杭滨"), ("330122", "桐庐县", "桐")),
    ),
    (
        "330200",
        "宁波市",
        "宁波",
        "甬",
        "0574",
        (("330203", "海曙区", "甬海"), ("330212", "鄞州区", "甬鄞"), ("330282", "慈溪市", "慈")),
    ),
    (
        "330300",
        "温州市",
        "温州",
        "温",
        "0577",
        (("330302", "鹿城区", "温鹿"), ("330381", "瑞安市", "瑞"), ("330383", "龙港市", "龙港")),
    ),
    (
        "330700",
        "金华市",
        "金华",
        "金",
        "0579",
        (("330702", "婺城区", "金婺"), ("330782", "义乌市", "义"), ("330783", "东阳市", "东")),
    ),
)
#: Retired codes of each city (a stale code table at the source): not in use in 2025.
RETIRED_CODES: Mapping[str, tuple[str, ...]] = {
    "330100": ("330103", "330104", "330185"),  # 下城区, 江干区 (-2021), 临安市 (-2017)
    "330200": ("330204", "330283"),  # 江东区, 奉化市 (-2016)
    "330300": ("330322",),  # 洞头县 (-2015)
    "330700": ("330721",),  # 金华县 (-2000)
}
# Counties with their own meteorological bureau; districts are served by the city's.
QX_COUNTIES = frozenset({"330122", "330282", "330381", "330383", "330782", "330783"})
# Address codes on resident ID cards: current counties and some codes since retired.
ID_AREAS = (
    *(c for city in CITIES for c, _, _ in city[5]),
    "330103",
    "330183",
    "330227",
    "330283",
    "330322",
    "330721",
)
LONGGANG = "330383"  # created in 2019: nothing registered there earlier


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志海燕晓慧斌鹏飞"
BRANDS = _words(
    "晨曦 恒达 华联 鑫源 瑞丰 金诚 永盛 博远 天成 宏图 海纳 新锐 嘉禾 佳美 锦程 润泽 德信 汇通"
    " 联创 明辉 安泰 正和 盛世 鼎盛 星辰 银河 东升 兴旺 和顺 百川 方圆 绿源 远航 卓越 凯达 同心"
)
ROADS = _words(
    "人民路 解放路 中山路 建设路 文化路 新华路 环城北路 学院路 工业大道 商贸街"
    " 振兴路 迎宾大道 府前路 江滨路 城东路 世纪大道 创业路 湖滨路 园区路 青年路"
)


def person(rng: random.Random) -> str:
    """A Chinese name: a surname and one or two given characters."""
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
