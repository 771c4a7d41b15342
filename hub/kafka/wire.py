"""What a message on the hub's topics looks like (documented in the README, "Wire format").

- key: the stream's key as UTF-8 (source id, identity hash, record id): Kafka's default
  partitioner (murmur2) keeps one key's events in one partition, in order;
- value: one Avro datum in Avro's *single-object encoding* (``C3 01``, the 8-byte CRC-64-AVRO
  fingerprint of the writer schema, little-endian, then the binary datum): a consumer finds the
  writer schema in ``schemas/`` by fingerprint, no registry needed. History topics carry the
  event schemas (``schemas/events``); outbound feeds carry the subscriber's *feed schema* of the
  record type (:func:`hub.processing.feeds.feed_schema`: the record type's schema with the fields
  withheld from it nullable; the record type's own for a subscriber that sees everything);
- headers: ``event_id`` (deduplicate by it: delivery is at least once), ``event_type``,
  ``correlation_id``, and on feeds ``record_id``, ``version``, ``version_hash``; ``content-type``
  says which value format follows.

With a schema registry configured (``HUB_SCHEMA_REGISTRY_URL``) the value is in the *Confluent
wire format* instead: byte ``00``, the schema's registry id as a 4-byte big-endian integer, then
the same binary datum; the writer schema is registered under the subject ``<topic>-value``.
Switching is a header swap on the same datum (:class:`ConfluentFormat`), so everything inside the
hub stays single-object encoded, and a worker reads both formats on its input topics.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

from hub.errors import SerializationError
from hub.events import Codec
from hub.events.codec import MAGIC, schema_fingerprint
from hub.kafka.registry import SchemaRegistry, UnknownSchemaIdError
from hub.settings import HubSettings
from hub.storage.ports import StoredEvent

__all__ = [
    "CONFLUENT_CONTENT_TYPE",
    "CONTENT_TYPE",
    "ConfluentFormat",
    "Message",
    "SingleObjectFormat",
    "WireFormat",
    "event_headers",
    "event_message",
    "header",
    "wire_format",
]

CONTENT_TYPE = b"avro/binary; encoding=single-object"
CONFLUENT_CONTENT_TYPE = b"avro/binary; encoding=confluent"
CONFLUENT_MAGIC = b"\x00"


@dataclass(frozen=True, slots=True)
class Message:
    """``value`` None is a tombstone (a retracted record on a feed)."""

    topic: str
    key: bytes
    value: bytes | None
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


class WireFormat(Protocol):
    """How values look on the topics; inside the hub they are always single-object encoded."""

    def outbound(self, message: Message) -> Message:
        """The message as it goes on the wire (its value is single-object encoded)."""
        ...

    def inbound(self, value: bytes) -> bytes:
        """A value from the wire as single-object encoding; raises
        :class:`~hub.errors.SerializationError` when it cannot be read (the message is then
        quarantined with that reason)."""
        ...


class SingleObjectFormat:
    """The default: values go out as they are stored; Confluent-framed input cannot be read
    without a registry, so it is quarantined with a reason that says so."""

    def outbound(self, message: Message) -> Message:
        return message

    def inbound(self, value: bytes) -> bytes:
        if value[:1] == CONFLUENT_MAGIC and len(value) >= 5:
            raise SerializationError(
                "Confluent wire format (schema id "
                f"{int.from_bytes(value[1:5], 'big')}) but no HUB_SCHEMA_REGISTRY_URL is set"
            )
        return value


class ConfluentFormat:
    """Magic byte 0 and a registry schema id in place of ``C3 01`` and the fingerprint."""

    def __init__(self, registry: SchemaRegistry, codec: Codec) -> None:
        self.registry = registry
        self.codec = codec
        self._fingerprints: dict[int, bytes] = {}
        self._feeds: dict[str, Codec] = {}

    def learn(self, topic_prefix: str, codec: Codec) -> None:
        """The schemas values on topics starting with ``topic_prefix`` are written with (a
        subscriber's feed schemas, ``out.<name>.``): their text, not the record type's, is
        registered under the feed topic's subject (a masked-only feed schema has the record
        type's fingerprint but says which fields are masked)."""
        self._feeds[topic_prefix] = codec

    def _schema_text_id(self, topic: str, fingerprint: bytes) -> int:
        text = None
        for prefix, codec in self._feeds.items():
            if topic.startswith(prefix) and codec.knows(fingerprint):
                text = codec.schema_text(fingerprint)
        if text is None:
            text = self.codec.schema_text(fingerprint)
        return self.registry.register(f"{topic}-value", text)

    def outbound(self, message: Message) -> Message:
        value = message.value
        if value is None:
            return message  # a tombstone stays null in every format
        if value[:2] != MAGIC or len(value) < 10:
            raise SerializationError(f"not single-object encoded, cannot frame for {message.topic}")
        schema_id = self._schema_text_id(message.topic, bytes(value[2:10]))
        headers = tuple(
            (k, CONFLUENT_CONTENT_TYPE if k == "content-type" else v) for k, v in message.headers
        )
        return replace(
            message,
            value=CONFLUENT_MAGIC + schema_id.to_bytes(4, "big") + value[10:],
            headers=headers,
        )

    def inbound(self, value: bytes) -> bytes:
        if value[:1] != CONFLUENT_MAGIC:
            return value  # single-object (or garbage, which decoding reports)
        if len(value) < 5:
            raise SerializationError("Confluent wire format cut short (no schema id)")
        schema_id = int.from_bytes(value[1:5], "big")
        fingerprint = self._fingerprints.get(schema_id)
        if fingerprint is None:
            try:
                fingerprint = schema_fingerprint(self.registry.schema(schema_id))
            except UnknownSchemaIdError:
                raise SerializationError(
                    f"schema id {schema_id} is unknown to the schema registry"
                ) from None
            if not self.codec.knows(fingerprint):
                raise SerializationError(
                    f"schema id {schema_id} (fingerprint {fingerprint.hex()}) is not one of the "
                    "hub's schemas"
                )
            self._fingerprints[schema_id] = fingerprint
        return MAGIC + fingerprint + value[5:]


def wire_format(settings: HubSettings, codec: Codec) -> WireFormat:
    """The format the settings choose: Confluent's with a registry URL, else single-object."""
    if settings.schema_registry_url is None:
        return SingleObjectFormat()
    registry = SchemaRegistry(
        settings.schema_registry_url.get_secret_value(), settings.schema_registry_timeout_s
    )
    return ConfluentFormat(registry, codec)
