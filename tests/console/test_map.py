"""一张图 in Chromium: the province's regions on the map with the read models' numbers, a click
on a region opens its counties, a county viewer sees only that county."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Callable

from hub.backends import backend_at
from hub.projections.regions import REGIONS
from hub.testing.province.places import CITIES, LONGGANG
from tests.console.conftest import ACCOUNTS, Demo, Served, Watched
from tests.console.helpers import (
    ROOT,
    only_loopback,
    ready,
    region_center,
    shot,
    sign_in,
    table_numbers,
)
from tests.processes import run_hub

ZHEJIANG_CITIES = [
    "330100", "330200", "330300", "330400", "330500", "330600",
    "330700", "330800", "330900", "331000", "331100",
]  # fmt: skip


def _records_by(demo: Demo, digits: int) -> Counter[str]:
    """Canonical records per region prefix (a city: 4 digits, a county: 6), from the read
    model the map must agree with."""
    views = backend_at(demo.data_dir, None).views()
    try:
        counts: Counter[str] = Counter()
        for code, _type, records, _versions in views.rows(REGIONS):
            counts[code[:digits]] += records
        return counts
    finally:
        views.close()


def test_the_map_shows_the_province_with_the_read_models_numbers_and_drills_down(
    demo: Demo, hub_api: Served, watched: Callable[..., Watched]
) -> None:
    seen = watched()
    page = seen.page
    name = "ops"
    sign_in(page, hub_api.url, name, ACCOUNTS[name][2])
    page.wait_for_selector("#map[data-ready='1']")
    assert page.get_attribute("#map", "data-parent") == "330000"
    assert page.get_attribute("#map", "data-regions").split(",") == ZHEJIANG_CITIES
    drawn = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('map')).getOption().series[0].data"
    )
    by_city = _records_by(demo, 4)
    shown = table_numbers(page, "#regions", "records")
    assert {c: int(v) for c, v in shown.items() if c.isdigit()} == {
        c: by_city.get(c[:4], 0) for c in ZHEJIANG_CITIES
    }
    assert {d["name"]: d["value"] for d in drawn} == {
        c: by_city.get(c[:4], 0) for c in ZHEJIANG_CITIES
    }
    status = json.loads(run_hub(demo.env, "status", "--json").stdout)
    total = page.inner_text("#regions-total td[data-measure='records']")
    assert int(total) == status["canonical_records"] >= demo.summary["canonical_records"]
    shot(page, "map")
    shutil.copy(
        ROOT / "test-artifacts" / "console" / "map.png",
        ROOT / "docs" / "images" / "console-map.png",
    )

    # a click on 温州市 on the map opens its counties, 龙港市 (created 2019) among them
    page.mouse.click(*region_center(page, "330300"))
    page.wait_for_selector("#map[data-parent='330300'][data-ready='1']")
    counties = page.get_attribute("#map", "data-regions").split(",")
    wenzhou = next(c for c in CITIES if c[0] == "330300")
    assert {code for code, _n, _a in wenzhou[5]} <= set(counties) and LONGGANG in counties
    by_county = _records_by(demo, 6)
    shown = table_numbers(page, "#regions", "records")
    assert {c: int(v) for c, v in shown.items() if c.isdigit()} == {
        c: by_county.get(c, 0) for c in counties
    }
    assert int(page.inner_text("#regions-total td[data-measure='records']")) == by_city["3303"]
    shot(page, "map-wenzhou")
    page.click("#up")
    page.wait_for_selector("#map[data-parent='330000'][data-ready='1']")
    only_loopback(seen.requests)
    assert not seen.errors, seen.errors


def test_a_county_viewer_sees_only_that_county(
    demo: Demo, hub_api: Served, watched: Callable[..., Watched]
) -> None:
    seen = watched()
    page = seen.page
    sign_in(page, hub_api.url, "longgang", ACCOUNTS["longgang"][2])
    page.wait_for_selector("#map[data-ready='1']")
    assert page.get_attribute("#map", "data-regions") == LONGGANG
    shown = table_numbers(page, "#regions", "records")
    assert list(shown) == [LONGGANG]
    assert int(shown[LONGGANG]) == _records_by(demo, 6)[LONGGANG]
    assert page.locator("#regions tr.remainder").count() == 0
    shot(page, "map-viewer")
    # the table and the map hold nothing of another county, even by name
    assert "鹿城区" not in page.inner_text("main") and "瑞安市" not in page.inner_text("main")
    page.goto(hub_api.url + "/status")
    page.wait_for_selector("body[data-ready]")
    assert page.get_attribute("body", "data-ready") == "error"  # a viewer gets no status (403)
    only_loopback(seen.requests)
    assert not seen.errors, seen.errors


def test_english_map(hub_api: Served, watched: Callable[..., Watched]) -> None:
    seen = watched(lang="en")
    page = seen.page
    sign_in(page, hub_api.url, "audit", ACCOUNTS["audit"][2])
    page.wait_for_selector("#map[data-ready='1']")
    assert "Records" in page.inner_text("#regions thead")
    page.select_option("#measure", "rejections")
    page.wait_for_selector("#regions th.chosen:text-is('Rejections')")
    ready(page)
    only_loopback(seen.requests)
