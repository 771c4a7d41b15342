"""The event model: what processing functions produce and consume.

``Event`` carries the envelope fields and a payload (the schema's other fields, as Avro-ready
Python values). ``recorded_at`` is not part of it: the storage adapter stamps it when it appends,
so the pure functions that produce events never read a clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

__all__ = ["DecodedEvent", "Event", "derive_id"]


def derive_id(prefix: str, *parts: object) -> str:
    """A deterministic id from an event's cause: the same cause always gives the same id."""
    text = "\x1f".join(str(p) for p in parts)
    return f"{prefix}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:26]}"


@dataclass(frozen=True, slots=True)
class Event:
    """An event to append to a stream."""

    stream: str
    event_id: str
    event_type: str
    key: str
    correlation_id: str
    occurred_at: dt.datetime
    payload: dict[str, Any]
    causation_id: str | None = None
    standard_version: str | None = None
    producer: str = "hub"


@dataclass(frozen=True, slots=True)
class DecodedEvent:
    """An event read back from a stream, with its position and the time it was recorded."""

    stream: str
    position: int
    event: Event
    recorded_at: dt.datetime

    @property
    def payload(self) -> dict[str, Any]:
        return self.event.payload

    @property
    def event_id(self) -> str:
        return self.event.event_id
