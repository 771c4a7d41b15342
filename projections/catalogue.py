"""The hub's projections by name (``hub replay --list``)."""

from __future__ import annotations

import datetime as dt

from hub.errors import HubError
from hub.events import Codec
from projections.base import Projection
from projections.provenance import ProvenanceProjection
from projections.records import RecordsProjection
from projections.regions import RegionStatsProjection
from projections.scorecards import ScorecardsProjection

__all__ = ["PROJECTIONS", "all_projections", "projection"]

PROJECTIONS = ("records", "provenance", "region_stats", "scorecards")


def all_projections(codec: Codec, timezone: dt.tzinfo | None = None) -> list[Projection]:
    """Every projection; ``timezone`` is the hub's (``HubSettings.policy().timezone``), for the
    read models that count per day (default: the standard's, Beijing time)."""
    return [
        RecordsProjection(codec),
        ProvenanceProjection(),
        RegionStatsProjection(),
        ScorecardsProjection(codec, timezone),
    ]


def projection(name: str, codec: Codec, timezone: dt.tzinfo | None = None) -> Projection:
    for candidate in all_projections(codec, timezone):
        if candidate.name == name:
            return candidate
    raise HubError(f"no projection {name!r}; projections: {', '.join(PROJECTIONS)}")
