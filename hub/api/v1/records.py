"""``/v1/records/{id}``, ``/v1/records/{id}/history``, ``/v1/records?type=&identity=`` and
``/v1/trace?q=``: a record as the hub holds it now, every version of it with the hash chain, and
the chain of events around a record, a submission or ``SOURCE:SOURCE_RECORD_ID``.

A viewer sees a record only when its region is in the viewer's area (a record outside it, or
without a region, is 404) and its personal fields masked; a trace only when every record in it
is in the area, or, for a submission that made no record, when its source is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from hub.api.roles import signed_in
from hub.api.v1.context import Readers, masked, readers, threaded
from hub.api.v1.errors import BadQueryError, NotFoundError, errors
from hub.audit.trace import TraceEntry, trace
from hub.domain.accounts import Principal
from hub.errors import HubError
from hub.processing.resolve import record_id_for
from hub.projections.records import CURRENT, VERSIONS
from hub.standard.identity import identity_hash, identity_key
from hub.standard.normalize import normalize_code, normalize_doc_number, uscc_letter_o
from hub.standard.schema import RecordType

__all__ = ["RecordReply", "router"]

router = APIRouter(prefix="/v1", tags=["records"])

Who = Annotated[Principal, Depends(signed_in)]
Read = Annotated[Readers, Depends(readers)]
RECORD_ID = r"^rec-[0-9a-f]{26}$"
MAX_Q = 300
TRACEABLE = r"^(rec-[0-9a-z]+|sub-[0-9a-z]+|[^:]+:.+)$"


class RecordReply(BaseModel):
    record_id: str
    record_type: str
    version: int
    region_code: str | None
    updated_at: str = Field(description="the record's business update time (ISO 8601, UTC)")
    recorded_at: str = Field(description="when the hub stored this version (ISO 8601, UTC)")
    retracted: bool = Field(description="the source retracted the record (it stays, marked)")
    version_hash: str
    masked: bool = Field(description="personal data masked (a viewer's reply)")
    content: dict[str, Any]


class VersionReply(BaseModel):
    version: int
    submission_id: str
    source_id: str
    recorded_at: str
    retracted: bool
    content_hash: str
    prev_hash: str | None
    version_hash: str
    content: dict[str, Any]


class HistoryReply(BaseModel):
    record_id: str
    record_type: str
    masked: bool
    versions: list[VersionReply] = Field(description="oldest first; each names its predecessor")


class TraceStep(BaseModel):
    recorded_at: str = Field(description="in the hub's time zone (ISO 8601 with offset)")
    occurred_at: str = Field(description="in the hub's time zone (ISO 8601 with offset)")
    stream: str
    event_type: str
    actor: str
    submission_id: str | None
    record_id: str | None
    version: int | None
    source_id: str | None
    source_record_id: str | None
    detail: dict[str, Any]
    event_id: str


class TraceReply(BaseModel):
    query: str
    records: list[str]
    submissions: list[str]
    entries: list[TraceStep]


def _current(views_reader: Readers, record_id: str) -> dict[str, Any] | None:
    rows = views_reader.view_store().rows(CURRENT, where={"record_id": [record_id]})
    return dict(zip(CURRENT.names, rows[0], strict=True)) if rows else None


def _visible(who: Principal, row: dict[str, Any] | None, record_id: str) -> dict[str, Any]:
    if row is None or not who.covers(row["region_code"]):
        raise NotFoundError(f"没有这条记录：{record_id}", f"no such record: {record_id}")
    return row


def _record(read: Readers, who: Principal, row: dict[str, Any]) -> RecordReply:
    hide = not who.sees_personal
    content = row["content"]
    return RecordReply(
        record_id=row["record_id"],
        record_type=row["record_type"],
        version=row["version"],
        region_code=row["region_code"],
        updated_at=row["updated_at"],
        recorded_at=row["recorded_at"],
        retracted=bool(row["retracted"]),
        version_hash=row["version_hash"],
        masked=hide,
        content=masked(read.standard, row["record_type"], content) if hide else content,
    )


@router.get(
    # the ingest API's path (POST a batch of a type): one path, so one parameter name for both
    # (OpenAPI treats /v1/records/{record_type} and /v1/records/{record_id} as the same path)
    "/records/{record_type}",
    response_model=RecordReply,
    responses=errors(404, 422),
    summary="A record as the hub holds it now, by its record id",
)
async def record(
    record_id: Annotated[
        str,
        Path(
            alias="record_type",
            pattern=RECORD_ID,
            max_length=40,
            description="the record id (rec-...); the same path takes a record type to POST to",
        ),
    ],
    who: Who,
    read: Read,
) -> RecordReply:
    row = _visible(who, await threaded(_current, read, record_id), record_id)
    return _record(read, who, row)


def _history(read: Readers, record_id: str) -> list[dict[str, Any]]:
    rows = read.view_store().rows(VERSIONS, where={"record_id": [record_id]})
    return sorted(
        (dict(zip(VERSIONS.names, r, strict=True)) for r in rows), key=lambda v: v["version"]
    )


@router.get(
    "/records/{record_id}/history",
    response_model=HistoryReply,
    responses=errors(404, 422),
    summary="Every version of a record, oldest first, with its hash chain",
)
async def history(
    record_id: Annotated[str, Path(pattern=RECORD_ID, max_length=40)],
    who: Who,
    read: Read,
) -> HistoryReply:
    row = _visible(who, await threaded(_current, read, record_id), record_id)
    hide = not who.sees_personal
    versions = await threaded(_history, read, record_id)
    return HistoryReply(
        record_id=record_id,
        record_type=row["record_type"],
        masked=hide,
        versions=[
            VersionReply(
                version=v["version"],
                submission_id=v["submission_id"],
                source_id=v["source_id"],
                recorded_at=v["recorded_at"],
                retracted=bool(v["retracted"]),
                content_hash=v["content_hash"],
                prev_hash=v["prev_hash"],
                version_hash=v["version_hash"],
                content=masked(read.standard, v["record_type"], v["content"])
                if hide
                else v["content"],
            )
            for v in versions
        ],
    )


_NORMALIZE = {"code": normalize_code, "doc_number": normalize_doc_number}


def record_id_of(record_type: RecordType, parts: list[str], utc_offset_hours: int) -> str:
    """The record id the hub gives a record of ``record_type`` with these identity values (one
    per entry of the type's identity rule, normalised as the validator would)."""
    entries = record_type.identity
    if len(parts) != len(entries):
        rule = " + ".join(entries)
        raise BadQueryError(
            f"{record_type.type_id} 的业务标识需要 {len(entries)} 个值（{rule}），收到"
            f" {len(parts)} 个",
            f"the identity of {record_type.type_id} takes {len(entries)} values ({rule}),"
            f" got {len(parts)}",
            field="identity",
        )
    values: dict[str, Any] = {}
    for entry, part in zip(entries, parts, strict=True):
        name, _, modifier = entry.partition(":")
        spec = record_type.field(name)
        value = part.strip()
        if modifier == "date":
            try:
                value = dt.date.fromisoformat(value).isoformat()
            except ValueError:
                raise BadQueryError(
                    f"{name} 应为日期（YYYY-MM-DD）", f"{name} must be a date (YYYY-MM-DD)",
                    field=name,
                ) from None  # fmt: skip
        elif spec.kind == "string":
            normalize = _NORMALIZE.get(spec.normalize)
            if normalize is not None:
                value = normalize(value)[0]
            if spec.check == "uscc":
                value = uscc_letter_o(value)[0]
        values[name] = value
    tz = dt.timezone(dt.timedelta(hours=utc_offset_hours))
    return record_id_for(identity_hash(identity_key(record_type, values, tz)))


@router.get(
    "/records",
    response_model=RecordReply,
    responses=errors(404, 422),
    summary="The record of a type with a business identity (the values of its identity rule)",
)
async def by_identity(
    record_type: Annotated[
        str,
        Query(alias="type", min_length=1, max_length=40, description="record type, e.g. hazard"),
    ],
    identity: Annotated[
        list[str],
        Query(
            min_length=1,
            max_length=8,
            description="one value per entry of the type's identity rule, in its order"
            " (repeat the parameter): ?type=hazard&identity=YH-1&identity=12330700...",
        ),
    ],
    who: Who,
    read: Read,
) -> RecordReply:
    known = read.standard.types.get(record_type)
    if known is None:
        raise NotFoundError(
            f"标准中没有记录类型 {record_type[:40]!r}", f"no record type {record_type[:40]!r}"
        )
    if any(len(p) > MAX_Q for p in identity):
        raise BadQueryError(
            f"业务标识的值不得超过 {MAX_Q} 个字符",
            f"identity values are at most {MAX_Q} characters",
        )
    record_id = record_id_of(known, identity, read.settings.utc_offset_hours)
    row = _visible(who, await threaded(_current, read, record_id), record_id)
    return _record(read, who, row)


def _local(text: str, tz: dt.tzinfo) -> str:
    return dt.datetime.fromisoformat(text).astimezone(tz).isoformat()


def _step(entry: TraceEntry, tz: dt.tzinfo) -> TraceStep:
    values = entry.to_dict()
    values["recorded_at"] = _local(entry.recorded_at, tz)
    values["occurred_at"] = _local(entry.occurred_at, tz)
    return TraceStep(**values)


def _trace(read: Readers, who: Principal, q: str) -> TraceReply:
    try:
        entries = trace(read.view_store(), q)
    except HubError:
        raise BadQueryError(
            f"{q[:60]!r} 不是记录编号（rec-...）、报送编号（sub-...）或 来源:来源记录编号",
            f"{q[:60]!r} is not a record id (rec-...), a submission id (sub-...) or"
            " SOURCE_ID:SOURCE_RECORD_ID",
            field="q",
        ) from None
    records = sorted({e.record_id for e in entries if e.record_id})
    submissions = sorted({e.submission_id for e in entries if e.submission_id})
    if not entries or not may_see(read, who, entries):
        raise NotFoundError(f"没有可追溯的记录：{q[:60]}", f"nothing to trace for {q[:60]!r}")
    tz = dt.timezone(dt.timedelta(hours=read.settings.utc_offset_hours))
    return TraceReply(
        query=q,
        records=records,
        submissions=submissions,
        entries=[_step(e, tz) for e in entries],
    )


def may_see(read: Readers, who: Principal, entries: Sequence[TraceEntry]) -> bool:
    """Whether ``who`` may see this chain: every record in it in its area, or, for submissions
    that made no record, every source in it registered in its area."""
    if who.covers(None):
        return True
    records = sorted({e.record_id for e in entries if e.record_id})
    if records:
        rows = read.view_store().rows(
            CURRENT, columns=("record_id", "region_code"), where={"record_id": records}
        )
        return len(rows) == len(records) and all(who.covers(r[1]) for r in rows)
    sources = {e.source_id for e in entries if e.source_id}
    regions = {s.source_id: s.region_code for s in read.store().sources()}
    return bool(sources) and all(who.covers(regions.get(s)) for s in sources)


@router.get(
    "/trace",
    response_model=TraceReply,
    responses=errors(404, 422),
    summary="The chain of events around a record, a submission or SOURCE:SOURCE_RECORD_ID",
)
async def trace_of(
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_Q,
            pattern=TRACEABLE,
            description="rec-..., sub-... or SOURCE_ID:SOURCE_RECORD_ID",
        ),
    ],
    who: Who,
    read: Read,
) -> TraceReply:
    return await threaded(_trace, read, who, q.strip())
