"""``/v1/scorecards`` (监管的监管: every source ranked worst first over a window), its trend per
source, and the same cards as ``.xlsx`` and ``.csv``. A viewer sees the cards of sources
registered in its area only (grouped cards: groups of those)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, Field

from hub.api.roles import signed_in
from hub.api.v1.context import Readers, readers, threaded, timezone
from hub.api.v1.errors import NotFoundError, errors
from hub.domain.accounts import Principal
from hub.query.scorecards import (
    Scorecard,
    grouped,
    hub_today,
    scorecards,
    trend,
    write_csv,
    write_xlsx,
)

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["scorecards"])

Who = Annotated[Principal, Depends(signed_in)]
Read = Annotated[Readers, Depends(readers)]
#: a year and a day: the trend holds a point per source and day, the exports a row per both
MAX_DAYS = 366
Days = Annotated[int, Query(ge=1, le=MAX_DAYS, description="the window: days of receipt to today")]
By = Annotated[
    Literal["source", "department", "level", "region"],
    Query(description="one card per source, or summed per department, level or region"),
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"


class RuleCountOut(BaseModel):
    rule: str = Field(description="rule code, e.g. FORMAT.USCC")
    submissions: int
    rate: float


class TrendPointOut(BaseModel):
    day: str = Field(description="YYYY-MM-DD in the hub's time zone")
    submissions: int
    rejected: int


class ScorecardOut(BaseModel):
    source_id: str = Field(description="the source (or the group's name)")
    level: str | None
    region: str | None
    department: str | None
    registered: bool
    submissions: int
    accepted: int
    rejected: int
    rejection_rate: float | None
    duplicates: int
    stale: int
    national_rejections: int
    mean_delay_hours: float | None = Field(description="business time to receipt")
    delayed: int
    days_since_last: int | None
    last_day: str | None
    by_rule: list[RuleCountOut]
    trend: list[TrendPointOut]
    submissions_all_time: int
    sources: list[str] | None = Field(default=None, description="a group's sources")


class ScorecardsReply(BaseModel):
    today: str
    days: int
    by: str
    scorecards: list[ScorecardOut] = Field(description="worst first")


class TrendReply(BaseModel):
    source_id: str
    days: int
    trend: list[TrendPointOut] = Field(description="oldest first, days without any as zeros")


def cards_for(read: Readers, who: Principal, days: int, by: str) -> tuple[dt.date, list[Scorecard]]:
    """The cards the principal may see, ranked (and grouped) as asked."""
    today = hub_today(timezone(read.settings))
    cards = scorecards(read.view_store(), today=today, days=days, sources=read.store().sources())
    cards = [c for c in cards if who.covers(c.region)]
    return today, cards if by == "source" else grouped(cards, by)


def _reply(read: Readers, who: Principal, days: int, by: str) -> ScorecardsReply:
    today, cards = cards_for(read, who, days, by)
    return ScorecardsReply(
        today=today.isoformat(),
        days=days,
        by=by,
        scorecards=[ScorecardOut(**c.to_dict()) for c in cards],
    )


@router.get(
    "/scorecards",
    response_model=ScorecardsReply,
    responses=errors(422),
    summary="Scorecards per source (or department, level, region), worst first",
)
async def list_scorecards(who: Who, read: Read, days: Days = 30, by: By = "source") -> Any:
    return await threaded(_reply, read, who, days, by)


def _trend(read: Readers, who: Principal, source_id: str, days: int) -> TrendReply:
    registry = {s.source_id: s for s in read.store().sources()}
    source = registry.get(source_id)
    if not who.covers(None) and (source is None or not who.covers(source.region_code)):
        raise NotFoundError(f"没有这个报送来源：{source_id}", f"no such source: {source_id}")
    today = hub_today(timezone(read.settings))
    points = trend(read.view_store(), source_id, days, today=today)
    return TrendReply(
        source_id=source_id, days=days, trend=[TrendPointOut(**p.to_dict()) for p in points]
    )


@router.get(
    "/scorecards/{source_id}/trend",
    response_model=TrendReply,
    responses=errors(404, 422),
    summary="A source's submissions and rejections per day",
)
async def source_trend(
    source_id: Annotated[str, PathParam(min_length=1, max_length=100)],
    who: Who,
    read: Read,
    days: Days = 30,
) -> Any:
    return await threaded(_trend, read, who, source_id, days)


def _file(read: Readers, who: Principal, days: int, by: str, suffix: str) -> tuple[str, bytes]:
    today, cards = cards_for(read, who, days, by)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"scorecards{suffix}"
        (write_xlsx if suffix == ".xlsx" else write_csv)(cards, path)
        return f"scorecards-{today.isoformat()}-{days}d{suffix}", path.read_bytes()


def _download(name: str, body: bytes, media_type: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _binary(media_type: str) -> dict[int | str, dict[str, Any]]:
    schema = {"type": "string", "format": "binary"}
    return {200: {"content": {media_type: {"schema": schema}}, "description": "the export"}}


@router.get(
    "/scorecards.xlsx",
    response_class=Response,
    responses={**_binary(XLSX), **errors(422)},
    summary="The scorecards as an Excel workbook (cards and trend)",
)
async def scorecards_xlsx(who: Who, read: Read, days: Days = 30, by: By = "source") -> Response:
    name, body = await threaded(_file, read, who, days, by, ".xlsx")
    return _download(name, body, XLSX)


@router.get(
    "/scorecards.csv",
    response_class=Response,
    responses={**_binary(CSV), **errors(422)},
    summary="The scorecards as CSV (UTF-8 with a byte-order mark)",
)
async def scorecards_csv(who: Who, read: Read, days: Days = 30, by: By = "source") -> Response:
    name, body = await threaded(_file, read, who, days, by, ".csv")
    return _download(name, body, CSV)
