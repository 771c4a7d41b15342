"""The hub's projections by name (``hub replay --list``)."""

from __future__ import annotations

from hub.errors import HubError
from hub.events import Codec
from projections.base import Projection
from projections.provenance import ProvenanceProjection
from projections.records import RecordsProjection
from projections.regions import RegionStatsProjection

__all__ = ["PROJECTIONS", "all_projections", "projection"]

PROJECTIONS = ("records", "provenance", "region_stats")


def all_projections(codec: Codec) -> list[Projection]:
    return [RecordsProjection(codec), ProvenanceProjection(), RegionStatsProjection()]


def projection(name: str, codec: Codec) -> Projection:
    for candidate in all_projections(codec):
        if candidate.name == name:
            return candidate
    raise HubError(f"no projection {name!r}; projections: {', '.join(PROJECTIONS)}")
