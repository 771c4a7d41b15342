"""Building submission events: the one place a submission id is made.

``submission_id = derive(source_id, batch_id, index)``: re-sending the same batch (same batch id)
makes the same ids, and the log skips them, so a retried upload is received once; a new batch with
the same records makes new submissions, which resolution then calls duplicates. Every connector
builds its submissions here and hands them to a :class:`~hub.engine.sink.SubmissionSink`: one at
a time (:func:`submission_event`), or a batch of records already in memory (an HTTP batch, the
demo, a test: :func:`record_submissions`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import orjson

from hub.events import Event, derive_id
from hub.events.streams import SUBMISSIONS
from hub.processing.judge import TABLE_ROW
from hub.standard.reading import Reading

__all__ = ["record_submissions", "source_record_id", "submission_event", "table_row"]


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


def source_record_id(data: Any) -> str | None:
    """The source's own id of a record (``source_record_id``), trimmed, when it gives one."""
    value = data.get("source_record_id") if isinstance(data, dict) else None
    return value.strip()[:100] if isinstance(value, str) else None


def table_row(
    record: dict[str, Any], cells: dict[str, Any] | None, profile_id: str | None
) -> bytes:
    """The bytes of a table-row submission: the record read, the row as it came, the profile."""
    return orjson.dumps({"record": record, "cells": cells, "profile": profile_id})


def record_submissions(
    source_id: str,
    record_type: str,
    records: list[dict[str, Any]],
    *,
    batch_id: str,
    received_at: dt.datetime,
    channel: str = "api",
    operation: str = "upsert",
    reading: Reading | None = None,
) -> Iterator[Event]:
    """Submission events of records already in memory (the demo, the HTTP API); ``operation``
    delete asks for the records' retraction. With ``reading`` (a source's profile) each record
    is read as a table row is, its keys as column headers (``TABLE_ROW``)."""
    for index, record in enumerate(records, start=1):
        raw, content_type, data = orjson.dumps(record), "application/json; charset=utf-8", record
        if reading is not None and isinstance(record, dict):
            data = reading.fields(record)
            raw, content_type = table_row(data, record, reading.profile_id), TABLE_ROW
        yield submission_event(
            source_id=source_id,
            record_type=record_type,
            channel=channel,
            batch_id=batch_id,
            index=index,
            raw=raw,
            content_type=content_type,
            received_at=received_at,
            source_record_id=source_record_id(data),
            operation=operation,
        )
