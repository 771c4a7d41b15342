"""Faults of the distributed runtime, on a real broker and a real PostgreSQL: a worker SIGKILLed
mid-stream, the broker restarted mid-run, malformed messages on the input topic.

The reference is a clean run of the same submissions on the embedded runtime. The submissions all
come from one source, so their order is the same in both runtimes (one partition of the
submissions topic). Each fault is made while part of the province is still held back, so it lands
mid-run whatever the speed of the engine.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from hub.connectors.submissions import record_submissions
from hub.domain.values import Source
from hub.events.codec import MAGIC
from hub.events.streams import SUBMISSIONS
from hub.kafka.topics import stream_topic
from hub.testing.distributed import DistributedHarness
from hub.testing.harness import EmbeddedHarness
from hub.testing.province import generate_province
from tests.kafka import kafka_server
from tests.pg import fresh_database
from tests.processes import wait_until

ALL = Source("zj-all", "national", "330000", "浙江省数据交换平台")
RECORDS, SEED = 400, 11


def _submit_province(
    harness: EmbeddedHarness, chunk: int = 40, part: slice = slice(None)
) -> list[str]:
    """Submit the province (``part`` of its chunks: a fault test holds the rest back until the
    fault has happened, so the fault lands mid-run however fast the hub is)."""
    harness.register(ALL)
    ids: list[str] = []
    province = generate_province(RECORDS, SEED)
    for start in range(0, len(province.submissions), chunk)[part]:
        part = province.submissions[start : start + chunk]
        for record_type in dict.fromkeys(s.record_type for s in part):
            events = list(
                record_submissions(
                    ALL.source_id,
                    record_type,
                    [s.record for s in part if s.record_type == record_type],
                    batch_id=f"fault-{start}-{record_type}",
                    received_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                )
            )
            harness.ingest(events)
            ids += [e.event_id for e in events]
    return ids


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    harness = EmbeddedHarness(tmp_path_factory.mktemp("reference"))
    try:
        _submit_province(harness)
        harness.run()
        return harness.outcome()
    finally:
        harness.close()


def test_a_worker_killed_mid_stream_loses_and_duplicates_nothing(
    tmp_path: Path, pg_server: str, kafka_bootstrap: str, reference: dict[str, Any]
) -> None:
    with fresh_database(pg_server, "hub_kill") as url:
        harness = DistributedHarness(tmp_path, url, kafka_bootstrap, workers=2, batch_size=10)
        try:
            _submit_province(harness, part=slice(None, 5))
            total = len(reference["versions"])
            wait_until(lambda: harness.versions_done() >= total // 4)
            harness.kill(1)  # SIGKILL: no goodbye to the group, transactions cut mid-way
            assert harness.versions_done() < total  # it really was mid-stream
            _submit_province(harness, part=slice(5, None))
            harness.run(timeout_s=180)
            assert harness.outcome() == reference
            assert harness.status()["reconciled"]
        finally:
            harness.close()


def test_restarting_the_broker_mid_run_loses_nothing(
    tmp_path: Path, pg_server: str, reference: dict[str, Any]
) -> None:
    with kafka_server("hub-kafka-restart-") as broker, fresh_database(pg_server, "hub_bk") as url:
        harness = DistributedHarness(tmp_path, url, broker.bootstrap, batch_size=10)
        try:
            _submit_province(harness, part=slice(None, 5))
            total = len(reference["versions"])
            wait_until(lambda: harness.versions_done() >= total // 4)
            broker.restart()
            assert harness.versions_done() < total
            _submit_province(harness, part=slice(5, None))
            harness.run(timeout_s=240)
            assert harness.outcome() == reference
        finally:
            harness.close()


async def _send_raw(bootstrap: str, topic: str, key: bytes, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


def test_malformed_messages_are_quarantined_and_the_partition_goes_on(
    tmp_path: Path, pg_url: str, kafka_bootstrap: str, inspection: dict[str, Any]
) -> None:
    harness = DistributedHarness(tmp_path, pg_url, kafka_bootstrap)
    try:
        harness.register(ALL)
        topic = stream_topic(harness.settings, SUBMISSIONS)
        unknown = MAGIC + bytes(range(8)) + b"\x02xx"  # Avro framing, a schema nobody has
        framed = b"\x00\x00\x00\x00\x07\x02"  # Confluent framing, and no registry is set
        bad = [b"\xffnot avro", unknown, framed]
        asyncio.run(_send_raw(kafka_bootstrap, topic, ALL.source_id.encode(), bad))
        ids = harness.submit(ALL.source_id, "inspection", [inspection])  # same partition, after
        harness.run()
        kept = harness.hub.store.quarantined()
        assert sorted(q.body for q in kept) == sorted(bad)
        reasons = " | ".join(q.reason for q in kept)
        assert "bad magic" in reasons and "unknown schema fingerprint" in reasons
        assert "schema id 7) but no HUB_SCHEMA_REGISTRY_URL" in reasons
        assert all(q.origin.startswith(f"{topic}/") and q.stream == SUBMISSIONS for q in kept)
        assert harness.verdicts()[ids[0]]["outcome"] == "accepted_new"
        assert harness.status()["quarantined"] == 3
    finally:
        harness.close()
