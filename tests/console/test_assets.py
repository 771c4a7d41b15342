"""The console's assets are in the package, small, and what their READMEs say they are."""

from __future__ import annotations

import hashlib
import json
import re

from hub.console import STATIC
from hub.console.boundaries import simplify_ring, tianditu_code
from hub.testing.province.places import CITIES, LONGGANG

BOUNDARIES = STATIC / "boundaries"


def _codes(name: str) -> dict[str, str]:
    collection = json.loads((BOUNDARIES / name).read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    return {
        f["properties"]["adcode"]: f["properties"]["name"]
        for f in collection["features"]
        if f["properties"]["adcode"]
    }


def test_the_demo_province_has_every_city_and_county_by_its_code() -> None:
    cities = _codes("330000.json")
    assert len(cities) == 11  # all of Zhejiang's prefecture-level cities
    for code, name, *_rest, counties in CITIES:
        assert cities[code] == name
        in_city = _codes(f"{code}.json")
        for county, county_name, _abbr in counties:
            assert in_city[county] == county_name, county
    assert _codes("330300.json")[LONGGANG] == "龙港市"  # created in 2019
    assert sum(len(_codes(f"{c}.json")) for c in cities) == 90


def test_the_country_has_its_provinces_and_boundary_lines() -> None:
    collection = json.loads((BOUNDARIES / "100000.json").read_text(encoding="utf-8"))
    codes = [f["properties"]["adcode"] for f in collection["features"]]
    provinces = [c for c in codes if c]
    assert len(provinces) == 34 and len(set(provinces)) == 34
    assert {"110000", "330000", "650000", "710000", "810000", "820000"} <= set(provinces)
    lines = [f for f in collection["features"] if not f["properties"]["adcode"]]
    assert lines and all(f["geometry"]["type"] == "MultiLineString" for f in lines)


def test_the_files_are_small_and_match_their_readme() -> None:
    readme = (BOUNDARIES / "README.md").read_text(encoding="utf-8")
    files = sorted(BOUNDARIES.glob("*.json"))
    assert len(files) == 13  # the country, the province, its 11 cities: nothing else
    assert sum(f.stat().st_size for f in files) < 500_000
    for f in files:
        assert hashlib.sha256(f.read_bytes()).hexdigest() in readme, f.name
    echarts = STATIC / "vendor" / "echarts"
    digest = hashlib.sha256((echarts / "echarts.min.js").read_bytes()).hexdigest()
    vendor_readme = (echarts / "README.md").read_text(encoding="utf-8")
    assert digest in vendor_readme and "Apache-2.0" in vendor_readme
    assert (echarts / "LICENSE").exists() and (echarts / "NOTICE").exists()
    assert "Apache License" in (echarts / "LICENSE").read_text(encoding="utf-8")


def test_no_asset_names_an_address_outside_the_hub() -> None:
    """Nothing the pages load refers to a CDN or any host (ECharts' licence header aside)."""
    for path in [*STATIC.glob("js/*.js"), *STATIC.glob("css/*.css")]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"https?://|//cdn|@import", text), path.name


def test_tianditu_codes_and_simplification() -> None:
    assert tianditu_code("156330383") == "330383"
    assert tianditu_code("") is None and tianditu_code("330383") is None
    square = [(0.0, 0.0), (0.5, 0.001), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)]
    assert simplify_ring(square, 0.01) == [
        (0.0, 0.0),
        (1.0, 0.0),
        (1.0, 1.0),
        (0.0, 1.0),
        (0.0, 0.0),
    ]
    assert simplify_ring(square, 0.0001) == square


def test_boundary_files_keep_the_province_and_key_by_code() -> None:
    from hub.console.boundaries import boundary_files

    def square(x: float, y: float) -> dict[str, object]:
        ring = [[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]
        return {"type": "MultiPolygon", "coordinates": [[ring]]}

    def fc(*features: tuple[str, str, float]) -> dict[str, object]:
        return {
            "features": [
                {"properties": {"name": n, "gb": gb}, "geometry": square(x, 0)}
                for n, gb, x in features
            ]
        }

    files = boundary_files(
        fc(("浙江省", "156330000", 0), ("江苏省", "156320000", 5)),
        fc(("温州市", "156330300", 0), ("苏州市", "156320500", 5)),
        fc(("龙港市", "156330383", 0), ("鹿城区", "156330302", 1), ("姑苏区", "156320508", 5)),
        "330000",
    )
    assert sorted(files) == ["100000.json", "330000.json", "330300.json"]
    props = [f["properties"] for f in files["330300.json"]["features"]]
    assert props == [
        {"adcode": "330302", "name": "鹿城区", "parent": "330300"},
        {"adcode": "330383", "name": "龙港市", "parent": "330300"},
    ]
    assert [f["properties"]["adcode"] for f in files["100000.json"]["features"]] == [
        "320000",
        "330000",
    ]
