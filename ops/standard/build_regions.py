"""Rebuild ``schemas/regions/gbt2260.csv`` from python-stdnum's ``stdnum/cn/loc.dat``.

Why a converter and not a runtime dependency: the hub's region table is part of the standard pack
(versioned, fingerprinted, replaceable by a bureau with the Ministry of Civil Affairs' newest list),
so it must be a plain data file in the pack, not code inside another library.

loc.dat lists each code once, with its names and the years each name was in use, e.g.
``  0110 county="[-1991]东郊区,[1992-]东丽区"``. A missing start year means "since the first
edition" (1980); a missing end year means "still in use".

Usage: python ops/standard/build_regions.py PATH/TO/loc.dat > schemas/regions/gbt2260.csv
"""

from __future__ import annotations

import csv
import re
import sys

PERIOD = re.compile(r"^\[(?P<start>\d{4})?-(?P<end>\d{4})?\](?P<name>.*)$")


def convert(lines: list[str]) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    province = ""
    for raw in lines:
        if not raw.strip() or raw.startswith("#"):
            continue
        if not raw.startswith(" "):
            province, rest = raw.split(" ", 1)
            continue
        suffix, rest = raw.strip().split(" ", 1)
        code = province + suffix
        value = rest.split("=", 1)[1].strip().strip('"')
        for part in value.split(","):
            match = PERIOD.match(part)
            if match:
                rows.append((code, match["name"], match["start"] or "", match["end"] or ""))
            else:
                rows.append((code, part, "", ""))
    return rows


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        rows = convert(handle.readlines())
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(("code", "name", "valid_from", "valid_to"))
    writer.writerows(sorted(rows, key=lambda r: (r[0], r[2] or "0000")))


if __name__ == "__main__":
    main()
