"""Building submission events: the one place a submission id is made.

``submission_id = derive(source_id, batch_id, index)``: re-sending the same batch (same batch id)
makes the same ids, and the log skips them, so a retried upload is received once; a new batch with
the same records makes new submissions, which resolution then calls duplicates.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from hub.engine.steps import append_events
from hub.events import Codec, Event, derive_id
from hub.events.streams import SUBMISSIONS

if TYPE_CHECKING:
    from hub.settings import HubSettings
    from hub.storage.ports import Store, Transaction

__all__ = ["store_submissions", "submission_event"]


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


def store_submissions(
    settings: HubSettings,
    store: Store,
    codec: Codec,
    events: Sequence[Event],
    also: Callable[[Transaction], None] | None = None,
) -> int:
    """Make a connector's submissions durable, then commit ``also`` (its cursor, what it
    quarantined); the number new to the hub.

    Embedded: one durable transaction holds the submissions and ``also``. Distributed: the
    submissions are produced and acknowledged (``acks=all``) first, ``also`` commits after, so a
    crash between them sends the same submissions again (same ids, claimed once) and never moves
    a cursor past what was not stored. Kafka cannot tell a resent id, so there every event counts.
    """
    if settings.kafka_bootstrap:
        from hub.kafka.ingest import produce_submissions

        produce_submissions(settings, codec, events)
        if also is not None:
            with store.transaction(durable=True) as tx:
                also(tx)
        return len(events)
    with store.transaction(durable=True) as tx:
        new = append_events(tx, codec, events, time.time())
        if also is not None:
            also(tx)
    return new
