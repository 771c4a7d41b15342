"""The relay's feeds from a subscribers provider: routes per enabled subscriber, entitlement by
type and region, backfill to a snapshot (exactly the current version of each entitled record),
then live upserts and tombstones in order; a disabled subscriber's feed pauses, a removed one's
stops. Runs the relay in-process over the records the embedded hub made (SQLite and PostgreSQL),
with a producer that keeps what it is given."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from hub.domain.subscribers import NATIONAL, Subscriber
from hub.errors import BrokerUnavailableError
from hub.events import Codec
from hub.events.streams import RECORDS
from hub.kafka.relay import Relay
from hub.kafka.topics import feed_topic
from hub.kafka.wire import Message, header
from hub.processing.feeds import feed_schemas, shape
from hub.standard import Standard
from hub.testing.factories import make_resident_id, make_uscc
from hub.testing.harness import EmbeddedHarness
from hub.testing.sources import PROVINCE

REGIONS = ("440106", "440104", "440111", "440304")  # three in 广州 (440100), one in 深圳
GUANGZHOU = Subscriber(
    "gz-market", record_types=("supervised_entity",), regions=("440100",), sharing="unconditional"
)
CONDITIONAL = Subscriber("dept-b", sharing="conditional", personal=False)


class KeepingProducer:
    """Stands in for the Kafka producer: what was sent, in order."""

    def __init__(self) -> None:
        self.sent: list[Message] = []

    async def send_all(self, messages: Sequence[Message]) -> None:
        self.sent.extend(messages)


def _entities(example: dict[str, Any], n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        region = REGIONS[i % len(REGIONS)]
        record = dict(example)
        record |= {
            "uscc": make_uscc(region, rng),
            "region_code": region,
            "name": f"广州市第{i}号餐饮管理有限公司",
            "legal_rep_id_number": make_resident_id(region, example_born(i), i % 900 + 1),
            "source_record_id": f"GZ-SCZT-{seed}-{i:05d}",
        }
        out.append(record)
    return out


def example_born(i: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=97 * i)


@pytest.fixture(params=["sqlite", "postgres"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EmbeddedHarness]:
    extra: dict[str, Any] = {}
    if request.param == "postgres":
        from pydantic import SecretStr

        extra["database_url"] = SecretStr(request.getfixturevalue("pg_url"))
    h = EmbeddedHarness(tmp_path, **extra)
    try:
        yield h
    finally:
        h.close()


def _drain(relay: Relay, limit: int = 17) -> None:
    while asyncio.run(relay.run_once(limit)):
        pass


def _current(h: EmbeddedHarness) -> dict[str, dict[str, Any]]:
    """Each record's latest version payload (retracted ones included)."""
    latest: dict[str, dict[str, Any]] = {}
    for v in h.versions():
        latest[v["record_id"]] = v
    return latest


def _on(sent: Sequence[Message], settings: Any, name: str) -> list[Message]:
    prefix = feed_topic(settings, name, "")
    return [m for m in sent if m.topic.startswith(prefix)]


def test_a_new_subscriber_gets_the_current_entitled_version_then_live_changes(
    harness: EmbeddedHarness, standard: Standard, example: Any
) -> None:
    h = harness
    h.register(PROVINCE)
    entities = _entities(example("supervised_entity"), 80, seed=1)
    h.submit(PROVINCE.source_id, "supervised_entity", entities)
    inspection = example("inspection")
    h.submit(PROVINCE.source_id, "inspection", [inspection])
    h.run()
    changed = [
        dict(e, name=e["name"] + "（更名）", updated_at="2025-06-01T09:00:00+08:00")
        for e in entities[:24]
    ]
    h.submit(PROVINCE.source_id, "supervised_entity", changed)
    h.submit(PROVINCE.source_id, "supervised_entity", entities[24:28], operation="delete")
    h.run()

    registry: list[Subscriber] = [NATIONAL]
    producer = KeepingProducer()
    relay = Relay(
        h.hub.store,
        h.hub.codec,
        standard,
        h.hub.settings,
        producer,
        (),
        lambda: registry,
        refresh_s=0,
    )
    _drain(relay)
    national = _on(producer.sent, h.hub.settings, "national")
    # a route seen for the first time backfills, the national platform's too
    live_records = [v for v in _current(h).values() if not v["retracted"]]
    assert len(national) == len(live_records) == 81 - 4 < len(h.versions())

    registry.append(GUANGZHOU)
    registry.append(CONDITIONAL)
    _drain(relay)
    mine = _on(producer.sent, h.hub.settings, GUANGZHOU.name)
    current = _current(h)
    entitled = {
        rid: v
        for rid, v in current.items()
        if not v["retracted"] and GUANGZHOU.entitled(v["record_type"], v["region_code"])
    }
    assert len(entitled) == 80 * 3 // 4 - 3  # 440304 is not 广州's; 3 of the 4 retracted are
    assert {m.key.decode(): int(header(m.headers, "version") or 0) for m in mine} == {
        rid: v["version"] for rid, v in entitled.items()
    }
    assert len(mine) == len(entitled)  # one message per record: its current version only
    decoder = Codec(feed_schemas(standard, GUANGZHOU).values())
    record_type = standard.record_type("supervised_entity")
    for message in mine:
        assert message.value is not None
        _, value = decoder.decode(message.value)
        version = entitled[message.key.decode()]
        assert value == shape(h.hub.codec.decode(version["content"])[1], record_type, GUANGZHOU)
        assert value["legal_rep_id_number"] is None  # 不予共享: withheld
    theirs = _on(producer.sent, h.hub.settings, CONDITIONAL.name)
    assert {m.topic.rsplit(".", 1)[1] for m in theirs} == {"supervised_entity", "inspection"}
    assert len(theirs) == len([v for v in current.values() if not v["retracted"]])

    # live: updates and a retraction after the snapshot, in order per key
    before = len(producer.sent)
    again = [
        dict(e, name=e["name"] + "（再更名）", updated_at="2025-07-01T09:00:00+08:00")
        for e in changed[:8]
    ]
    h.submit(PROVINCE.source_id, "supervised_entity", again)
    h.submit(PROVINCE.source_id, "supervised_entity", changed[:1], operation="delete")
    h.run()
    _drain(relay)
    live = _on(producer.sent[before:], h.hub.settings, GUANGZHOU.name)
    expected = [e for e in again if GUANGZHOU.covers(e["region_code"])]
    assert len(live) == len(expected) + 1
    assert live[-1].value is None and header(live[-1].headers, "operation") == "delete"
    seen: dict[bytes, int] = {}
    for m in mine + live:
        version = int(header(m.headers, "version") or 0)
        assert version > seen.get(m.key, 0), "an older version after a newer one"
        seen[m.key] = version

    # paused while disabled (position kept), resumed when enabled; gone when removed
    registry[1] = replace(GUANGZHOU, disabled=True)
    h.submit(
        PROVINCE.source_id,
        "supervised_entity",
        [dict(e, updated_at="2025-08-01T09:00:00+08:00", name=e["name"] + "·") for e in again[:4]],
    )
    h.run()
    before = len(producer.sent)
    _drain(relay)
    assert not _on(producer.sent[before:], h.hub.settings, GUANGZHOU.name)
    registry[1] = GUANGZHOU
    _drain(relay)
    resumed = _on(producer.sent[before:], h.hub.settings, GUANGZHOU.name)
    assert len(resumed) == len([e for e in again[:4] if GUANGZHOU.covers(e["region_code"])])
    del registry[2]
    _drain(relay)
    assert CONDITIONAL.name not in relay.feeds
    with h.hub.store.transaction() as tx:
        assert tx.position(f"backfill:{GUANGZHOU.name}#0", RECORDS) > 0

    # a new epoch (re-added, or ``update --backfill``): the current versions again, then live
    before = len(producer.sent)
    registry[1] = replace(GUANGZHOU, epoch=1)
    _drain(relay)
    backfilled = _on(producer.sent[before:], h.hub.settings, GUANGZHOU.name)
    now = {
        rid: v["version"]
        for rid, v in _current(h).items()
        if not v["retracted"] and GUANGZHOU.entitled(v["record_type"], v["region_code"])
    }
    assert {m.key.decode(): int(header(m.headers, "version") or 0) for m in backfilled} == now
    assert len(backfilled) == len(now)


class RefusingProducer(KeepingProducer):
    """A broker without one subscriber's topics: sends to them fail as the real producer's do."""

    def __init__(self, refused: str) -> None:
        super().__init__()
        self.refused = refused

    async def send_all(self, messages: Sequence[Message]) -> None:
        if any(m.topic.startswith(self.refused) for m in messages):
            raise BrokerUnavailableError(f"Kafka did not acknowledge a batch: {self.refused}*")
        await super().send_all(messages)


def test_a_feed_that_cannot_be_written_waits_and_the_others_go_on(
    harness: EmbeddedHarness, standard: Standard, example: Any
) -> None:
    """One subscriber's feed whose topics are missing (or whose ACL is not granted yet) must not
    stall the national feed; it catches up, from its backfill, once its topics exist."""
    h = harness
    h.register(PROVINCE)
    h.submit(
        PROVINCE.source_id, "supervised_entity", _entities(example("supervised_entity"), 30, 3)
    )
    h.run()
    blocked = Subscriber("aaa-first", sharing="unconditional")  # routes run in name order
    producer = RefusingProducer(feed_topic(h.hub.settings, blocked.name, ""))
    ensured: list[str] = []

    async def ensure(subscriber: Subscriber) -> None:
        ensured.append(subscriber.name)

    relay = Relay(
        h.hub.store,
        h.hub.codec,
        standard,
        h.hub.settings,
        producer,
        (),
        lambda: [blocked, NATIONAL],
        refresh_s=0,
        ensure_topics=ensure,
    )
    with pytest.raises(BrokerUnavailableError):  # once only the waiting feed is left: a pause
        _drain(relay)
    assert len(_on(producer.sent, h.hub.settings, "national")) == 30
    assert _on(producer.sent, h.hub.settings, blocked.name) == []
    assert blocked.name in relay.waiting and "national" not in relay.waiting
    assert sorted(ensured) == ["aaa-first", "national"]  # each route's topics, once
    producer.refused = "no-such-topic."  # its topics exist now
    _drain(relay)
    assert len(_on(producer.sent, h.hub.settings, blocked.name)) == 30
    assert relay.waiting == {}
    assert sorted(ensured) == ["aaa-first", "national"]
