"""``hub trace ID``: from a record id, a submission id or ``SOURCE_ID:SOURCE_RECORD_ID`` to the
whole chain: submissions, verdicts, resolution, versions, deliveries, acks and feedback, in the
order they were recorded, with times and the component that acted."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

import orjson

from hub.errors import HubError

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


_COLUMNS = (
    "recorded_at, occurred_at, stream, event_type, actor, submission_id, record_id,"
    " version, source_id, source_record_id, detail, event_id"
)
_ORDER = {
    "submissions": 0,
    "validated": 1,
    "verdicts": 2,
    "records": 3,
    "deliveries": 4,
    "feedback": 5,
}


def _ids(db: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> set[str]:
    return {row[0] for row in db.execute(sql, params) if row[0]}


def trace(db: sqlite3.Connection, ident: str) -> list[TraceEntry]:
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
            db,
            "SELECT submission_id FROM provenance WHERE source_id = ? AND source_record_id = ?",
            (source_id, source_record_id),
        )
    else:
        raise HubError(
            f"{ident!r} is not a record id (rec-...), a submission id (sub-...) or"
            " SOURCE_ID:SOURCE_RECORD_ID"
        )
    # a submission leads to its record; a record to every submission that touched it
    for _ in range(2):
        if submissions:
            marks = ",".join("?" * len(submissions))
            records |= _ids(
                db,
                f"SELECT record_id FROM provenance WHERE submission_id IN ({marks})",  # noqa: S608
                tuple(submissions),
            )
        if records:
            marks = ",".join("?" * len(records))
            submissions |= _ids(
                db,
                f"SELECT submission_id FROM provenance WHERE record_id IN ({marks})",  # noqa: S608
                tuple(records),
            )
    if not submissions and not records:
        return []
    marks_s = ",".join("?" * len(submissions)) or "NULL"
    marks_r = ",".join("?" * len(records)) or "NULL"
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM provenance WHERE submission_id IN ({marks_s})"  # noqa: S608
        f" OR record_id IN ({marks_r})",
        (*submissions, *records),
    ).fetchall()
    entries = [
        TraceEntry(
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            row[6],
            row[7],
            row[8],
            row[9],
            orjson.loads(row[10]),
            row[11],
        )
        for row in rows
    ]
    entries.sort(key=lambda e: (e.recorded_at, _ORDER.get(e.stream, 9), e.version or 0))
    return entries
