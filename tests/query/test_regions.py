"""The 一张图's numbers (hub.query.regions) against the hub's own accounts of the same facts:
``hub status`` for the totals, the event history itself (not the read models the measures come
from) for every region's row; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.events.streams import DELIVERIES, RECORDS, VERDICTS
from hub.query.regions import (
    MEASURES,
    RegionError,
    child_of,
    home_region,
    level_of,
    region_measures,
    region_totals,
)
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.testing.harness import EmbeddedHarness
from hub.testing.sources import CITY, COUNTY, OTHER_COUNTY


@pytest.fixture(scope="module")
def hub(province: HubSettings) -> Iterator[EmbeddedHub]:
    with EmbeddedHub(province) as opened:
        yield opened


def _history(hub: EmbeddedHub, stream: str) -> Iterator[tuple[str, dict]]:  # type: ignore[type-arg]
    for stored in hub.store.scan(stream):
        event = hub.codec.decode_event(stream, stored.position, stored.body)
        yield event.event.event_type, event.payload


def _expected(hub: EmbeddedHub, parent: str) -> dict[str, Counter[str]]:
    """Each measure per child of ``parent``, counted from the history."""
    regions = {s.source_id: s.region_code for s in hub.store.sources()}
    out: dict[str, Counter[str]] = {m: Counter() for m in ("records", "rejections", "duplicates")}
    out |= {"national": Counter(), "hazards": Counter(), "open": Counter()}
    latest: dict[str, tuple[int, str | None, str, bool]] = {}
    for _, p in _history(hub, RECORDS):
        child = child_of(parent, p["region_code"] or "")
        if p["version"] == 1 and child:
            out["records"][child] += 1
        if p["record_type"] == "hazard":
            _, typed = hub.codec.decode(p["content"])
            if p["record_id"] not in latest or latest[p["record_id"]][0] < p["version"]:
                latest[p["record_id"]] = (p["version"], child, typed["status"], p["retracted"])
    for _, child, status, retracted in latest.values():
        if child and not retracted:
            out["hazards"][child] += 1
            out["open"][child] += status != "4"
    for _, p in _history(hub, VERDICTS):
        child = child_of(parent, regions[p["source_id"]])
        if child and p["outcome"] == "rejected":
            out["rejections"][child] += 1
        if child and p["outcome"] == "duplicate":
            out["duplicates"][child] += 1
    for event_type, p in _history(hub, DELIVERIES):
        child = child_of(parent, regions[p["source_id"]])
        if child and event_type == "delivery.rejected":
            out["national"][child] += 1
    return out


def test_the_country_adds_up_to_hub_status(hub: EmbeddedHub) -> None:
    status = hub.status()
    totals = region_totals(hub.views, hub.store, None, standard_root=hub.standard.root)
    area = totals.area
    assert area.records == status["canonical_records"] > 0
    assert area.rejections == status["rejected"] > 0
    assert area.duplicates_avoided == status["duplicate"] > 0
    assert area.national_rejections == status["deliveries"]["rejected"] > 0
    assert [r.code for r in totals.children if r.records] == ["330000"]
    assert len(totals.children) == 34 - 3 + 3  # every province in the table, zero rows too


@pytest.mark.parametrize("parent", ["330000", "330100", "330700"])
def test_every_row_is_what_the_history_says(hub: EmbeddedHub, parent: str) -> None:
    totals = region_totals(hub.views, hub.store, parent, standard_root=hub.standard.root)
    expected = _expected(hub, parent)
    got = {r.code: r for r in totals.children}
    for code, row in got.items():
        assert row.level == ("city" if parent == "330000" else "county")
        assert row.records == expected["records"][code], code
        assert row.rejections == expected["rejections"][code], code
        assert row.duplicates_avoided == expected["duplicates"][code], code
        assert row.national_rejections == expected["national"][code], code
        assert row.hazards == expected["hazards"][code], code
        assert row.hazards_open == expected["open"][code], code
    own = totals.own
    assert own.records == expected["records"][parent]
    assert own.rejections + sum(r.rejections for r in got.values()) == totals.area.rejections
    # the demo province's children are on the map, named from the standard's region table
    with_data = {code for code, n in expected["records"].items() if code != parent and n}
    assert with_data and with_data <= set(got)


def test_names_and_the_whole_province_come_from_the_region_table(hub: EmbeddedHub) -> None:
    cities = region_measures(hub.views, hub.store, "330000", standard_root=hub.standard.root)
    names = {r.code: r.name for r in cities}
    assert names["330100"] == "杭州市" and names["330700"] == "金华市"
    assert names["331100"] == "丽水市"  # no data there, still on the map
    assert len(cities) == 11
    counties = region_measures(hub.views, hub.store, "330100", standard_root=hub.standard.root)
    assert {r.code: r.name for r in counties}["330106"] == "西湖区"
    assert "330103" not in {r.code for r in counties}  # 下城区, retired in 2021


def test_the_hubs_home_is_the_province_of_its_sources(hub: EmbeddedHub) -> None:
    assert home_region(hub.store) == "330000"
    assert home_region(hub.store, "330100") == "330100"


def test_measures_have_labels_in_both_languages() -> None:
    names = [m.name for m in MEASURES]
    assert names == [
        "records",
        "rejections",
        "duplicates_avoided",
        "hazards_open",
        "rectification_rate",
        "national_rejections",
    ]
    assert all(m.zh and m.en and m.zh != m.en for m in MEASURES)


def test_codes_roll_up_by_their_trailing_zeros() -> None:
    assert [level_of(c) for c in ("330000", "330100", "330106")] == ["province", "city", "county"]
    assert child_of(None, "330106") == "330000"
    assert child_of("330000", "330106") == "330100"
    assert child_of("330000", "330000") == "330000"  # the parent's own level
    assert child_of("330100", "330106") == "330106"
    assert child_of("330100", "330206") is None  # another city
    assert child_of("330000", "(none)") is None


def test_a_county_has_no_children_and_a_bad_code_is_refused(hub: EmbeddedHub) -> None:
    county = region_totals(hub.views, hub.store, "330106")
    assert county.children == []
    assert county.own.records == county.area.records > 0
    with pytest.raises(RegionError) as bad:
        region_totals(hub.views, hub.store, "33A100")
    assert bad.value.message_zh.startswith("'33A100' 不是六位行政区划代码")
    assert "GB/T 2260" in bad.value.message_en


def test_rectification_rate_counts_closed_hazards_and_completed_rectifications(
    tmp_path: Path, example: object
) -> None:
    make = example  # the type's example record, a fresh copy each call
    harness = EmbeddedHarness(tmp_path / "hub")
    try:
        harness.register(COUNTY, OTHER_COUNTY, CITY)
        region = COUNTY.region_code
        hazards = []
        for no, status in (("YH-1", "1"), ("YH-2", "2"), ("YH-3", "4")):
            hazard = make("hazard")  # type: ignore[operator]
            hazard.update(hazard_no=no, status=status, region_code=region)
            hazards.append(hazard)
        fixed = make("rectification")  # type: ignore[operator]
        fixed.update(hazard_no="YH-1", result="3")
        harness.submit(COUNTY.source_id, "hazard", hazards)
        harness.submit(COUNTY.source_id, "rectification", [fixed])
        harness.run()
        hub = harness.hub
        counties = region_measures(hub.views, hub.store, CITY.region_code)
        (row,) = [r for r in counties if r.code == region]
        assert (row.hazards, row.hazards_open, row.hazards_rectified) == (3, 2, 2)
        assert row.rectification_rate == pytest.approx(2 / 3, abs=1e-4)
        assert row.records == 3  # a rectification has no region code of its own
    finally:
        harness.close()
