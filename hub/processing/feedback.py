"""Feedback to sources: every verdict, and every national ack, rejection or dead delivery, becomes
a feedback event addressed to the source whose submission it concerns. Tasks from the national
platform and feedback from a higher hub are built by :func:`feedback_event` too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from hub.events import DecodedEvent, Event, derive_id
from hub.events.streams import FEEDBACK

__all__ = ["feedback_event", "from_delivery", "from_verdict"]

_DELIVERY_KINDS = {
    "acked": "national_ack",
    "rejected": "national_rejection",
    "dead": "delivery_dead",
}


def feedback_event(
    *,
    feedback_id: str,
    source_id: str,
    kind: str,
    submission_id: str,
    record_id: str | None,
    version: int | None,
    status: str,
    messages: Sequence[str],
    correlation_id: str,
    occurred_at: dt.datetime,
    causation_id: str | None,
    producer: str,
    source_record_id: str | None = None,
    upstream: str | None = None,
) -> Event:
    """One feedback event (``FeedbackIssued``) addressed to ``source_id``."""
    return Event(
        stream=FEEDBACK,
        event_id=feedback_id,
        event_type=f"feedback.{kind}",
        key=source_id,
        correlation_id=correlation_id,
        occurred_at=occurred_at,
        causation_id=causation_id,
        producer=producer,
        payload={
            "feedback_id": feedback_id,
            "source_id": source_id,
            "kind": kind,
            "submission_id": submission_id,
            "source_record_id": source_record_id,
            "record_id": record_id,
            "version": version,
            "status": status,
            "messages": list(messages),
            "upstream": upstream,
        },
    )


def from_verdict(verdict: DecodedEvent) -> Event:
    p = verdict.payload
    messages = [v["message_zh"] + " / " + v["message_en"] for v in p["violations"]]
    if p["reason"]:
        messages.append(p["reason"])
    return feedback_event(
        feedback_id=derive_id("fb", verdict.event_id),
        source_id=p["source_id"],
        kind="verdict",
        submission_id=p["submission_id"],
        source_record_id=p["source_record_id"],
        record_id=p["record_id"],
        version=p["version"],
        status=p["outcome"],
        messages=messages,
        correlation_id=verdict.event.correlation_id,
        occurred_at=verdict.event.occurred_at,
        causation_id=verdict.event_id,
        producer="hub.feedback",
    )


def from_delivery(delivery: DecodedEvent) -> Event | None:
    """Feedback for final delivery states; None for the intermediate ones."""
    p = delivery.payload
    kind = _DELIVERY_KINDS.get(p["state"])
    if kind is None:
        return None
    return feedback_event(
        feedback_id=derive_id("fb", delivery.event_id),
        source_id=p["source_id"],
        kind=kind,
        submission_id=p["submission_id"],
        record_id=p["record_id"],
        version=p["version"],
        status=p["state"],
        messages=list(p["reasons"]),
        correlation_id=delivery.event.correlation_id,
        occurred_at=delivery.event.occurred_at,
        causation_id=delivery.event_id,
        producer="hub.feedback",
    )
