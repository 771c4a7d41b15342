"""Delivery of record versions to a destination: the ledger's state machine, as pure functions.

States: ``pending`` → ``sent`` (before the push is made; in doubt if the hub dies now) →
``acked`` | ``rejected`` (final) or ``retrying`` (a transient failure; due again after a backoff)
→ ... → ``dead`` after ``max_attempts``. A ``sent`` row whose reply never came is pushed again
when its timeout passes, with the same idempotency key, so the destination sees it once.
Each transition is an event on the ``deliveries`` stream with an id derived from the row and its
attempt, so re-running a step after a crash repeats ids rather than adding events.

An operator may re-drive a ``dead`` row (:func:`redriven`, ``hub deliveries redrive``): it is
``pending`` again with attempt 0 and ``redrives`` + 1, and the ids of its next round's events
include ``redrives``, so attempt 1 of the second round is a new event, not a repeat of the first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from hub.domain.values import DeliveryRow
from hub.events import DecodedEvent, Event, derive_id
from hub.events.streams import DELIVERIES

__all__ = [
    "NATIONAL",
    "acked",
    "dead_or_retry",
    "event_id",
    "plan",
    "redriven",
    "rejected",
    "sent",
]

NATIONAL = "national"


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _at(seconds: float) -> dt.datetime:
    return _EPOCH + dt.timedelta(seconds=seconds)


def event_id(row: DeliveryRow, state: str | None = None) -> str:
    """The id of the row's event in its current state (or ``state``): rows never re-driven keep
    the ids they always had."""
    parts: tuple[object, ...] = (row.delivery_id, state or row.state, row.attempt)
    return derive_id("dlv", *parts, row.redrives) if row.redrives else derive_id("dlv", *parts)


def _event(
    row: DeliveryRow,
    occurred: dt.datetime,
    correlation_id: str,
    causation_id: str | None = None,
    *,
    actor: str | None = None,
) -> Event:
    return Event(
        stream=DELIVERIES,
        event_id=event_id(row, "redriven" if actor is not None else None),
        event_type="delivery.redriven" if actor is not None else f"delivery.{row.state}",
        key=row.record_id,
        correlation_id=correlation_id,
        occurred_at=occurred,
        causation_id=causation_id,
        producer="hub.redrive" if actor is not None else "hub.deliver",
        payload={
            "delivery_id": row.delivery_id,
            "record_id": row.record_id,
            "version": row.version,
            "destination": row.destination,
            "state": row.state,
            "attempt": row.attempt,
            "idempotency_key": row.idempotency_key,
            "national_id": row.national_id,
            "reasons": list(row.reasons),
            "source_id": row.source_id,
            "submission_id": row.submission_id,
            "redrives": row.redrives or None,  # null until re-driven: older events' shape
            "actor": actor,
        },
    )


def plan(
    record: DecodedEvent, content: dict[str, object], destination: str = NATIONAL
) -> tuple[DeliveryRow, Event]:
    """A new version becomes a pending ledger row (due at once)."""
    p = record.payload
    delivery_id = f"{p['record_id']}:{p['version']}:{destination}"
    row = DeliveryRow(
        delivery_id=delivery_id,
        record_id=p["record_id"],
        version=p["version"],
        destination=destination,
        record_type=p["record_type"],
        state="pending",
        attempt=0,
        next_attempt_at=0.0,
        idempotency_key=f"{p['record_id']}:{p['version']}",
        source_id=p["source_id"],
        submission_id=p["submission_id"],
        content=dict(content),
        operation="delete" if p["retracted"] else "upsert",
    )
    return row, _event(row, record.event.occurred_at, record.event.correlation_id, record.event_id)


def sent(
    rows: Sequence[DeliveryRow], now: float, reply_timeout: float
) -> tuple[list[DeliveryRow], list[Event]]:
    """Before the push: count the attempt; if no reply comes, the row is due again later."""
    out = [
        replace(r, state="sent", attempt=r.attempt + 1, next_attempt_at=now + reply_timeout)
        for r in rows
    ]
    return out, [_event(r, _at(now), r.submission_id) for r in out]


def acked(row: DeliveryRow, national_id: str | None, now: float) -> tuple[DeliveryRow, Event]:
    out = replace(row, state="acked", national_id=national_id, reasons=())
    return out, _event(out, _at(now), row.submission_id)


def rejected(row: DeliveryRow, reasons: Sequence[str], now: float) -> tuple[DeliveryRow, Event]:
    out = replace(row, state="rejected", reasons=tuple(reasons))
    return out, _event(out, _at(now), row.submission_id)


def dead_or_retry(
    row: DeliveryRow,
    reason: str,
    now: float,
    retry_after: float,
    max_attempts: int,
    backoff_base: float,
    backoff_cap: float,
) -> tuple[DeliveryRow, Event]:
    """A transient failure: retry later with exponential backoff, or give up after the limit."""
    if row.attempt >= max_attempts:
        out = replace(row, state="dead", reasons=(reason,))
    else:
        delay = max(retry_after, min(backoff_cap, backoff_base * 2 ** (row.attempt - 1)))
        out = replace(row, state="retrying", next_attempt_at=now + delay, reasons=(reason,))
    return out, _event(out, _at(now), row.submission_id)


def redriven(row: DeliveryRow, actor: str, now: float) -> tuple[DeliveryRow, Event]:
    """A ``dead`` row an operator sends on its way again: ``pending``, due at once, with a fresh
    attempt count (the policy's ``max_attempts`` again) and ``redrives`` + 1; the reasons it
    died with stay on the row and in the event until the next attempt replaces them. The event
    (``delivery.redriven``, state ``pending``) names the operator; its id is the row's and its
    redrive count's, so a command retried after it committed (the row no longer dead) adds
    nothing, and a second re-drive after a second death is a new event."""
    if row.state != "dead":
        raise ValueError(f"{row.delivery_id} is {row.state}, not dead")
    out = replace(row, state="pending", attempt=0, next_attempt_at=0.0, redrives=row.redrives + 1)
    return out, _event(out, _at(now), row.submission_id, actor=actor)
