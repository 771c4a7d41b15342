"""The hub's projections by name (``hub replay --list``)."""

from __future__ import annotations

import datetime as dt

from hub.errors import HubError
from hub.events import Codec
from hub.projections.base import Projection
from hub.projections.dossier import DossierProjection
from hub.projections.provenance import ProvenanceProjection
from hub.projections.records import RecordsProjection
from hub.projections.regions import RegionStatsProjection
from hub.projections.scorecards import ScorecardsProjection
from hub.standard import Standard

__all__ = ["PROJECTIONS", "all_projections", "projection"]

PROJECTIONS = ("records", "provenance", "region_stats", "scorecards", "dossier")


def all_projections(
    codec: Codec, timezone: dt.tzinfo | None = None, standard: Standard | None = None
) -> list[Projection]:
    """Every projection; ``timezone`` is the hub's (``HubSettings.policy().timezone``), for the
    read models that count per day or place a date in time (default: the standard's, Beijing
    time); ``standard`` the hub's pack (the dossier reads its ``links.json``; default: the
    shipped one)."""
    return [
        RecordsProjection(codec),
        ProvenanceProjection(),
        RegionStatsProjection(),
        ScorecardsProjection(codec, timezone),
        DossierProjection(codec, standard, timezone),
    ]


def projection(
    name: str,
    codec: Codec,
    timezone: dt.tzinfo | None = None,
    standard: Standard | None = None,
) -> Projection:
    for candidate in all_projections(codec, timezone, standard):
        if candidate.name == name:
            return candidate
    raise HubError(f"no projection {name!r}; projections: {', '.join(PROJECTIONS)}")
