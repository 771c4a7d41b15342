"""What the generator hands out: the stream's kinds and shares, a source's spec, a submission.

These are the only types callers see; everything else in the package is the machinery that fills
them. They sit in a module of their own, importing nothing from the package, so that ``sources``
(which makes the specs) and ``mix`` (which makes the rest) share them without an import cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "KINDS",
    "LIGHTNING_TYPES",
    "MARKET_TYPES",
    "PROVINCE_CODE",
    "PROVINCE_NAME",
    "TARGET_SHARES",
    "Province",
    "SourceSpec",
    "Submission",
]

KINDS = ("original", "cross_level_duplicate", "update", "stale_update", "invalid")
#: Approximate share of each kind in the stream.
TARGET_SHARES: Mapping[str, float] = {
    "original": 0.65,
    "cross_level_duplicate": 0.20,
    "update": 0.07,
    "stale_update": 0.03,
    "invalid": 0.05,
}

PROVINCE_CODE = "330000"
PROVINCE_NAME = "浙江省"
MARKET_TYPES = ("supervised_entity", "inspection", "penalty")
LIGHTNING_TYPES = ("lightning_report", "hazard")


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """A submitting system: one bureau's exchange endpoint."""

    source_id: str
    level: str
    region_code: str
    department: str
    record_types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Submission:
    """One record as a source sends it (JSON-ready values, dates as strings)."""

    source_id: str
    record_type: str
    record: dict[str, Any]
    kind: str
    #: for ``invalid`` submissions, the defect planted (e.g. ``uscc_check``); else None
    defect: str | None = None


@dataclass(frozen=True, slots=True)
class Province:
    code: str
    name: str
    sources: tuple[SourceSpec, ...]
    submissions: tuple[Submission, ...]
