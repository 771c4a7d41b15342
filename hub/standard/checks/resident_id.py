"""公民身份号码 (resident ID number), GB 11643-1999, and the old 15-digit form (GB 11643-1989).

The value is personal data: findings never carry it, nor any part of it (not even the expected
check character, which together with the rest would reconstruct a valid number).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from operator import mul

from hub.standard.checks import Finding

__all__ = ["check_resident_id", "resident_id_check_char"]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def resident_id_check_char(body: str) -> str:
    """Check character of the first 17 digits of an 18-character ID number."""
    if len(body) != len(_WEIGHTS):
        raise ValueError(f"an ID number body has {len(_WEIGHTS)} digits, not {len(body)}")
    # map, not a generator: this runs for every new ID number
    return _CHECK[sum(map(mul, map(int, body), _WEIGHTS)) % 11]


def _valid_date(text: str) -> bool:
    try:
        born = dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return False
    return born.year >= 1880


def check_resident_id(value: str, region_known: Callable[[str], bool]) -> tuple[Finding, ...]:
    """Check a normalised resident ID number (upper-case ``X``).

    ``region_known`` answers whether the 6-digit address code ever existed: the code is the one in
    force when the number was issued, and it stays on the card after the division is abolished.
    """
    if "*" in value:
        return (Finding("ID.MASKED"),)
    if len(value) == 15:
        if not value.isdigit():
            return (Finding("ID.FORMAT"),)
        if not _valid_date("19" + value[6:12]):
            return (Finding("ID.BIRTH_DATE"),)
        return (Finding("ID.LEGACY15"),)
    if len(value) != 18:
        return (Finding("ID.LENGTH", {"length": len(value)}),)
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return (Finding("ID.FORMAT"),)
    findings: list[Finding] = []
    if not region_known(value[:6]):
        findings.append(Finding("ID.REGION"))
    if not _valid_date(value[6:14]):
        findings.append(Finding("ID.BIRTH_DATE"))
    if value[17] != resident_id_check_char(value[:17]):
        findings.append(Finding("ID.CHECK"))
    return tuple(findings)
