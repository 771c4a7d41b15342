"""Current records per type and their version history (with the hash chain)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import orjson

from hub.events import Codec, DecodedEvent
from hub.events.streams import RECORDS
from hub.processing.content import avro_to_json
from projections.base import Projection
from projections.tables import Column, Kind, Merge, Row, Table

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


def utc(text: str) -> str:
    """A timestamp in UTC, so both backends read back the same text."""
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC).isoformat()


class RecordsProjection(Projection):
    name = "records"
    description = "current canonical records per type, and every version with its hash chain"
    streams = (RECORDS,)
    tables = (CURRENT, VERSIONS)

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    def rows(self, events: Sequence[DecodedEvent]) -> dict[str, list[Row]]:
        versions, current = [], []
        for event in events:
            p = event.payload
            _, typed = self.codec.decode(p["content"])
            content = avro_to_json(typed)
            text = orjson.dumps(content, option=orjson.OPT_SORT_KEYS).decode()
            recorded = event.recorded_at.isoformat()
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
                    int(p["retracted"]),
                )
            )
            current.append(
                (
                    p["record_id"],
                    p["record_type"],
                    p["version"],
                    content.get("region_code"),
                    utc(content["updated_at"]),
                    text,
                    p["version_hash"],
                    recorded,
                    int(p["retracted"]),
                )
            )
        return {VERSIONS.name: versions, CURRENT.name: current}
