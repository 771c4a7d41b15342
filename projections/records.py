"""Current records per type and their version history (with the hash chain)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import orjson

from hub.events import Codec, DecodedEvent
from hub.events.streams import RECORDS
from hub.processing.content import avro_to_json
from projections.base import Projection

__all__ = ["RecordsProjection"]


class RecordsProjection(Projection):
    name = "records"
    description = "current canonical records per type, and every version with its hash chain"
    streams = (RECORDS,)
    tables = ("records_current", "record_versions")
    ddl = (
        """CREATE TABLE IF NOT EXISTS records_current (
            record_id TEXT PRIMARY KEY, record_type TEXT NOT NULL, version INTEGER NOT NULL,
            region_code TEXT, updated_at TEXT NOT NULL, content TEXT NOT NULL,
            version_hash TEXT NOT NULL, recorded_at TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS records_current_type ON records_current (record_type)",
        """CREATE TABLE IF NOT EXISTS record_versions (
            record_id TEXT NOT NULL, version INTEGER NOT NULL, record_type TEXT NOT NULL,
            submission_id TEXT NOT NULL, source_id TEXT NOT NULL, content TEXT NOT NULL,
            content_hash TEXT NOT NULL, prev_hash TEXT, version_hash TEXT NOT NULL,
            recorded_at TEXT NOT NULL, PRIMARY KEY (record_id, version))""",
    )

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    def apply(self, events: Sequence[DecodedEvent], db: sqlite3.Connection) -> None:
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
                )
            )
            current.append(
                (
                    p["record_id"],
                    p["record_type"],
                    p["version"],
                    content.get("region_code"),
                    content["updated_at"],
                    text,
                    p["version_hash"],
                    recorded,
                )
            )
        db.executemany(
            "INSERT INTO record_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (record_id, version) DO NOTHING",
            versions,
        )
        db.executemany(
            "INSERT INTO records_current VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (record_id) DO UPDATE SET version = excluded.version,"
            " region_code = excluded.region_code, updated_at = excluded.updated_at,"
            " content = excluded.content, version_hash = excluded.version_hash,"
            " recorded_at = excluded.recorded_at WHERE excluded.version > records_current.version",
            current,
        )
