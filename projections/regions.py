"""Per-region statistics: canonical records and versions per region and type, and rejected
submissions per source."""

from __future__ import annotations

import sqlite3

from hub.events import Codec, DecodedEvent
from hub.events.streams import RECORDS, VERDICTS
from projections.base import Projection

__all__ = ["RegionStatsProjection"]


class RegionStatsProjection(Projection):
    name = "region_stats"
    description = "records and versions per region and type; verdicts per source and outcome"
    streams = (RECORDS, VERDICTS)
    tables = ("region_stats", "source_outcomes", "region_stats_seen")
    ddl = (
        """CREATE TABLE IF NOT EXISTS region_stats (
            region_code TEXT NOT NULL, record_type TEXT NOT NULL,
            records INTEGER NOT NULL, versions INTEGER NOT NULL,
            PRIMARY KEY (region_code, record_type))""",
        """CREATE TABLE IF NOT EXISTS source_outcomes (
            source_id TEXT NOT NULL, outcome TEXT NOT NULL, submissions INTEGER NOT NULL,
            PRIMARY KEY (source_id, outcome))""",
        # counters are not idempotent by themselves: remember what was counted
        "CREATE TABLE IF NOT EXISTS region_stats_seen (event_id TEXT PRIMARY KEY)",
    )

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    def apply(self, event: DecodedEvent, db: sqlite3.Connection) -> None:
        seen = db.execute(
            "INSERT INTO region_stats_seen VALUES (?) ON CONFLICT DO NOTHING", (event.event_id,)
        )
        if seen.rowcount == 0:
            return
        p = event.payload
        if event.stream == RECORDS:
            _, typed = self.codec.decode(p["content"])
            region = typed.get("region_code") or "(none)"
            db.execute(
                "INSERT INTO region_stats VALUES (?, ?, ?, 1) ON CONFLICT (region_code,"
                " record_type) DO UPDATE SET records = records + excluded.records,"
                " versions = versions + 1",
                (region, p["record_type"], 1 if p["version"] == 1 else 0),
            )
        else:
            db.execute(
                "INSERT INTO source_outcomes VALUES (?, ?, 1) ON CONFLICT (source_id, outcome)"
                " DO UPDATE SET submissions = submissions + 1",
                (p["source_id"], p["outcome"]),
            )
