"""The proof of per-subscriber feeds on a real broker and PostgreSQL: 1,000 records of several
types and regions go through a worker; then subscribers are added; their feeds, read with
confluent-kafka's consumer and decoded with their feed schemas alone, hold exactly the current
entitled version of each record, masked per their entitlement; updates and a retraction then
arrive live, after the backfill, in order per key.

The subscribers are registered through the store while the workers run, as ``hub subscribers
add`` does: the workers' own relay (which re-reads the registry every two seconds) finds them,
backfills their feeds and goes live, with no restart."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer

from hub.backends import backend_at
from hub.domain.subscribers import Subscriber
from hub.events import Codec
from hub.kafka.topics import create_topics, feed_topic, hub_topics
from hub.processing.feeds import feed_schemas, mask, shape
from hub.testing.distributed import DistributedHarness
from hub.testing.factories import make_resident_id, make_uscc
from hub.testing.sources import PROVINCE

REGIONS = ("440106", "440104", "440111", "440304", "440305")  # 广州 three, 深圳 two
#: 无条件, no personal data, entities and inspections of 广州 only
GUANGZHOU = Subscriber(
    "gz-market", record_types=("supervised_entity", "inspection"), regions=("440100",)
)
#: 有条件, no personal data, entities of 深圳
SHENZHEN = Subscriber(
    "sz-credit", record_types=("supervised_entity",), regions=("440300",), sharing="conditional"
)


def _records(
    entity: dict[str, Any], inspection: dict[str, Any], n: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(16)
    entities, inspections = [], []
    for i in range(n):
        region = REGIONS[i % len(REGIONS)]
        uscc = make_uscc(region, rng)
        born = dt.date(1960, 1, 1) + dt.timedelta(days=53 * i)
        entities.append(
            entity
            | {
                "uscc": uscc,
                "region_code": region,
                "name": f"第{i}号餐饮管理有限公司",
                "legal_representative": rng.choice(["陈志强", "李秀英", "王伟", "欧阳娜娜"]),
                "legal_rep_id_number": make_resident_id(region, born, i % 900 + 1),
                "source_record_id": f"SCZT-{i:05d}",
            }
        )
        if i % 3 == 0:
            inspections.append(
                inspection
                | {
                    "counterparty_id": uscc,
                    "counterparty_name": f"第{i}号餐饮管理有限公司",
                    "supervised_object": f"第{i}号餐饮管理有限公司",
                    "source_record_id": f"JCXW-{i:05d}",
                }
            )
    return entities, inspections


def _read(bootstrap: str, topics: Sequence[str], at_least: int, quiet_s: float = 3.0) -> list[Any]:
    """Every message of ``topics`` from the start (at least ``at_least``, then until quiet)."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"feed-reader-{time.monotonic_ns()}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe(list(topics))
    messages: list[Any] = []
    deadline = time.monotonic() + 120
    quiet_until = None
    try:
        while time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                messages.append(message)
                quiet_until = None
            elif len(messages) >= at_least:
                quiet_until = quiet_until or time.monotonic() + quiet_s
                if time.monotonic() > quiet_until:
                    break
    finally:
        consumer.close()
    return messages


def _header(message: Any, name: str) -> str | None:
    for key, value in message.headers() or ():
        if key == name:
            return bytes(value).decode() if value is not None else None
    return None


def _register(url: str, data_dir: Path, subscribers: Sequence[Subscriber]) -> None:
    """What ``hub subscribers add`` stores (the running workers' relay picks it up)."""
    store = backend_at(data_dir, url).store()
    try:
        with store.transaction(durable=True) as tx:
            for subscriber in subscribers:
                tx.put_subscriber(subscriber)
    finally:
        store.close()


def test_new_subscribers_get_the_current_entitled_records_then_live_changes(
    tmp_path: Path, pg_url: str, kafka_bootstrap: str, example: Any
) -> None:
    harness = DistributedHarness(tmp_path, pg_url, kafka_bootstrap, batch_size=100)
    try:
        standard = harness.hub.standard
        harness.register(PROVINCE)
        entities, inspections = _records(example("supervised_entity"), example("inspection"), 750)
        assert len(entities) + len(inspections) == 1000
        harness.submit(PROVINCE.source_id, "supervised_entity", entities)
        harness.submit(PROVINCE.source_id, "inspection", inspections)
        harness.run(timeout_s=300)
        renamed = [
            e | {"name": e["name"] + "（更名）", "updated_at": "2025-06-01T09:00:00+08:00"}
            for e in entities[:100]
        ]
        harness.submit(PROVINCE.source_id, "supervised_entity", renamed)
        harness.submit(PROVINCE.source_id, "supervised_entity", entities[100:110], "r", "delete")
        harness.run(timeout_s=300)

        subscribers = [GUANGZHOU, SHENZHEN]
        create_topics(harness.settings, hub_topics(harness.settings, standard.types, subscribers))
        _register(pg_url, harness.hub.data_dir, subscribers)

        current: dict[str, dict[str, Any]] = {}
        for version in harness.versions():
            current[version["record_id"]] = version
        assert sum(1 for v in current.values() if v["record_type"] == "inspection") > 200
        codec = harness.hub.codec
        feeds: dict[str, dict[bytes, Any]] = {}
        for subscriber in subscribers:
            entitled = {
                rid: v
                for rid, v in current.items()
                if not v["retracted"] and subscriber.entitled(v["record_type"], v["region_code"])
            }
            topics = [
                feed_topic(harness.settings, subscriber.name, t) for t in subscriber.record_types
            ]
            messages = _read(kafka_bootstrap, topics, len(entitled))
            assert len(messages) == len(entitled), subscriber.name  # one per record, no more
            assert {m.key().decode(): int(_header(m, "version") or 0) for m in messages} == {
                rid: v["version"] for rid, v in entitled.items()
            }
            decoder = Codec(feed_schemas(standard, subscriber).values())  # their schemas alone
            for message in messages:
                version = entitled[message.key().decode()]
                record_type = standard.record_type(version["record_type"])
                _, value = decoder.decode(message.value())
                stored = codec.decode(version["content"])[1]
                assert value == shape(stored, record_type, subscriber)
                if version["record_type"] == "supervised_entity":
                    assert value["legal_rep_id_number"] is None  # 不予共享: withheld for both
                    expected = mask(stored["legal_representative"])
                    if subscriber is GUANGZHOU:  # 有条件 field: withheld for 无条件
                        expected = None
                    assert value["legal_representative"] == expected
            feeds[subscriber.name] = {m.key(): m for m in messages}
        assert not set(feeds[GUANGZHOU.name]) & set(feeds[SHENZHEN.name])

        # live: updates and a retraction after the backfill, in order per key
        again = [
            e | {"name": e["name"] + "（再更名）", "updated_at": "2025-07-01T09:00:00+08:00"}
            for e in renamed[:40]
        ]
        harness.submit(PROVINCE.source_id, "supervised_entity", again)
        gone = next(e for e in again if GUANGZHOU.covers(e["region_code"]))
        harness.submit(PROVINCE.source_id, "supervised_entity", [gone], "r2", "delete")
        harness.run(timeout_s=300)
        before = len(feeds[GUANGZHOU.name])
        topics = [feed_topic(harness.settings, GUANGZHOU.name, t) for t in GUANGZHOU.record_types]
        expected_live = len([e for e in again if GUANGZHOU.covers(e["region_code"])]) + 1
        everything = _read(kafka_bootstrap, topics, before + expected_live)
        assert len(everything) == before + expected_live
        last: dict[bytes, int] = {}
        tombstones = 0
        for message in everything:
            version = int(_header(message, "version") or 0)
            assert version > last.get(message.key(), 0), "an older version after a newer one"
            last[message.key()] = version
            if message.value() is None:
                tombstones += 1
                assert _header(message, "operation") == "delete"
        assert tombstones == 1
    finally:
        harness.close()
