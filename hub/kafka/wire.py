"""What a message on the hub's topics looks like (documented in the README, "Wire format").

- key: the stream's key as UTF-8 (source id, identity hash, record id): Kafka's default
  partitioner (murmur2) keeps one key's events in one partition, in order;
- value: one Avro datum in Avro's *single-object encoding* (``C3 01``, the 8-byte CRC-64-AVRO
  fingerprint of the writer schema, little-endian, then the binary datum): a consumer finds the
  writer schema in ``schemas/`` by fingerprint, no registry needed. History topics carry the
  event schemas (``schemas/events``); outbound feeds carry the record type's schema
  (``schemas/records``), shaped for the subscriber;
- headers: ``event_id`` (deduplicate by it: delivery is at least once), ``event_type``,
  ``correlation_id``, and on feeds ``record_id``, ``version``, ``version_hash``.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.storage.ports import StoredEvent

__all__ = ["CONTENT_TYPE", "Message", "event_headers", "event_message", "header"]

CONTENT_TYPE = b"avro/binary; encoding=single-object"


@dataclass(frozen=True, slots=True)
class Message:
    topic: str
    key: bytes
    value: bytes
    headers: tuple[tuple[str, bytes], ...]


def event_headers(
    event_id: str, event_type: str, correlation_id: str
) -> tuple[tuple[str, bytes], ...]:
    return (
        ("event_id", event_id.encode()),
        ("event_type", event_type.encode()),
        ("correlation_id", correlation_id.encode()),
        ("content-type", CONTENT_TYPE),
    )


def event_message(topic: str, event: StoredEvent) -> Message:
    return Message(
        topic,
        event.key.encode(),
        event.body,
        event_headers(event.event_id, event.event_type, event.correlation_id),
    )


def header(headers: object, name: str) -> str | None:
    """A header's value as text, from aiokafka's or faust's header list."""
    for key, value in headers or ():  # type: ignore[attr-defined]
        if key == name:
            return bytes(value).decode() if value is not None else None
    return None
