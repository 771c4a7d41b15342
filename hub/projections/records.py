"""Current records per type and their version history (with the hash chain)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import orjson

from hub.events import Codec, DecodedEvent
from hub.events.streams import RECORDS
from hub.projections.base import Projection
from hub.projections.tables import Borrow, Column, Kind, Merge, Row, Table

__all__ = ["CURRENT", "VERSIONS", "RecordsProjection"]

CURRENT = Table(
    "records_current",
    (
        Column("record_id"),
        Column("record_type"),
        Column("version", Kind.INT),
        Column("region_code", nullable=True),
        Column("updated_at", Kind.TIME),
        Column("content", Kind.JSON),
        Column("version_hash"),
        Column("recorded_at", Kind.TIME),
        Column("retracted", Kind.INT),  # 1: the source retracted it (the row stays, marked)
    ),
    key=("record_id",),
    merge=Merge.NEWER,
    indexes=(("record_type",),),
    # the current version's content is the one its version row holds (written first)
    borrows=Borrow("record_versions", columns=("content",), on=("record_id", "version")),
)

VERSIONS = Table(
    "record_versions",
    (
        Column("record_id"),
        Column("version", Kind.INT),
        Column("record_type"),
        Column("submission_id"),
        Column("source_id"),
        Column("content", Kind.JSON),
        Column("content_hash"),
        Column("prev_hash", nullable=True),
        Column("version_hash"),
        Column("recorded_at", Kind.TIME),
        Column("retracted", Kind.INT),
    ),
    key=("record_id", "version"),
)


def utc(value: object) -> str:
    """A timestamp (ISO text or a datetime) in UTC, so both backends read back the same text."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        raise TypeError(f"not a timestamp: {value!r}")
    return value.astimezone(dt.UTC).isoformat()


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} has no JSON form")


def content_text(typed: dict[str, object]) -> str:
    """Canonical JSON text of decoded (typed) content, straight from the Avro values: the text
    ``orjson.dumps(avro_to_json(typed), OPT_SORT_KEYS)`` gives, without the round trip through
    Python values (orjson writes dates, datetimes and, through ``_default``, Decimals the way
    :func:`~hub.processing.content.avro_to_json` does; measured 5.5 us -> 3.1 us a record)."""
    return orjson.dumps(typed, default=_default, option=orjson.OPT_SORT_KEYS).decode()


class RecordsProjection(Projection):
    name = "records"
    description = "current canonical records per type, and every version with its hash chain"
    streams = (RECORDS,)
    tables = (CURRENT, VERSIONS)

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    def rows(self, events: Sequence[DecodedEvent]) -> dict[str, list[Row]]:
        """Version rows first: ``records_current`` borrows their content."""
        versions, current = [], []
        decode = self.codec.decode
        for event in events:
            p = event.payload
            _, typed = decode(p["content"])
            text = content_text(typed)
            recorded = event.recorded_at.isoformat()
            retracted = int(p["retracted"])
            versions.append(
                (
                    p["record_id"],
                    p["version"],
                    p["record_type"],
                    p["submission_id"],
                    p["source_id"],
                    text,
                    p["content_hash"],
                    p["prev_hash"],
                    p["version_hash"],
                    recorded,
                    retracted,
                )
            )
            current.append(
                (
                    p["record_id"],
                    p["record_type"],
                    p["version"],
                    typed.get("region_code"),
                    utc(typed["updated_at"]),
                    text,
                    p["version_hash"],
                    recorded,
                    retracted,
                )
            )
        return {VERSIONS.name: versions, CURRENT.name: current}
