"""Statistics by region for the 一张图 (the map): the children of a region with one row each.

Regions are GB/T 2260 codes rolled up by their trailing zeros: a national hub's map shows
provinces (``330000``), a province's shows its cities (``330100``), a city's its counties
(``330106``). :func:`region_measures` gives the children of ``parent`` (``None``: the hub's own
area, see :func:`home_region`) with these measures (:data:`MEASURES`):

- ``records``: canonical records whose ``region_code`` is in the child (``region_stats``);
- ``rejections``, ``duplicates_avoided``: verdicts ``rejected`` / ``duplicate`` of submissions by
  sources registered in the child (``source_outcomes`` × the source's region): who sends badly;
- ``national_rejections``: deliveries the national platform rejected, by the submitting source's
  region (the scorecards' ``source_days``);
- ``hazards``, ``hazards_open``, ``rectification_rate``: current hazard records (not retracted)
  in the child; open is every status but 已销号 (``4``); a hazard counts as rectified when its
  status is 已整改待复核 (``3``) or 已销号 (``4``), or a rectification of it (same ``hazard_no``
  and ``agency_code``) reports 已完成整改 (``3``). The rate is rectified / hazards, ``None``
  without hazards.

A county has no children: its numbers are all its own (:attr:`RegionTotals.own`). What is
counted at the parent's own level (a city's own bureau, records coded with the city's
code) or at no region at all belongs to no child: :func:`region_totals` gives those remainders,
so the children plus the remainders add up to the hub's totals (``hub status``). Pure readers.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from hub.errors import HubError
from hub.projections.ports import ViewStore
from hub.projections.provenance import PROVENANCE
from hub.projections.records import CURRENT
from hub.projections.regions import REGIONS, SOURCE_OUTCOMES
from hub.projections.scorecards import DAYS
from hub.storage.ports import Store

__all__ = [
    "MEASURES",
    "Level",
    "Measure",
    "RegionError",
    "RegionRow",
    "RegionTotals",
    "UnknownRegionError",
    "child_of",
    "home_region",
    "level_of",
    "region_measures",
    "region_names",
    "region_totals",
]

Level = Literal["country", "province", "city", "county"]

#: Buckets of :func:`region_totals` that are no child of the parent.
OWN = "own"
UNATTRIBUTED = "unattributed"

HAZARD = "hazard"
RECTIFICATION = "rectification"
HAZARD_CLOSED = "4"  # 已销号
HAZARD_RECTIFIED = frozenset({"3", "4"})  # 已整改待复核, 已销号
RECTIFICATION_DONE = "3"  # 已完成整改


class RegionError(HubError):
    """A region code that cannot be a parent on the map."""

    code = "REGION"

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en


class UnknownRegionError(RegionError):
    """A well-formed code that is not in the standard pack's region table."""

    code = "REGION.UNKNOWN"


@dataclass(frozen=True, slots=True)
class Measure:
    """A measure the map can be coloured by."""

    name: str
    zh: str
    en: str
    kind: Literal["count", "rate"] = "count"

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "zh": self.zh, "en": self.en, "kind": self.kind}


MEASURES: tuple[Measure, ...] = (
    Measure("records", "记录数", "Records"),
    Measure("rejections", "拒收数", "Rejections"),
    Measure("duplicates_avoided", "避免重复数", "Duplicates avoided"),
    Measure("hazards_open", "未销号隐患", "Hazards open"),
    Measure("rectification_rate", "整改率", "Rectification rate", "rate"),
    Measure("national_rejections", "国家平台退回数", "National rejections"),
)


@dataclass(slots=True)
class RegionRow:
    """One region's measures. ``name`` is ``None`` for a code the region table does not know."""

    code: str
    name: str | None
    level: Level
    records: int = 0
    rejections: int = 0
    duplicates_avoided: int = 0
    hazards: int = 0
    hazards_open: int = 0
    hazards_rectified: int = 0
    national_rejections: int = 0

    @property
    def rectification_rate(self) -> float | None:
        return round(self.hazards_rectified / self.hazards, 4) if self.hazards else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "records": self.records,
            "rejections": self.rejections,
            "duplicates_avoided": self.duplicates_avoided,
            "hazards": self.hazards,
            "hazards_open": self.hazards_open,
            "hazards_rectified": self.hazards_rectified,
            "rectification_rate": self.rectification_rate,
            "national_rejections": self.national_rejections,
        }


@dataclass(slots=True)
class RegionTotals:
    """The parent's own numbers: the whole area, and what no child holds."""

    area: RegionRow
    own: RegionRow  # counted at the parent's own level (its bureau, its own code)
    unattributed: RegionRow  # no region (records without a code, unregistered sources)
    children: list[RegionRow] = field(default_factory=list)


# -- the region tree ----------------------------------------------------------------------------


def level_of(code: str) -> Level:
    """``330000`` a province, ``330100`` a city, ``330106`` a county (by trailing zeros)."""
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def child_of(parent: str | None, code: str) -> str | None:
    """The child of ``parent`` that contains ``code`` (``None``: the country); ``parent`` itself
    when ``code`` is at the parent's own level, ``None`` when outside it."""
    if not _is_code(code):
        return None
    if parent is None:
        return code[:2] + "0000"
    level = level_of(parent)
    if level == "province":
        if code[:2] != parent[:2]:
            return None
        return parent if code[2:4] == "00" else code[:4] + "00"
    if level == "city":
        if code[:4] != parent[:4]:
            return None
        return parent if code[4:] == "00" else code
    return parent if code == parent else None


def _is_code(code: str | None) -> bool:
    # ASCII digits only: str.isdigit() takes full-width ones (３３０１００) too
    return code is not None and _CODE.fullmatch(code) is not None


_CODE = re.compile(r"[0-9]{6}")


@lru_cache(maxsize=4)
def _region_rows(path: Path) -> tuple[tuple[str, str, bool], ...]:
    """(code, latest name, in use now) of the standard pack's region table."""
    rows: dict[str, tuple[str, bool]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            rows[row["code"]] = (row["name"], not row["valid_to"])
    return tuple((code, name, current) for code, (name, current) in sorted(rows.items()))


def region_names(standard_root: Path) -> dict[str, str]:
    """Every code of the standard pack's GB/T 2260 table (``regions/gbt2260.csv``) → its latest
    name."""
    path = standard_root / "regions" / "gbt2260.csv"
    if not path.exists():
        return {}
    return {code: name for code, name, _ in _region_rows(path)}


def _children_in_table(standard_root: Path, parent: str | None) -> list[str]:
    path = standard_root / "regions" / "gbt2260.csv"
    if not path.exists():
        return []
    out = []
    for code, name, current in _region_rows(path):
        if not current or name in ("市辖区", "县", "省直辖县级行政区划"):
            continue
        if parent is None:
            if level_of(code) == "province":
                out.append(code)
        elif child_of(parent, code) == code and code != parent:
            out.append(code)
    return out


def home_region(store: Store, configured: str | None = None) -> str | None:
    """The hub's own area: ``configured`` (``HUB_REGION_CODE``) if set, else the province every
    registered source is in, else ``None`` (a national hub: its map shows provinces)."""
    if configured:
        return configured[:2] + "0000" if level_of(configured) == "province" else configured
    provinces = {s.region_code[:2] for s in store.sources() if _is_code(s.region_code)}
    return f"{provinces.pop()}0000" if len(provinces) == 1 else None


# -- the measures -------------------------------------------------------------------------------


def region_totals(
    views: ViewStore,
    store: Store,
    parent: str | None,
    *,
    standard_root: Path | None = None,
) -> RegionTotals:
    """The children of ``parent`` with their measures, and the parent's own remainders (see the
    module docstring). ``standard_root`` (a standard pack's folder) names the regions and lists
    the children that have no data yet (zero rows, so the map shows the whole area)."""
    if parent is not None and not _is_code(parent):
        raise RegionError(
            f"{parent[:20]!r} 不是六位行政区划代码（GB/T 2260）",
            f"{parent[:20]!r} is not a six-digit GB/T 2260 region code",
        )
    names = region_names(standard_root) if standard_root else {}
    if parent is not None and names and parent not in names:
        raise UnknownRegionError(
            f"{parent} 不在行政区划表中（GB/T 2260）",
            f"{parent} is not in the GB/T 2260 region table",
        )
    rows: dict[str, RegionRow] = {}

    def row(code: str) -> RegionRow:
        if code not in rows:
            rows[code] = RegionRow(code, names.get(code), _child_level(parent))
        return rows[code]

    for code in _children_in_table(standard_root, parent) if standard_root else ():
        row(code)
    own = RegionRow(parent or "000000", names.get(parent or ""), _level(parent))
    unattributed = RegionRow("", None, _child_level(parent))

    def bucket(code: str | None) -> RegionRow | None:
        """The child holding ``code``, ``own``, ``unattributed`` (no code), or ``None``
        (outside the parent)."""
        if not _is_code(code):
            return unattributed if parent is None else None
        assert code is not None
        child = child_of(parent, code)
        if child is None:
            return None
        return own if child == parent else row(child)

    for code, _type, records, _versions in views.rows(REGIONS):
        target = bucket(code)
        if target is not None:
            target.records += records
    sources = {s.source_id: s.region_code for s in store.sources()}
    for source_id, outcome, n in views.rows(SOURCE_OUTCOMES, where={"outcome": _OUTCOMES}):
        target = bucket(sources.get(source_id))
        if target is not None:
            if outcome == "rejected":
                target.rejections += n
            else:
                target.duplicates_avoided += n
    for source_id, n in _national_rejections(views):
        target = bucket(sources.get(source_id))
        if target is not None:
            target.national_rejections += n
    for region, rectified, open_ in _hazards(views):
        target = bucket(region)
        if target is not None:
            target.hazards += 1
            target.hazards_open += open_
            target.hazards_rectified += rectified
    children = [rows[c] for c in sorted(rows)]
    area = _sum(RegionRow(own.code, own.name, own.level), [*children, own])
    if parent is None:
        area = _sum(area, [unattributed])
    return RegionTotals(area, own, unattributed, children)


def region_measures(
    views: ViewStore,
    store: Store,
    parent: str | None,
    *,
    standard_root: Path | None = None,
) -> list[RegionRow]:
    """The children of ``parent`` (``None``: the whole country, whose children are provinces;
    pass :func:`home_region` for a provincial hub's map) with their measures, by code."""
    return region_totals(views, store, parent, standard_root=standard_root).children


_OUTCOMES = ("rejected", "duplicate")


def _level(code: str | None) -> Level:
    return "country" if code is None else level_of(code)


def _child_level(parent: str | None) -> Level:
    return {"country": "province", "province": "city", "city": "county"}.get(
        _level(parent), "county"
    )  # type: ignore[return-value]


def _sum(into: RegionRow, parts: Iterable[RegionRow]) -> RegionRow:
    for part in parts:
        into.records += part.records
        into.rejections += part.rejections
        into.duplicates_avoided += part.duplicates_avoided
        into.hazards += part.hazards
        into.hazards_open += part.hazards_open
        into.hazards_rectified += part.hazards_rectified
        into.national_rejections += part.national_rejections
    return into


def _national_rejections(views: ViewStore) -> list[tuple[str, int]]:
    """National rejections per submitting source: the scorecards' day table (small: a row per
    source and day), or, where that read model is not built yet, the provenance's delivery
    events."""
    counts: Counter[str] = Counter()
    if DAYS.name in views.tables():
        for source_id, n in views.rows(DAYS, columns=("source_id", "national_rejections")):
            counts[source_id] += n
        return list(counts.items())
    rejected = views.rows(
        PROVENANCE, columns=("source_id",), where={"event_type": ["delivery.rejected"]}
    )
    return list(Counter(r[0] for r in rejected).items())


def _hazards(views: ViewStore) -> list[tuple[str | None, int, int]]:
    """(region code, rectified 0/1, open 0/1) of every current hazard that is not retracted."""
    columns = ("record_type", "region_code", "content", "retracted")
    done: set[tuple[Any, Any]] = set()
    for _t, _r, content, retracted in views.rows(
        CURRENT, columns=columns, where={"record_type": [RECTIFICATION]}
    ):
        if not retracted and _get(content, "result") == RECTIFICATION_DONE:
            done.add((_get(content, "hazard_no"), _get(content, "agency_code")))
    out = []
    for _t, region, content, retracted in views.rows(
        CURRENT, columns=columns, where={"record_type": [HAZARD]}
    ):
        if retracted:
            continue
        status = _get(content, "status")
        key = (_get(content, "hazard_no"), _get(content, "agency_code"))
        rectified = status in HAZARD_RECTIFIED or key in done
        out.append((region, int(rectified), int(status != HAZARD_CLOSED)))
    return out


def _get(content: object, name: str) -> Any:
    return content.get(name) if isinstance(content, Mapping) else None
