"""The Confluent wire format (magic byte 0 + 4-byte schema id) and the schema-registry client.

The registry is the stand-in of :mod:`hub.testing.schema_registry` on loopback (no real registry
can run here: see its docstring). What makes the format proof stronger than the stand-in: the
other side of every exchange is Confluent's own client, ``confluent_kafka.schema_registry``
(its ``SchemaRegistryClient``, ``AvroSerializer`` and ``AvroDeserializer``), which must read what
the hub writes and write what the hub reads.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from hub.connectors.submissions import record_submissions
from hub.errors import RegistryUnavailableError, SchemaRegistryError, SerializationError
from hub.events import Codec, load_codec
from hub.events.streams import SUBMISSIONS
from hub.kafka.registry import SchemaRegistry, UnknownSchemaIdError
from hub.kafka.wire import (
    CONFLUENT_CONTENT_TYPE,
    ConfluentFormat,
    Message,
    SingleObjectFormat,
    event_headers,
)
from hub.standard import Standard
from hub.testing.schema_registry import StandInRegistry

TOPIC = "hub.submissions"
CONTEXT = SerializationContext(TOPIC, MessageField.VALUE)


@pytest.fixture
def registry() -> Iterator[StandInRegistry]:
    with StandInRegistry() as running:
        yield running


@pytest.fixture(scope="module")
def codec(standard: Standard) -> Codec:
    return load_codec(standard.root)


def _submission(codec: Codec, record: dict[str, Any]) -> Message:
    [event] = record_submissions(
        "zj-hz-xh", "inspection", [record], batch_id="b1", received_at=dt.datetime(2026, 1, 1)
    )
    body = codec.encode_event(event, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    return Message(TOPIC, b"zj-hz-xh", body, event_headers(event.event_id, "x", "y"))


def test_register_is_idempotent_and_ids_are_global(registry: StandInRegistry) -> None:
    client = SchemaRegistry(registry.url)
    schema = '{"type":"record","name":"T","fields":[{"name":"a","type":"long"}]}'
    first = client.register("a-value", schema)
    assert SchemaRegistry(registry.url).register("a-value", schema) == first  # not a cache hit
    assert SchemaRegistry(registry.url).register("b-value", schema) == first
    assert SchemaRegistry(registry.url).schema(first) == schema
    other = client.register("a-value", schema.replace('"long"', '"string"'))
    assert other != first


def test_refusals_and_outages_are_told_apart(registry: StandInRegistry) -> None:
    client = SchemaRegistry(registry.url)
    with pytest.raises(UnknownSchemaIdError, match="40403"):
        client.schema(999)
    with pytest.raises(SchemaRegistryError, match="42201"):
        client.register("a-value", '{"type": "no-such-type"}')
    registry.unavailable = True
    with pytest.raises(RegistryUnavailableError, match="503"):
        client.schema(1)
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with pytest.raises(RegistryUnavailableError, match="unreachable"):
        SchemaRegistry(f"http://127.0.0.1:{port}", timeout_s=1).schema(1)


def test_credentials_in_the_url_go_as_basic_auth_and_never_into_errors(
    registry: StandInRegistry,
) -> None:
    url = registry.url.replace("http://", "http://svc:s3cret-pw@")
    client = SchemaRegistry(url)
    assert "s3cret-pw" not in client.base
    with pytest.raises(UnknownSchemaIdError) as refused:
        client.schema(42)
    assert "s3cret-pw" not in str(refused.value)
    assert registry.authorizations[-1] == "Basic c3ZjOnMzY3JldC1wdw=="  # base64("svc:s3cret-pw")


def test_confluent_framing_is_a_header_swap_on_the_same_datum(
    registry: StandInRegistry, codec: Codec, inspection: dict[str, Any]
) -> None:
    message = _submission(codec, inspection)
    wire = ConfluentFormat(SchemaRegistry(registry.url), codec)
    framed = wire.outbound(message)
    assert framed.value[:1] == b"\x00"
    schema_id = int.from_bytes(framed.value[1:5], "big")
    assert framed.value[5:] == message.value[10:]
    assert ("content-type", CONFLUENT_CONTENT_TYPE) in framed.headers
    assert registry.subjects() == {f"{TOPIC}-value": [schema_id]}
    assert wire.inbound(framed.value) == message.value
    assert wire.inbound(message.value) == message.value  # single-object still reads


def test_confluents_deserializer_reads_what_the_hub_writes(
    registry: StandInRegistry, codec: Codec, inspection: dict[str, Any]
) -> None:
    message = _submission(codec, inspection)
    framed = ConfluentFormat(SchemaRegistry(registry.url), codec).outbound(message)
    theirs = AvroDeserializer(SchemaRegistryClient({"url": registry.url}))(framed.value, CONTEXT)
    assert theirs == codec.decode(message.value)[1]


def test_the_hub_reads_what_confluents_serializer_writes(
    registry: StandInRegistry, codec: Codec, inspection: dict[str, Any]
) -> None:
    message = _submission(codec, inspection)
    _name, value = codec.decode(message.value)
    schema = codec.schema_text(message.value[2:10])
    serializer = AvroSerializer(SchemaRegistryClient({"url": registry.url}), schema)
    theirs = serializer(value, CONTEXT)
    assert theirs[:1] == b"\x00"
    body = ConfluentFormat(SchemaRegistry(registry.url), codec).inbound(theirs)
    decoded = codec.decode_event(SUBMISSIONS, 0, body)
    assert decoded.payload == codec.decode_event(SUBMISSIONS, 0, message.value).payload


def test_ids_the_hub_cannot_read_are_serialization_errors(
    registry: StandInRegistry, codec: Codec
) -> None:
    wire = ConfluentFormat(SchemaRegistry(registry.url), codec)
    with pytest.raises(SerializationError, match="schema id 77 is unknown"):
        wire.inbound(b"\x00\x00\x00\x00\x4d\x02")
    foreign = '{"type":"record","name":"Foreign","fields":[{"name":"a","type":"long"}]}'
    foreign_id = SchemaRegistry(registry.url).register("other-value", foreign)
    with pytest.raises(SerializationError, match="not one of the hub's schemas"):
        wire.inbound(b"\x00" + foreign_id.to_bytes(4, "big") + b"\x02")
    with pytest.raises(SerializationError, match="cut short"):
        wire.inbound(b"\x00\x00")


def test_without_a_registry_confluent_framing_is_refused_with_the_reason() -> None:
    with pytest.raises(SerializationError, match="no HUB_SCHEMA_REGISTRY_URL"):
        SingleObjectFormat().inbound(b"\x00\x00\x00\x00\x07\x02")


def test_every_schema_of_the_pack_registers_as_written(
    registry: StandInRegistry, codec: Codec
) -> None:
    """What goes to the registry is the schema of ``schemas/`` with its docs and defaults (a
    registry's compatibility check needs the defaults), and it parses back to its fingerprint."""
    from hub.events.codec import schema_fingerprint

    client = SchemaRegistry(registry.url)
    for name in codec.names():
        fingerprint = codec.fingerprint(name)
        schema_id = client.register(f"{name}-value", codec.schema_text(fingerprint))
        assert schema_fingerprint(SchemaRegistry(registry.url).schema(schema_id)) == fingerprint


def test_a_feed_value_is_registered_with_its_feed_schema_and_decodes_with_it(
    registry: StandInRegistry, codec: Codec, standard: Standard
) -> None:
    """A masked-and-withheld feed value: registered under the feed topic's subject with the feed
    schema (not the record type's), and Confluent's deserializer reads it with that alone."""
    from hub.domain.subscribers import Subscriber
    from hub.processing.feeds import feed_schemas, shape

    officer = standard.record_type("officer")
    subscriber = Subscriber("dept-a", sharing="conditional", personal=False)
    feed = Codec(feed_schemas(standard, subscriber).values())
    stored = {f.name: None for f in officer.fields} | {
        "id_number": "33010619850312002X",
        "name": "张三丰",
        "cert_no": "33010623001587",
        "department": "杭州市西湖区市场监督管理局",
        "region_code": "330106",
        "phone": "13812345678",
        "source_record_id": "ZFRY-0001",
        "updated_at": dt.datetime(2025, 3, 1, 9, 15, tzinfo=dt.UTC),
    }
    shaped = shape(stored, officer, subscriber)
    topic = "hub.out.dept-a.officer"
    wire = ConfluentFormat(SchemaRegistry(registry.url), codec)
    wire.learn("hub.out.dept-a.", feed)
    framed = wire.outbound(Message(topic, b"k", feed.encode(officer.full_name, shaped), ()))
    client = SchemaRegistryClient({"url": registry.url})
    registered = client.get_latest_version(f"{topic}-value").schema.schema_str
    assert '"hub.feed":"withheld"' in registered.replace(" ", "")
    assert framed.value is not None
    value = AvroDeserializer(client)(framed.value, SerializationContext(topic, MessageField.VALUE))
    assert value == shaped and value["id_number"] is None
