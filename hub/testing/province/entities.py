"""Supervised entities: the companies, sole traders and co-operatives a market bureau registers.

Every inspection of a company names an entity registered earlier in the same county, so entities
come first and are remembered by county (``State.entities``); the trade drawn here fixes the
entity's domain of supervision for the rest of its life. Registration follows the bureau that
sends the record: a county bureau registers in its county, a city bureau under the city's code
(``91330100…``) for an entity located in one of its counties.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.testing.province.clock import ts
from hub.testing.province.domains import TRADE_WEIGHTS, TRADES
from hub.testing.province.places import BRANDS, LONGGANG, SURNAMES
from hub.testing.province.records import Draft, Rec, money
from hub.testing.province.sources import Source
from hub.testing.province.state import State

__all__ = ["draft_entity"]


def draft_entity(state: State, source: Source) -> Draft:
    """A newly registered entity sent by ``source`` (a county or city market bureau)."""
    rng = state.rng
    if source.spec.level == "county":
        county = registered = source.spec.region_code
    else:
        county = rng.choice(state.world.cities[source.spec.region_code][3])
        registered = source.spec.region_code
    county_name, city = state.world.counties[county]
    short = state.world.cities[city][1]
    trade, domain, scope, _ = rng.choices(TRADES, TRADE_WEIGHTS)[0]
    brand = rng.choice(BRANDS)
    district = county_name.endswith("区")
    r = rng.random()
    if r < 0.74:  # 杭州晨曦餐饮管理有限公司, 慈溪市恒达食品有限公司
        kind, entity_type = "1", "02" if rng.random() < 0.05 else "01"
        firm = f"{short if district else county_name}{brand}{trade}"
        name = f"{firm}{'股份' if entity_type == '02' else ''}有限公司"
    elif r < 0.95:  # 杭州市西湖区王记小吃店, 义乌市陈记商行
        kind, entity_type = "2", "08"
        shop = {"餐饮管理": "小吃店", "食品": "食品店", "医药连锁": "药店", "眼镜": "眼镜店"}
        place = state.world.cities[city][0] + county_name if district else county_name
        name = f"{place}{rng.choice(SURNAMES)}记{shop.get(trade, '商行')}"
    else:
        kind, entity_type, domain = "3", "09", "food"
        place = state.world.cities[city][0] + county_name if district else county_name
        name = f"{place}{brand}{rng.choice(('茶叶', '果蔬', '粮油'))}专业合作社"
        scope = "组织收购、销售成员种植的农产品；开展与农业生产经营有关的技术培训。"
    uscc = state.new_uscc(registered, kind=kind)
    since = dt.date(2020, 1, 1) if LONGGANG in (county, registered) else dt.date(2015, 3, 1)
    latest = state.now.date() - dt.timedelta(days=30)
    established = since + dt.timedelta(days=rng.randrange((latest - since).days))
    representative, rep_id = state.resident(county)
    address = state.address(county)
    registrar = state.world.market[county] if registered == county else source
    record: dict[str, Any] = {
        "uscc": uscc,
        "name": name,
        "region_code": county,
        "entity_type": entity_type,
        "legal_representative": representative,
        "legal_rep_id_number": rep_id,
    }
    if entity_type != "08":
        record["registered_capital"] = money(
            rng.choice((10, 30, 50, 100, 200, 300, 500, 1000, 2000, 5000))
        )
    record |= {
        "registered_address": address,
        "business_address": address if rng.random() < 0.7 else state.address(county),
        "business_scope": scope,
        "establishment_date": established.isoformat(),
        "registration_authority": registrar.spec.department,
        "status": "1",
        "contact_phone": state.phone(county),
        "source_record_id": state.local_id(source, "supervised_entity"),
        "updated_at": ts(state.now),
    }

    def commit(rec: Rec) -> None:
        state.entities[county].append(rec)

    return Draft("supervised_entity", source, record, county, {"domain": domain}, commit)
