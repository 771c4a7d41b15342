"""Feedback to sources: every verdict, and every national ack, rejection or dead delivery, becomes
a feedback event addressed to the source whose submission it concerns."""

from __future__ import annotations

from hub.events import DecodedEvent, Event, derive_id
from hub.events.streams import FEEDBACK

__all__ = ["from_delivery", "from_verdict"]

_DELIVERY_KINDS = {
    "acked": "national_ack",
    "rejected": "national_rejection",
    "dead": "delivery_dead",
}


def from_verdict(verdict: DecodedEvent) -> Event:
    p = verdict.payload
    messages = [v["message_zh"] + " / " + v["message_en"] for v in p["violations"]]
    if p["reason"]:
        messages.append(p["reason"])
    return Event(
        stream=FEEDBACK,
        event_id=derive_id("fb", verdict.event_id),
        event_type="feedback.verdict",
        key=p["source_id"],
        correlation_id=verdict.event.correlation_id,
        occurred_at=verdict.event.occurred_at,
        causation_id=verdict.event_id,
        producer="hub.feedback",
        payload={
            "feedback_id": derive_id("fb", verdict.event_id),
            "source_id": p["source_id"],
            "kind": "verdict",
            "submission_id": p["submission_id"],
            "source_record_id": p["source_record_id"],
            "record_id": p["record_id"],
            "version": p["version"],
            "status": p["outcome"],
            "messages": messages,
        },
    )


def from_delivery(delivery: DecodedEvent) -> Event | None:
    """Feedback for final delivery states; None for the intermediate ones."""
    p = delivery.payload
    kind = _DELIVERY_KINDS.get(p["state"])
    if kind is None:
        return None
    feedback_id = derive_id("fb", delivery.event_id)
    return Event(
        stream=FEEDBACK,
        event_id=feedback_id,
        event_type=f"feedback.{kind}",
        key=p["source_id"],
        correlation_id=delivery.event.correlation_id,
        occurred_at=delivery.event.occurred_at,
        causation_id=delivery.event_id,
        producer="hub.feedback",
        payload={
            "feedback_id": feedback_id,
            "source_id": p["source_id"],
            "kind": kind,
            "submission_id": p["submission_id"],
            "source_record_id": None,
            "record_id": p["record_id"],
            "version": p["version"],
            "status": p["state"],
            "messages": list(p["reasons"]),
        },
    )
