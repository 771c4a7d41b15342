"""GB/T 2260 region codes as a time-versioned table.

Region codes are retired, never reused, and a USCC or ID number keeps the code of the year it was
issued; so a code is judged against *when*: a record's county must exist on the record's business
date, a USCC's registering authority must have existed while USCCs were issued, and an ID number's
address code must have existed at some time. Ranges (``xx0000`` ...) are never used to decide.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hub.errors import StandardError

__all__ = ["Period", "RegionTable"]

FIRST_EDITION = 1980
OPEN_END = 9999


@dataclass(frozen=True, slots=True)
class Period:
    """Years (inclusive) in which a code was in use under one name."""

    name: str
    valid_from: int
    valid_to: int


class RegionTable:
    """Lookup of region codes with the years each was in use."""

    def __init__(self, rows: Iterable[tuple[str, Period]]) -> None:
        periods: dict[str, list[Period]] = {}
        for code, period in rows:
            periods.setdefault(code, []).append(period)
        self._periods = {code: tuple(p) for code, p in periods.items()}

    @classmethod
    def from_csv(cls, path: Path) -> RegionTable:
        """Load ``code,name,valid_from,valid_to`` (years; empty = open)."""
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                reader = csv.DictReader(handle)
                rows = [
                    (
                        row["code"],
                        Period(
                            row["name"],
                            int(row["valid_from"] or FIRST_EDITION),
                            int(row["valid_to"] or OPEN_END),
                        ),
                    )
                    for row in reader
                ]
        except (OSError, KeyError, ValueError) as exc:
            raise StandardError(f"region table {path.name} is unreadable: {exc}") from exc
        if not rows:
            raise StandardError(f"region table {path.name} is empty")
        return cls(rows)

    def __len__(self) -> int:
        return len(self._periods)

    def periods(self, code: str) -> tuple[Period, ...]:
        """Every period the code was in use; empty when it never existed."""
        return self._periods.get(code, ())

    def known(self, code: str) -> bool:
        """The code existed at some time."""
        return code in self._periods

    def in_use(self, code: str, year: int) -> bool:
        """The code was in use in ``year``."""
        return any(p.valid_from <= year <= p.valid_to for p in self._periods.get(code, ()))

    def in_use_since(self, code: str, year: int) -> bool:
        """The code was in use in ``year`` or later."""
        return any(p.valid_to >= year for p in self._periods.get(code, ()))

    def name(self, code: str, year: int | None = None) -> str | None:
        """The code's name in ``year`` (or its latest name)."""
        periods = self._periods.get(code, ())
        if year is not None:
            periods = tuple(p for p in periods if p.valid_from <= year <= p.valid_to)
        return periods[-1].name if periods else None

    def codes_named(self, name: str, year: int | None = None) -> tuple[str, ...]:
        """The codes that carried ``name`` (in ``year``, or at any time), for reading a region
        written as a name; several when the name is not unique (西湖区 in 杭州 and 南昌)."""
        return tuple(
            code
            for code, periods in self._periods.items()
            if any(
                p.name == name and (year is None or p.valid_from <= year <= p.valid_to)
                for p in periods
            )
        )
