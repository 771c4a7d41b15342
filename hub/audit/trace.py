"""``hub trace ID``: from a record id, a submission id or ``SOURCE_ID:SOURCE_RECORD_ID`` to the
whole chain: submissions, verdicts, resolution, versions, deliveries, acks and feedback, in the
order they were recorded, with times and the component that acted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hub.errors import HubError
from hub.projections.ports import ViewStore
from hub.projections.provenance import PROVENANCE
from hub.projections.tables import Row

__all__ = ["TraceEntry", "trace"]


@dataclass(frozen=True, slots=True)
class TraceEntry:
    recorded_at: str
    occurred_at: str
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "recorded_at": self.recorded_at,
            "occurred_at": self.occurred_at,
            "stream": self.stream,
            "event_type": self.event_type,
            "actor": self.actor,
            "submission_id": self.submission_id,
            "record_id": self.record_id,
            "version": self.version,
            "source_id": self.source_id,
            "source_record_id": self.source_record_id,
            "detail": self.detail,
            "event_id": self.event_id,
        }


_ORDER = {
    "submissions": 0,
    "validated": 1,
    "verdicts": 2,
    "records": 3,
    "deliveries": 4,
    "feedback": 5,
}


def _ids(views: ViewStore, column: str, where: dict[str, Sequence[Any]]) -> set[str]:
    return {row[0] for row in views.rows(PROVENANCE, columns=(column,), where=where) if row[0]}


def trace(views: ViewStore, ident: str) -> list[TraceEntry]:
    """The chain of events around ``ident``, from the provenance read model."""
    ident = ident.strip()
    submissions: set[str] = set()
    records: set[str] = set()
    if ident.startswith("rec-"):
        records.add(ident)
    elif ident.startswith("sub-"):
        submissions.add(ident)
    elif ":" in ident:
        source_id, _, source_record_id = ident.partition(":")
        submissions |= _ids(
            views,
            "submission_id",
            {"source_id": [source_id], "source_record_id": [source_record_id]},
        )
    else:
        raise HubError(
            f"{ident!r} is not a record id (rec-...), a submission id (sub-...) or"
            " SOURCE_ID:SOURCE_RECORD_ID"
        )
    # a submission leads to its record; a record to every submission that touched it
    for _ in range(2):
        if submissions:
            records |= _ids(views, "record_id", {"submission_id": sorted(submissions)})
        if records:
            submissions |= _ids(views, "submission_id", {"record_id": sorted(records)})
    rows: dict[str, Row] = {}
    for column, values in (("submission_id", submissions), ("record_id", records)):
        if values:
            for row in views.rows(PROVENANCE, where={column: sorted(values)}):
                rows[row[0]] = row
    names = PROVENANCE.names
    entries = []
    for row in rows.values():
        r = dict(zip(names, row, strict=True))
        entries.append(
            TraceEntry(
                r["recorded_at"],
                r["occurred_at"],
                r["stream"],
                r["event_type"],
                r["actor"],
                r["submission_id"],
                r["record_id"],
                r["version"],
                r["source_id"],
                r["source_record_id"],
                r["detail"],
                r["event_id"],
            )
        )
    entries.sort(key=lambda e: (e.recorded_at, _ORDER.get(e.stream, 9), e.version or 0))
    return entries
