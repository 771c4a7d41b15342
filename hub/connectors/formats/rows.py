"""What the file readers yield (records as read, lines that could not be read) and how a
typed cell reads as text: below both the readers (``hub.connectors.formats.files``,
``hub.connectors.formats.excel``) and the field reading of the standard
(``hub.standard.reading``), so none of them imports another for these."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = ["HeaderHook", "Item", "Problem", "RawRecord", "cell_text"]

HeaderHook = Callable[[list[str]], None]


@dataclass(frozen=True, slots=True)
class RawRecord:
    """A record as read, before validation; ``lenient`` when its values are all strings (CSV)."""

    line: int
    data: Any
    lenient: bool = False
    raw: bytes = b""  # the line as received (JSON Lines); empty where rows are rebuilt (CSV, JSON)


@dataclass(frozen=True, slots=True)
class Problem:
    """A line that could not be read as a record: it gets a verdict with this rule."""

    line: int
    rule: str
    params: dict[str, Any]
    raw: bytes = b""  # the line as received (empty for an oversized line, which is not kept)


Item = RawRecord | Problem


def cell_text(value: Any) -> str:
    """A typed cell (Excel, a database column) as the text a CSV would hold: dates as ISO dates,
    date-times as ``YYYY-MM-DD HH:MM:SS``, whole floats without ``.0`` (Excel stores 5000 as
    5000.0), decimals in plain notation."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.tzinfo is None and value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list | dict):  # a database array or JSON column: read as a JSON array
        return json.dumps(value, ensure_ascii=False, default=cell_text)
    return str(value)
