"""``/v1/entities/{uscc}`` (一企一档), ``/v1/equipment/{code}`` (一码追溯) and ``/v1/search?q=``
(the console's search box: a trace, a dossier, or why neither).

A dossier's entries carry titles, never personal data; a viewer sees the entries of records in
its area only (an entity known elsewhere only is, to it, not found: the same reply, warnings and
refusals included, as for a code the hub holds nowhere), and a search's trace only when the
viewer may see every record in it."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from hub.api.roles import signed_in
from hub.api.v1.context import Readers, readers, threaded, timezone
from hub.api.v1.errors import NotFoundError, errors
from hub.api.v1.records import TraceStep, may_see
from hub.domain.accounts import Principal
from hub.query.dossier import (
    BadCodeError,
    Covers,
    Dossier,
    DossierEntry,
    DossierGroup,
    dossier,
    equipment,
)
from hub.query.search import MAX_QUERY, SearchResult, find

__all__ = ["router", "visible_dossier"]

router = APIRouter(prefix="/v1", tags=["dossiers"])

Who = Annotated[Principal, Depends(signed_in)]
Read = Annotated[Readers, Depends(readers)]
Code = Annotated[str, Path(min_length=1, max_length=64)]


class EntryOut(BaseModel):
    record_type: str
    record_id: str
    version: int
    business_time: str | None = Field(description="ISO 8601 in the hub's time zone")
    region_code: str | None
    title: str = Field(description="a summary without personal data")
    retracted: bool
    trace: str = Field(description="what to trace: /v1/trace?q=...")
    rectifications: list[EntryOut] | None = Field(
        default=None, description="a hazard's rectifications"
    )


class GroupOut(BaseModel):
    record_type: str
    title_zh: str
    title_en: str
    count: int
    entries: list[EntryOut]


class LifeOut(BaseModel):
    record_id: str
    version: int
    recorded_at: str
    retracted: bool
    status: str | None
    last_inspection_date: str | None
    next_inspection_date: str | None


class DossierReply(BaseModel):
    kind: str = Field(description="entity or equipment")
    code: str = Field(description="the code as normalised")
    found: bool
    count: int
    retracted_hidden: int
    warnings: list[str] = Field(description="check findings of the code that did not stop it")
    entries: list[EntryOut] = Field(description="by business time")
    groups: list[GroupOut]
    life: list[LifeOut] | None = Field(default=None, description="equipment: its versions")
    user_units: list[str] | None = Field(default=None, description="equipment: USCCs using it")


class SearchReply(BaseModel):
    query: str
    kind: str = Field(description="record, submission, source_record, uscc, equipment, ...")
    found: bool
    message: str | None = Field(description="why nothing is shown (Chinese, then English)")
    chain: list[TraceStep]
    record_ids: list[str]
    dossier: DossierReply | None


def _entry(entry: DossierEntry, who: Principal) -> DossierEntry | None:
    if not who.covers(entry.region_code):
        return None
    kept = tuple(r for r in entry.rectifications if who.covers(r.region_code))
    return dataclasses.replace(entry, rectifications=kept)


def area(who: Principal) -> Covers:
    """The filter of ``who``'s area for the dossier queries (None: it sees every region)."""
    return None if who.covers(None) else who.covers


def visible_dossier(found: Dossier, who: Principal) -> Dossier:
    """The dossier as ``who`` may see it: entries in its area only, and nothing that tells a
    code is held elsewhere (no warnings, no hidden count, when none of its entries is shown).
    The queries already keep to the area (:func:`area`); this is the last word on the reply."""
    if who.covers(None):
        return found
    entries = tuple(e for e in (_entry(x, who) for x in found.entries) if e is not None)
    groups = []
    for group in found.groups:
        kept = tuple(e for e in (_entry(x, who) for x in group.entries) if e is not None)
        if kept:
            groups.append(DossierGroup(group.record_type, group.title_zh, group.title_en, kept))
    shown = {e.record_id for e in entries}
    life = tuple(v for v in found.life if v.record_id in shown)
    return dataclasses.replace(
        found,
        entries=entries,
        groups=tuple(groups),
        life=life,
        user_units=found.user_units if life else (),
        retracted_hidden=found.retracted_hidden if entries else 0,
        warnings=found.warnings if entries else (),
    )


def _dossier(read: Readers, who: Principal, kind: str, code: str) -> DossierReply:
    lookup = dossier if kind == "entity" else equipment
    try:
        found = lookup(
            read.view_store(),
            code,
            standard=read.standard,
            tz=timezone(read.settings),
            covers=area(who),
        )
    except BadCodeError as exc:  # a code that cannot be one names nothing the hub holds
        zh, _, en = exc.message.partition(" / ")
        raise NotFoundError(zh, en or zh, rule=exc.rule) from None
    return DossierReply(**visible_dossier(found, who).to_dict())


@router.get(
    "/entities/{uscc}",
    response_model=DossierReply,
    responses=errors(404, 422),
    summary="一企一档: every record naming a USCC, by business time and by type",
)
async def entity(uscc: Code, who: Who, read: Read) -> Any:
    return await threaded(_dossier, read, who, "entity", uscc)


@router.get(
    "/equipment/{code}",
    response_model=DossierReply,
    responses=errors(404, 422),
    summary="一码追溯: a special-equipment unit's records and the versions of its registration",
)
async def equipment_unit(code: Code, who: Who, read: Read) -> Any:
    return await threaded(_dossier, read, who, "equipment", code)


_NOTHING = "未找到相关记录 / nothing found"


def _search(read: Readers, who: Principal, q: str) -> SearchReply:
    found = find(
        read.view_store(), q, standard=read.standard, tz=timezone(read.settings), covers=area(who)
    )
    if found.chain and not may_see(read, who, found.chain):
        found = SearchResult(found.query, found.kind, message=_NOTHING)
    if found.dossier is not None:
        shown = visible_dossier(found.dossier, who)
        message = found.message if shown.found or found.message else _NOTHING
        found = dataclasses.replace(found, dossier=shown, message=message)
    return SearchReply(**found.to_dict())


@router.get(
    "/search",
    response_model=SearchReply,
    responses=errors(422),
    summary="The search box: a record id, submission id, SOURCE:ID, USCC or equipment code",
)
async def search(
    q: Annotated[str, Query(max_length=MAX_QUERY)],
    who: Who,
    read: Read,
) -> Any:
    return await threaded(_search, read, who, q)
