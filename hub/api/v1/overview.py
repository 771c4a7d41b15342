"""``/v1/status`` (what ``hub status --json`` shows) and ``/v1/regions?parent=`` (the 一张图's
numbers: the children of a region with their measures).

Status is the whole hub's reconciliation, for operators and auditors; a viewer's statistics are
its area's only, so a viewer gets the map (rows of its area) and not the status (403)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from hub.api.roles import require, signed_in
from hub.api.v1.context import Readers, readers, threaded
from hub.api.v1.errors import BadQueryError, NotFoundError, errors
from hub.domain.accounts import Principal
from hub.query.regions import (
    MEASURES,
    RegionError,
    RegionRow,
    UnknownRegionError,
    home_region,
    level_of,
    region_totals,
)
from hub.runtime.embedded import EmbeddedHub

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["overview"])

Read = Annotated[Readers, Depends(readers)]
COUNTRY = "000000"  # ?parent=000000: the whole country, on any hub


class Deliveries(BaseModel):
    sent: int
    acked: int
    rejected: int
    dead: int
    pending: int


class Lag(BaseModel):
    model_config = ConfigDict(extra="allow")

    stages: dict[str, int] = Field(description="events each stage has still to read")
    projections: dict[str, int] = Field(description="events each read model has still to apply")


class StatusReply(BaseModel):
    """The reconciliation: every submission received has exactly one outcome or is in flight."""

    model_config = ConfigDict(extra="allow")

    received: int
    accepted_new: int
    accepted_update: int
    duplicate: int
    stale: int
    rejected: int
    in_flight: int
    reconciled: bool
    canonical_records: int
    versions: int
    deliveries: Deliveries
    feedback: int
    ownership_notices: int
    quarantined: int
    lag: Lag
    streams: dict[str, int]
    standard_version: str


def _status(read: Readers) -> dict[str, Any]:
    with EmbeddedHub(read.settings) as hub:
        return hub.status()


@router.get(
    "/status",
    response_model=StatusReply,
    responses=errors(403),
    summary="Reconciliation, deliveries, feedback and lag (as hub status --json)",
)
async def status(
    _who: Annotated[Principal, Depends(require("operator", "auditor"))], read: Read
) -> StatusReply:
    return StatusReply(**await threaded(_status, read))


class MeasureInfo(BaseModel):
    name: str
    zh: str
    en: str
    kind: str = Field(description="count or rate")


class RegionMeasures(BaseModel):
    code: str = Field(description="GB/T 2260 code; empty for the unattributed remainder")
    name: str | None = Field(description="from the standard pack's region table")
    level: str = Field(description="country, province, city or county")
    records: int
    rejections: int
    duplicates_avoided: int
    hazards: int
    hazards_open: int
    hazards_rectified: int
    rectification_rate: float | None = Field(description="rectified / hazards; null without")
    national_rejections: int


class RegionsReply(BaseModel):
    parent: str | None = Field(description="the region whose children these are (null: country)")
    parent_name: str | None
    level: str = Field(description="the children's level")
    measures: list[MeasureInfo]
    regions: list[RegionMeasures] = Field(description="the children, by code")
    own: RegionMeasures | None = Field(
        description="counted at the parent's own level (its bureau, its own code): in no child"
    )
    unattributed: RegionMeasures | None = Field(description="with no region (only for the country)")
    total: RegionMeasures | None = Field(description="the parent's whole area")


def default_parent(read: Readers, who: Principal) -> str | None:
    """Where the map opens: the viewer's area (a county viewer: its city, showing its county),
    else the hub's own area."""
    region = who.region
    if region and who.role == "viewer":
        return region[:4] + "00" if level_of(region) == "county" else region
    return home_region(read.store(), read.settings.region_code)


def _regions(read: Readers, who: Principal, parent: str | None, asked: bool) -> RegionsReply:
    if parent == COUNTRY:
        parent = None
    elif not asked:
        parent = default_parent(read, who)
    try:
        totals = region_totals(
            read.view_store(), read.store(), parent, standard_root=read.standard.root
        )
    except UnknownRegionError as exc:  # well-formed, in no table: found nowhere
        raise NotFoundError(exc.message_zh, exc.message_en, field="parent") from None
    except RegionError as exc:
        raise BadQueryError(exc.message_zh, exc.message_en, field="parent") from None
    whole = who.covers(None) or (parent is not None and who.covers(parent))

    def out(row: RegionRow) -> RegionMeasures:
        return RegionMeasures(**row.to_dict())

    return RegionsReply(
        parent=parent,
        parent_name=totals.area.name,
        level=totals.children[0].level if totals.children else totals.unattributed.level,
        measures=[MeasureInfo(**m.to_dict()) for m in MEASURES],
        regions=[out(r) for r in totals.children if who.covers(r.code)],
        own=out(totals.own) if whole and parent is not None else None,
        unattributed=out(totals.unattributed) if whole and parent is None else None,
        total=out(totals.area) if whole else None,
    )


@router.get(
    "/regions",
    response_model=RegionsReply,
    responses=errors(404, 422),
    summary="The children of a region with the 一张图's measures",
)
async def regions(
    who: Annotated[Principal, Depends(signed_in)],
    read: Read,
    parent: Annotated[
        str | None,
        Query(
            pattern=r"^[0-9]{6}$",
            description="a province or city code, 000000 the country; absent: the hub's own"
            " area (a viewer's: its own)",
        ),
    ] = None,
) -> RegionsReply:
    return await threaded(_regions, read, who, parent, parent is not None)
