"""One run's state: the seed's random stream, the working-time clock, and what was sent so far.

Every drafting module reads and extends the same pools (registered entities by county, inspections
waiting for their penalty, failed reports waiting for their hazard, open cases), so they share one
``State`` rather than each keeping its own; the draws from ``rng`` happen in one fixed order, which
is what makes a seed reproduce its stream exactly.
"""

from __future__ import annotations

import datetime as dt
import random

from hub.testing.factories import make_resident_id, make_uscc
from hub.testing.province.clock import DAY, START, at, index
from hub.testing.province.places import ID_AREAS, ROADS, person
from hub.testing.province.records import Draft, Rec, Site
from hub.testing.province.sources import Source, World

__all__ = ["State"]

# prefix of each record type's source_record_id
_TAGS = {
    "supervised_entity": "SCZT",
    "inspection": "JCXW",
    "penalty": "CFXW",
    "lightning_report": "FLBG",
    "hazard": "FLYH",
}


class State:
    """The world, the random stream, the clock (``sec``) and the pools later submissions draw on."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.world = World()
        self.sec = index(START) * DAY  # working seconds since 2 Dec 2024
        counties = self.world.counties
        self.entities: dict[str, list[Rec]] = {c: [] for c in counties}
        self.sites: dict[str, list[Site]] = {c: [] for c in counties}
        self.usccs: set[str] = {s.agency_code for s in self.world.sources}
        self.usccs.update(c.code for c in self.world.companies)
        self.inspection_keys: set[tuple[str, str, dt.date, str]] = set()
        self.recs: list[Rec] = []
        self.multi: list[Rec] = []  # records with two or more versions
        self.dup_pool: list[tuple[Rec, int, Source]] = []
        self.pending_penalties: list[Rec] = []
        self.pending_hazards: list[Rec] = []
        self.open: list[Rec] = []  # penalties and hazards not closed yet
        self.corrections: list[tuple[Draft, int]] = []

    @property
    def now(self) -> dt.datetime:
        """The moment of the submission being made."""
        return at(self.sec)

    def local_id(self, source: Source, type_id: str) -> str:
        """The next ``source_record_id`` in ``source``'s own numbering."""
        source.seq += 1
        return f"{_TAGS[type_id]}{source.spec.region_code}{source.seq:07d}"

    def id_for(self, rec: Rec, source: Source) -> str:
        """The id ``source`` gives ``rec``: each level numbers a record once, then keeps it."""
        sid = source.spec.source_id
        if sid not in rec.ids:
            rec.ids[sid] = self.local_id(source, rec.type_id)
        return rec.ids[sid]

    def new_uscc(self, region: str, authority: str = "9", kind: str = "1") -> str:
        """A USCC no one in the province holds yet."""
        while True:
            code = make_uscc(region, self.rng, authority=authority, kind=kind)
            if code not in self.usccs:
                self.usccs.add(code)
                return code

    def address(self, county: str) -> str:
        name, city = self.world.counties[county]
        road = self.rng.choice(ROADS)
        return f"{self.world.cities[city][0]}{name}{road}{self.rng.randint(1, 999)}号"

    def phone(self, county: str) -> str:
        rng = self.rng
        if rng.random() < 0.7:
            return f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"
        area = self.world.cities[self.world.counties[county][1]][2]
        return f"{area}-{rng.choice('5678')}{rng.randrange(10**7):07d}"

    def resident(self, county: str) -> tuple[str, str]:
        rng = self.rng
        born = dt.date(1958, 1, 1) + dt.timedelta(days=rng.randrange(42 * 365))
        area = county if rng.random() < 0.6 else rng.choice(ID_AREAS)
        return person(rng), make_resident_id(area, born, rng.randrange(1, 1000))
