"""Per-region statistics: canonical records and versions per region and type, and verdicts per
source and outcome. Counters are exact because the runner commits them with its positions: a
batch is applied once or, after a crash, not at all."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from hub.events import DecodedEvent
from hub.events.streams import RECORDS, VERDICTS
from hub.projections.base import Projection
from hub.projections.tables import Column, Kind, Merge, Row, Table

__all__ = ["REGIONS", "SOURCE_OUTCOMES", "RegionStatsProjection"]

REGIONS = Table(
    "region_stats",
    (
        Column("region_code"),
        Column("record_type"),
        Column("records", Kind.INT),
        Column("versions", Kind.INT),
    ),
    key=("region_code", "record_type"),
    merge=Merge.ADD,
    counters=("records", "versions"),
)

SOURCE_OUTCOMES = Table(
    "source_outcomes",
    (Column("source_id"), Column("outcome"), Column("submissions", Kind.INT)),
    key=("source_id", "outcome"),
    merge=Merge.ADD,
    counters=("submissions",),
)


class RegionStatsProjection(Projection):
    name = "region_stats"
    description = "records and versions per region and type; verdicts per source and outcome"
    streams = (RECORDS, VERDICTS)
    tables = (REGIONS, SOURCE_OUTCOMES)

    def rows(self, events: Sequence[DecodedEvent]) -> dict[str, list[Row]]:
        if events[0].stream == RECORDS:
            records: Counter[tuple[str, str]] = Counter()
            versions: Counter[tuple[str, str]] = Counter()
            for event in events:
                p = event.payload
                key = (p["region_code"] or "(none)", p["record_type"])
                versions[key] += 1
                records[key] += p["version"] == 1
            return {REGIONS.name: [(*key, records[key], n) for key, n in versions.items()]}
        outcomes = Counter((e.payload["source_id"], e.payload["outcome"]) for e in events)
        return {SOURCE_OUTCOMES.name: [(*key, n) for key, n in outcomes.items()]}
