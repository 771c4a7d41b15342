"""Provenance: one row per event of every stream, indexed by submission, record and the source's
own id, so ``hub trace`` can show a record's whole chain from the county's submission to the
national ack. Detail columns hold no record content (it can hold personal data)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from hub.events import DecodedEvent
from hub.events.streams import DELIVERIES, FEEDBACK, RECORDS, SUBMISSIONS, VALIDATED, VERDICTS
from hub.processing.judge import TABLE_ROW
from hub.projections.base import Projection
from hub.projections.tables import Column, Kind, Row, Table

__all__ = ["PROVENANCE", "ProvenanceProjection"]


def _detail(event: DecodedEvent) -> dict[str, Any]:
    p = event.payload
    stream = event.stream
    if stream == SUBMISSIONS:
        detail = {
            "channel": p["channel"],
            "batch_id": p["batch_id"],
            "line": p["batch_index"],
            "content_type": p["content_type"],
            "bytes": len(p["raw"]),
            "unreadable": bool(p["problem"]),
        }
        if p["operation"] != "upsert":
            detail["operation"] = p["operation"]
        if p["origin"]:
            detail["origin"] = orjson.loads(p["origin"])  # the lower hub's record and version
        if p["content_type"] == TABLE_ROW:
            profile = orjson.loads(p["raw"]).get("profile")
            if profile:
                detail["profile"] = profile  # the mapping profile the row was read with
        return detail
    if stream == VALIDATED:
        return {
            "identity": p["identity_hash"][:16],
            "changes": [c["field"] for c in p["changes"]],
            "warnings": [w["rule"] for w in p["warnings"]],
        }
    if stream == VERDICTS:
        return {
            "outcome": p["outcome"],
            "reason": p["reason"],
            "violations": [f"{v['rule']}@{v['field']}" for v in p["violations"]],
        }
    if stream == RECORDS:
        return {
            "version": p["version"],
            "content_hash": p["content_hash"],
            "version_hash": p["version_hash"],
            "prev_hash": p["prev_hash"],
            **({"retracted": True} if p["retracted"] else {}),
        }
    if stream == DELIVERIES:
        detail = {
            "destination": p["destination"],
            "state": p["state"],
            "attempt": p["attempt"],
            "national_id": p["national_id"],
            "reasons": p["reasons"],
        }
        if p.get("redrives"):  # re-driven by an operator (issue 15): which round, and by whom
            detail["redrives"] = p["redrives"]
        if p.get("actor"):
            detail["by"] = p["actor"]
        return detail
    return {"kind": p["kind"], "status": p["status"], "messages": p["messages"][:5]}


PROVENANCE = Table(
    "provenance",
    (
        Column("event_id"),
        Column("stream"),
        Column("event_type"),
        Column("occurred_at", Kind.TIME),
        Column("recorded_at", Kind.TIME),
        Column("submission_id", nullable=True),
        Column("record_id", nullable=True),
        Column("version", Kind.INT, nullable=True),
        Column("source_id", nullable=True),
        Column("source_record_id", nullable=True),
        Column("actor"),
        Column("detail", Kind.JSON),
    ),
    key=("event_id",),
    indexes=(("submission_id",), ("record_id",), ("source_id", "source_record_id")),
)


class ProvenanceProjection(Projection):
    name = "provenance"
    description = "every event, indexed by submission, record and source record id (hub trace)"
    streams = (SUBMISSIONS, VALIDATED, VERDICTS, RECORDS, DELIVERIES, FEEDBACK)
    tables = (PROVENANCE,)

    def rows(self, events: Sequence[DecodedEvent]) -> dict[str, list[Row]]:
        return {PROVENANCE.name: [_row(event) for event in events]}


def _row(event: DecodedEvent) -> Row:
    p = event.payload
    return (
        event.event_id,
        event.stream,
        event.event.event_type,
        event.event.occurred_at.isoformat(),
        event.recorded_at.isoformat(),
        p.get("submission_id") or event.event.correlation_id,
        p.get("record_id"),
        p.get("version"),
        p.get("source_id"),
        p.get("source_record_id"),
        event.event.producer,
        orjson.dumps(_detail(event)).decode(),
    )
