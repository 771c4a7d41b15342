"""Building submission events: the one place a submission id is made.

``submission_id = derive(source_id, batch_id, index)``: re-sending the same batch (same batch id)
makes the same ids, and the log skips them, so a retried upload is received once; a new batch with
the same records makes new submissions, which resolution then calls duplicates. Every connector
builds its submissions here and hands them to a :class:`~hub.connectors.sink.SubmissionSink`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson

from hub.events import Event, derive_id
from hub.events.streams import SUBMISSIONS

__all__ = ["submission_event"]


def submission_event(
    *,
    source_id: str,
    record_type: str,
    channel: str,
    batch_id: str,
    index: int,
    raw: bytes,
    content_type: str,
    received_at: dt.datetime,
    source_record_id: str | None = None,
    problem: dict[str, Any] | None = None,
    operation: str = "upsert",
    origin: dict[str, Any] | None = None,
) -> Event:
    submission_id = derive_id("sub", source_id, batch_id, index)
    return Event(
        stream=SUBMISSIONS,
        event_id=submission_id,
        event_type="submission.received",
        key=source_id,
        correlation_id=submission_id,
        occurred_at=received_at,
        producer=f"connector.{channel}",
        payload={
            "submission_id": submission_id,
            "source_id": source_id,
            "channel": channel,
            "record_type": record_type,
            "batch_id": batch_id,
            "batch_index": index,
            "source_record_id": source_record_id,
            "content_type": content_type,
            "raw": raw,
            "problem": orjson.dumps(problem).decode() if problem is not None else None,
            "operation": operation,
            "origin": orjson.dumps(origin).decode() if origin is not None else None,
        },
    )
