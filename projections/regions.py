"""Per-region statistics: canonical records and versions per region and type, and verdicts per
source and outcome. Counters are exact because the runner commits them with its positions: a
batch is applied once or, after a crash, not at all."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Sequence

from hub.events import DecodedEvent
from hub.events.streams import RECORDS, VERDICTS
from projections.base import Projection

__all__ = ["RegionStatsProjection"]


class RegionStatsProjection(Projection):
    name = "region_stats"
    description = "records and versions per region and type; verdicts per source and outcome"
    streams = (RECORDS, VERDICTS)
    tables = ("region_stats", "source_outcomes")
    ddl = (
        """CREATE TABLE IF NOT EXISTS region_stats (
            region_code TEXT NOT NULL, record_type TEXT NOT NULL,
            records INTEGER NOT NULL, versions INTEGER NOT NULL,
            PRIMARY KEY (region_code, record_type))""",
        """CREATE TABLE IF NOT EXISTS source_outcomes (
            source_id TEXT NOT NULL, outcome TEXT NOT NULL, submissions INTEGER NOT NULL,
            PRIMARY KEY (source_id, outcome))""",
    )

    def apply(self, events: Sequence[DecodedEvent], db: sqlite3.Connection) -> None:
        if events[0].stream == RECORDS:
            records: Counter[tuple[str, str]] = Counter()
            versions: Counter[tuple[str, str]] = Counter()
            for event in events:
                p = event.payload
                key = (p["region_code"] or "(none)", p["record_type"])
                versions[key] += 1
                records[key] += p["version"] == 1
            db.executemany(
                "INSERT INTO region_stats VALUES (?, ?, ?, ?) ON CONFLICT (region_code,"
                " record_type) DO UPDATE SET records = records + excluded.records,"
                " versions = versions + excluded.versions",
                [(*key, records[key], n) for key, n in versions.items()],
            )
            return
        outcomes = Counter((e.payload["source_id"], e.payload["outcome"]) for e in events)
        db.executemany(
            "INSERT INTO source_outcomes VALUES (?, ?, ?) ON CONFLICT (source_id, outcome)"
            " DO UPDATE SET submissions = submissions + excluded.submissions",
            [(*key, n) for key, n in outcomes.items()],
        )
