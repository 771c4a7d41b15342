"""Realistic synthetic inspection records for benchmarks, demos and tests.

Deterministic for a seed. Records look like a province's real traffic: a few dozen implementing
agencies and supervision items repeat across thousands of counterparties; a share of records
carries the defects sources really send (bad check characters, retired region codes, sloppy
formatting, dates out of order).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from hub.testing.factories import make_resident_id, make_uscc

__all__ = ["GUANGDONG_COUNTIES", "inspections"]

#: Counties of Guangzhou and Shenzhen with their GB/T 2260 codes (in use in 2025).
GUANGDONG_COUNTIES = {
    "440103": "荔湾区",
    "440104": "越秀区",
    "440105": "海珠区",
    "440106": "天河区",
    "440111": "白云区",
    "440112": "黄埔区",
    "440113": "番禺区",
    "440114": "花都区",
    "440303": "罗湖区",
    "440304": "福田区",
    "440305": "南山区",
    "440306": "宝安区",
}
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
_TRADES = ("餐饮管理", "食品销售", "药品零售", "建材贸易", "电器商行", "五金加工", "物业服务")


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))


def _break(record: dict[str, Any], rng: random.Random) -> None:
    """One realistic defect."""
    kind = rng.randrange(6)
    if kind == 0:
        code = record["counterparty_id"]
        record["counterparty_id"] = code[:-1] + ("0" if code[-1] != "0" else "1")
    elif kind == 1:
        record["region_code"] = "371202"  # 莱城区, retired 2018
    elif kind == 2:
        record["item_code"] = record["item_code"][:-1]
    elif kind == 3:
        record["submitted_at"] = "2024-01-01T00:00:00+08:00"
    elif kind == 4:
        record.pop("inspection_result")
    else:
        record["object_type"] = "99"


def inspections(n: int, seed: int = 1, invalid_rate: float = 0.05) -> Iterator[dict[str, Any]]:
    """``n`` inspection records as sources send them (JSON-ready values)."""
    rng = random.Random(seed)
    counties = list(GUANGDONG_COUNTIES)
    agencies = [(county, make_uscc(county, rng, authority="1", kind="1")) for county in counties]
    items = [f"4444{rng.randrange(10**10):010d}" for _ in range(60)]
    entities = [
        (rng.choice(counties), make_uscc(rng.choice(counties), rng), rng.choice(_TRADES))
        for _ in range(5000)
    ]
    officers = [(_name(rng), f"4401{rng.randrange(10**10):010d}") for _ in range(200)]
    start = dt.datetime(2025, 1, 1, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    for i in range(n):
        county, agency = rng.choice(agencies)
        entity_county, uscc, trade = rng.choice(entities)
        when = start + dt.timedelta(minutes=rng.randrange(300 * 24 * 60))
        submitted = when + dt.timedelta(hours=rng.randint(1, 72))
        pair = rng.sample(officers, 2)
        person = rng.random() < 0.1
        county_name = GUANGDONG_COUNTIES[entity_county]
        name = f"广州市{county_name}{_name(rng)}{trade}有限公司"
        record: dict[str, Any] = {
            "item_code": rng.choice(items),
            "impl_list_code": f"{agency}{rng.randint(1, 5)}{rng.randrange(10**5):05d}",
            "action_name": f"{when.year}年{GUANGDONG_COUNTIES[county]}双随机抽查",
            "action_no": f"JC{county}{when:%Y%m%d}{i % 100000:05d}",
            "implementing_agency": f"{GUANGDONG_COUNTIES[county]}市场监督管理局",
            "implementing_agency_code": agency,
            "object_type": "2" if person else "1",
            "supervised_object": name,
            "counterparty_name": _name(rng) if person else name,
            "counterparty_nature": "2" if person else "1",
            "counterparty_id_type": "111" if person else "001",
            "counterparty_id": make_resident_id(
                entity_county,
                dt.date(1960 + rng.randrange(40), 1 + rng.randrange(12), 1 + rng.randrange(28)),
                rng.randrange(1000),
            )
            if person
            else uscc,
            "business_address": f"广州市{county_name}某路{rng.randint(1, 999)}号",
            "region_code": entity_county,
            "inspection_form": "1",
            "inspection_category": "1",
            "inspection_method": "1",
            "inspection_result": rng.choice(("1", "2", "3")),
            "inspection_time": when.isoformat(),
            "inspectors": [p[0] for p in pair],
            "inspector_cert_nos": [p[1] for p in pair],
            "submitted_at": submitted.isoformat(),
            "submitter": pair[0][0],
            "source_record_id": f"JCXW-{county}-{i:08d}",
            "updated_at": submitted.isoformat(),
        }
        if rng.random() < 0.1:
            record["implementing_agency_code"] = " " + agency.lower()  # sloppy, normalised
        if rng.random() < invalid_rate:
            _break(record, rng)
        yield record
