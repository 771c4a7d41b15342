"""The submitting bureaus and the lightning-protection companies: the same world for every seed.

Zhejiang's market-regulation bureaus (province, four cities, three counties each) send entities,
inspections and penalties; its meteorological bureaus, which supervise lightning protection, send
lightning reports and hazards. Districts have no meteorological bureau of their own: the city's
serves them. The world is drawn from a fixed random stream, not the run's seed, so source ids,
agency codes, officers and companies are the same whatever the seed. It is still built afresh for
each run: sources and companies carry the run's counters (record, document and report numbers).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from hub.testing.factories import make_uscc
from hub.testing.province.model import (
    LIGHTNING_TYPES,
    MARKET_TYPES,
    PROVINCE_CODE,
    PROVINCE_NAME,
    SourceSpec,
)
from hub.testing.province.places import CITIES, QX_COUNTIES, person

__all__ = ["Company", "Source", "World"]


@dataclass(slots=True, eq=False)
class Source:
    """A bureau: its public spec, the organ's own code, its staff, and its running numbers."""

    spec: SourceSpec
    dept: str  # "scjg" | "qx"
    city: str | None  # the city's code, for city and county sources
    agency_code: str
    abbr: str
    parent: Source | None
    officers: list[tuple[str, str]]
    clerks: list[str]
    seq: int = 0
    doc_seq: int = 0
    action_seq: int = 0

    @property
    def ancestors(self) -> list[Source]:
        out: list[Source] = []
        up = self.parent
        while up is not None:
            out.append(up)
            up = up.parent
        return out


@dataclass(slots=True, eq=False)
class Company:
    """A lightning-protection testing company, with its qualification and report counter."""

    name: str
    abbr: str
    region: str
    qualification: str
    code: str
    cert_no: str
    expiry: dt.date
    staff: list[str]
    seq: int = 0


# name, ascii abbreviation, registration region, qualification, certificate issue year
_COMPANIES = (
    ("浙江安雷防雷检测有限公司", "ALJC", "330106", "A", 2022),
    ("杭州天衡防雷技术有限公司", "THFL", "330108", "A", 2023),
    ("宁波甬安雷电防护工程有限公司", "YALD", "330212", "B", 2021),
    ("温州瓯江防雷检测有限公司", "OJFL", "330302", "A", 2024),
    ("金华金盾防雷科技有限公司", "JDFL", "330702", "B", 2022),
    ("义乌市雷安检测技术有限公司", "LAJC", "330782", "B", 2023),
)


class World:
    """The province's sources (in the order ``Province.sources`` lists them) and companies."""

    def __init__(self) -> None:
        rng = random.Random("zhejiang-330000")
        self.sources: list[Source] = []
        self.market: dict[str, Source] = {}  # county code -> its market bureau
        self.weather: dict[str, Source] = {}  # county code -> the meteorological bureau serving it
        self.counties: dict[str, tuple[str, str]] = {}  # code -> (name, city code)
        # code -> (name, short name, telephone area code, county codes)
        self.cities: dict[str, tuple[str, str, str, tuple[str, ...]]] = {}
        province_m = self._source(rng, "province", PROVINCE_CODE, "scjg", None, None, "浙")
        province_q = self._source(rng, "province", PROVINCE_CODE, "qx", None, None, "浙")
        for code, name, short, abbr, _area, counties in CITIES:
            self.cities[code] = (name, short, _area, tuple(c for c, _, _ in counties))
            city_m = self._source(rng, "city", code, "scjg", code, province_m, abbr)
            city_q = self._source(rng, "city", code, "qx", code, province_q, abbr)
            for county, county_name, county_abbr in counties:
                self.counties[county] = (county_name, code)
                self.market[county] = self._source(
                    rng, "county", county, "scjg", code, city_m, county_abbr
                )
                self.weather[county] = (
                    self._source(rng, "county", county, "qx", code, city_q, county_abbr)
                    if county in QX_COUNTIES
                    else city_q
                )
        self.companies = [
            Company(
                name,
                abbr,
                region,
                qual,
                make_uscc(region, rng),
                f"浙雷检{'甲' if qual == 'A' else '乙'}{year}{rng.randrange(1, 60):03d}",
                dt.date(year + 5, rng.randint(1, 12), rng.randint(1, 28)),
                [person(rng) for _ in range(6)],
            )
            for name, abbr, region, qual, year in _COMPANIES
        ]

    def _source(
        self,
        rng: random.Random,
        level: str,
        region: str,
        dept: str,
        city: str | None,
        parent: Source | None,
        abbr: str,
    ) -> Source:
        if level == "province":
            place = PROVINCE_NAME
        elif level == "city":
            place = self.cities[region][0]
        else:
            county_name, city_code = self.counties[region]
            place = (
                self.cities[city_code][0] + county_name
                if county_name.endswith("区")
                else county_name
            )
        department = place + ("市场监督管理局" if dept == "scjg" else "气象局")
        spec = SourceSpec(
            source_id=f"zj-{region}-{dept}",
            level=level,
            region_code=region,
            department=department,
            record_types=MARKET_TYPES if dept == "scjg" else LIGHTNING_TYPES,
        )
        # market bureaus are administrative organs (11…), meteorological bureaus public
        # institutions (12…); both registered with the organisation-establishment authority
        code = make_uscc(region, rng, authority="1", kind="1" if dept == "scjg" else "2")
        officers = [
            (person(rng), f"{region}{rng.randint(15, 24):02d}{rng.randrange(10**6):06d}")
            for _ in range(10)
        ]
        source = Source(
            spec, dept, city, code, abbr, parent, officers, [person(rng) for _ in range(3)]
        )
        self.sources.append(source)
        return source
