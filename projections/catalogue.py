"""The hub's projections by name (``hub replay --list``)."""

from __future__ import annotations

from hub.errors import HubError
from hub.events import Codec
from hub.standard import Standard
from projections.base import Projection
from projections.dossier import DossierProjection
from projections.provenance import ProvenanceProjection
from projections.records import RecordsProjection
from projections.regions import RegionStatsProjection

__all__ = ["PROJECTIONS", "all_projections", "projection"]

PROJECTIONS = ("records", "provenance", "region_stats", "dossier")


def all_projections(codec: Codec, standard: Standard | None = None) -> list[Projection]:
    """``standard``: the hub's pack (the dossier reads its ``links.json``); default: the
    shipped one."""
    return [
        RecordsProjection(codec),
        ProvenanceProjection(),
        RegionStatsProjection(),
        DossierProjection(codec, standard),
    ]


def projection(name: str, codec: Codec, standard: Standard | None = None) -> Projection:
    for candidate in all_projections(codec, standard):
        if candidate.name == name:
            return candidate
    raise HubError(f"no projection {name!r}; projections: {', '.join(PROJECTIONS)}")
