"""The distributed runtime with a schema registry (``HUB_SCHEMA_REGISTRY_URL``): every topic in
the Confluent wire format, on a real broker, read by Confluent's own Kafka client and
deserializer; the registry is the loopback stand-in (see :mod:`hub.testing.schema_registry`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from confluent_kafka import Consumer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

from hub.backends import backend_at
from hub.domain.subscribers import NATIONAL, Subscriber
from hub.domain.values import Source
from hub.events.streams import SUBMISSIONS, VERDICTS
from hub.kafka.topics import feed_topic, stream_topic
from hub.kafka.wire import CONFLUENT_CONTENT_TYPE, header
from hub.processing.feeds import shape
from hub.testing.distributed import DistributedHarness
from hub.testing.schema_registry import StandInRegistry

ALL = Source("zj-all", "national", "330000", "浙江省数据交换平台")


@pytest.fixture
def registry() -> Iterator[StandInRegistry]:
    with StandInRegistry() as running:
        yield running


def _consume(bootstrap: str, topic: str, count: int, timeout_s: float = 60) -> list[Any]:
    """The first ``count`` messages of ``topic``, read with Confluent's client (librdkafka)."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"confluent-reader-{time.monotonic_ns()}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    messages: list[Any] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(messages) < count and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                messages.append(message)
    finally:
        consumer.close()
    assert len(messages) == count, f"{topic}: {len(messages)} of {count} messages"
    return messages


def test_topics_carry_the_confluent_wire_format_that_confluents_client_reads(
    tmp_path: Path,
    pg_url: str,
    kafka_bootstrap: str,
    registry: StandInRegistry,
    inspection: dict[str, Any],
) -> None:
    harness = DistributedHarness(
        tmp_path, pg_url, kafka_bootstrap, schema_registry_url=registry.url
    )
    try:
        harness.register(ALL)
        # registered while the workers run, with no `hub topics create` after it: the relay makes
        # its feed topics, and the national feed does not wait for them
        departments = Subscriber("departments", sharing="unconditional")  # masked, withheld
        store = backend_at(harness.hub.data_dir, pg_url).store()
        try:
            with store.transaction(durable=True) as tx:
                tx.put_subscriber(departments)
        finally:
            store.close()
        [submission] = harness.submit(ALL.source_id, "inspection", [inspection])
        harness.run()
        assert harness.verdicts()[submission]["outcome"] == "accepted_new"
        settings, codec = harness.settings, harness.hub.codec
        deserialize = AvroDeserializer(SchemaRegistryClient({"url": registry.url}))

        [verdict] = _consume(kafka_bootstrap, stream_topic(settings, VERDICTS), 1)
        assert verdict.value()[:1] == b"\x00"
        assert header(verdict.headers(), "content-type") == CONFLUENT_CONTENT_TYPE.decode()
        value = deserialize(
            verdict.value(), SerializationContext(verdict.topic(), MessageField.VALUE)
        )
        assert value["submission_id"] == submission and value["outcome"] == "accepted_new"
        assert value["envelope"]["event_id"] == header(verdict.headers(), "event_id")

        [version] = harness.versions()
        record_type = harness.hub.standard.record_type("inspection")
        for feed in (NATIONAL, departments):  # the departments feed by its own feed schema
            [message] = _consume(kafka_bootstrap, feed_topic(settings, feed.name, "inspection"), 1)
            theirs = deserialize(
                message.value(), SerializationContext(message.topic(), MessageField.VALUE)
            )
            assert theirs == shape(codec.decode(version["content"])[1], record_type, feed)
            assert header(message.headers(), "record_id") == version["record_id"]
        assert f"{stream_topic(settings, SUBMISSIONS)}-value" in registry.subjects()
    finally:
        harness.close()


async def _send_raw(bootstrap: str, topic: str, key: bytes, value: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


def test_a_registry_outage_pauses_the_worker_and_an_unknown_id_is_quarantined(
    tmp_path: Path,
    pg_url: str,
    kafka_bootstrap: str,
    registry: StandInRegistry,
    inspection: dict[str, Any],
) -> None:
    harness = DistributedHarness(
        tmp_path, pg_url, kafka_bootstrap, workers=0, schema_registry_url=registry.url
    )
    try:
        harness.register(ALL)
        topic = stream_topic(harness.settings, SUBMISSIONS)
        asyncio.run(
            _send_raw(kafka_bootstrap, topic, ALL.source_id.encode(), b"\x00\x00\x01\x00\x00\x02")
        )
        [submission] = harness.submit(ALL.source_id, "inspection", [inspection])
        registry.unavailable = True  # the worker has not asked for any schema yet
        worker = harness.start_worker()
        time.sleep(8)
        assert worker.poll() is None, "the worker must wait out the outage, not exit"
        assert harness.verdicts() == {}
        assert harness.hub.store.quarantined() == []  # an outage is not the message's fault
        registry.unavailable = False
        harness.run()
        assert harness.verdicts()[submission]["outcome"] == "accepted_new"
        [kept] = harness.hub.store.quarantined()
        assert "schema id 65536 is unknown to the schema registry" in kept.reason
        assert kept.origin.startswith(f"{topic}/")
    finally:
        harness.close()
