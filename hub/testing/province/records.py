"""What a run remembers of the real world it simulates: records with their versions, drafts, sites.

A ``Rec`` is the truth behind the stream: each version as its owner would send it, clean. Later
submissions are derived from it (a duplicate re-sends the current version, an update adds one, a
stale update rewrites the previous one), so each kind's promise holds by construction. A ``Draft``
is a record not yet sent: an ``invalid`` submission sends a broken copy and may keep the draft to
send it corrected later, so a record is committed only when a valid version is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hub.testing.province.sources import Source

__all__ = ["META", "Draft", "Rec", "Site", "closed", "content", "money"]

#: Fields about the sending, not the record: they may differ between copies of one version.
META = frozenset({"source_record_id", "updated_at", "submitted_at", "submitter"})


@dataclass(slots=True, eq=False)
class Site:
    """A site under lightning protection: reports and hazards of one site name the same unit."""

    kind: str
    unit_name: str
    unit_uscc: str
    site_name: str
    address: str
    klass: str
    key: str | None
    county: str
    reports: int = 0


@dataclass(slots=True, eq=False)
class Rec:
    """A real-world record: its versions (clean, as the owner would send them)."""

    type_id: str
    owner: Source
    region: str
    versions: list[dict[str, Any]]
    secs: list[int]
    ids: dict[str, str]
    info: dict[str, Any]


@dataclass(slots=True, eq=False)
class Draft:
    """A record about to be sent; ``on_commit`` files it in the pools that later kinds draw on."""

    type_id: str
    source: Source
    record: dict[str, Any]
    region: str
    info: dict[str, Any] = field(default_factory=dict)
    on_commit: Callable[[Rec], None] | None = None


def money(amount: int | Decimal) -> str:
    """Yuan with two decimals, as records carry money (``1000`` -> ``"1000.00"``)."""
    return f"{Decimal(amount):.2f}"


def closed(record: Mapping[str, Any]) -> bool:
    """A penalty closed or a hazard struck off: no business step left."""
    return "closing_date" in record or (record.get("status") == "4" and "hazard_no" in record)


def content(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record without the fields about its sending (``META``)."""
    return {k: v for k, v in record.items() if k not in META}
