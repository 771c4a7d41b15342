"""A retraction on the outbound feeds of the distributed runtime: a tombstone (null value) under
the record's key, with ``operation: delete``, after the record's earlier version."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer

from hub.domain.subscribers import NATIONAL, Subscriber
from hub.kafka.topics import create_topics, feed_topic, hub_topics
from hub.kafka.wire import header
from hub.testing.distributed import DistributedHarness
from hub.testing.sources import COUNTY


async def _read(bootstrap: str, topic: str, count: int) -> list[Any]:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    messages: list[Any] = []
    try:
        while len(messages) < count:
            batch = await asyncio.wait_for(consumer.getmany(timeout_ms=1000), 60)
            messages += [m for part in batch.values() for m in part]
    finally:
        await consumer.stop()
    return messages


def test_a_retraction_is_a_tombstone_on_every_feed(
    tmp_path: Path, pg_url: str, kafka_bootstrap: str, inspection: dict[str, Any]
) -> None:
    harness = DistributedHarness(tmp_path, pg_url, kafka_bootstrap)
    try:
        departments = Subscriber("departments", sharing="unconditional", personal=False)
        with harness.hub.store.transaction() as tx:
            tx.put_subscriber(departments)
        subscribers = harness.hub.store.subscribers()
        create_topics(harness.settings, hub_topics(harness.settings, ["inspection"], subscribers))
        harness.register(COUNTY)
        harness.submit(COUNTY.source_id, "inspection", [inspection])
        harness.run()
        harness.submit(COUNTY.source_id, "inspection", [inspection], operation="delete")
        harness.run()
        [record_id] = {v["record_id"] for v in harness.versions()}
        for feed in (NATIONAL, departments):
            topic = feed_topic(harness.settings, feed.name, "inspection")
            first, second = asyncio.run(_read(kafka_bootstrap, topic, 2))
            assert first.key == second.key == record_id.encode()
            assert first.value is not None and header(first.headers, "operation") == "upsert"
            assert second.value is None and header(second.headers, "operation") == "delete"
            assert header(second.headers, "version") == "2"
        assert [a.operation for a in harness.sim.accepted()] == ["upsert", "delete"]
    finally:
        harness.close()
