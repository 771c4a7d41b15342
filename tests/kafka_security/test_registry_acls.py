"""The registry's ACLs on a real secured broker (``hub acl sync`` with sources and subscribers,
issue 16): a subscriber reads its own feeds and nothing else, a source writes its own inbound
topic and nothing else, a grant of a removed subscriber is gone after the next sync; and a real
worker pair stores and rejects a submission that a source's principal wrote to its own inbound
topic in another source's name (SOURCE.TOPIC), while accepting one in its own.

Every refusal has its positive control (the same client doing what it is entitled to)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import KafkaError as ConfluentError
from confluent_kafka import Producer

from hub.connectors.submissions import record_submissions
from hub.domain.subscribers import NATIONAL, Subscriber
from hub.errors import ConfigError
from hub.kafka.acl import Grant, hub_grants, sync_acls
from hub.kafka.ingest import submission_message
from hub.kafka.security import confluent_options
from hub.kafka.topics import (
    TopicSpec,
    create_topics,
    feed_topic_names,
    hub_topics,
    inbound_topic,
    inbound_topics,
    stream_topic,
)
from hub.kafka.wire import wire_format
from hub.settings import HubSettings
from hub.standard import Standard, load_standard
from hub.testing.distributed import DistributedHarness
from hub.testing.sources import COUNTY, OTHER_COUNTY
from tests.kafka import SecureBroker, read_confluent
from tests.processes import wait_until

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

REFUSED = (ConfluentError.TOPIC_AUTHORIZATION_FAILED, ConfluentError.GROUP_AUTHORIZATION_FAILED)

DEPT_A = Subscriber(
    "dept-a", record_types=("inspection",), principal="User:dept-a", description="天河区发改局"
)
DEPT_B = Subscriber("dept-b", principal="User:dept-b", description="广东省信用中心")
KAFKA_COUNTY = dataclasses.replace(COUNTY, principal="User:src-a")


def settings_of(broker: SecureBroker, user: str, **more: Any) -> HubSettings:
    env = broker.env(user)
    values: dict[str, Any] = {key.removeprefix("HUB_").lower(): value for key, value in env.items()}
    return HubSettings(**(values | more))


def options(broker: SecureBroker, user: str) -> dict[str, Any]:
    return confluent_options(settings_of(broker, user)) | {"log_level": 0}


def produce(options: dict[str, Any], topic: str, value: bytes = b"x") -> ConfluentError | None:
    """One message; its delivery error, or None when the broker took it."""
    outcome: list[ConfluentError | None] = []
    producer = Producer(options | {"message.timeout.ms": 10_000, "socket.timeout.ms": 5_000})
    producer.produce(topic, value, key=b"k", on_delivery=lambda err, _m: outcome.append(err))
    deadline = time.monotonic() + 20
    while not outcome and time.monotonic() < deadline:
        producer.poll(0.1)
    producer.purge()
    producer.flush(1)
    assert outcome, "no delivery report within 20 s"
    return outcome[0]


def _created(settings: HubSettings, topic: str) -> bool:
    """Whether the hub made ``topic`` (False while the broker has not applied the new ACLs:
    its authorizer follows the metadata log a moment after the controller)."""
    try:
        create_topics(settings, inbound_topics(settings, [topic.rsplit(".in.", 1)[1]]))
    except ConfigError:
        return False
    return True


def refused(outcome: ConfluentError | bytes | None) -> bool:
    return isinstance(outcome, ConfluentError) and outcome.code() in REFUSED


def test_subscribers_read_their_own_feeds_and_sources_write_their_own_topic_only(
    secure_kafka: SecureBroker, standard: Standard
) -> None:
    prefix = f"r{uuid.uuid4().hex[:8]}."
    more = {"kafka_topic_prefix": prefix, "kafka_group": f"{prefix}workers", "kafka_partitions": 1}
    admin = settings_of(secure_kafka, "admin", **more)
    types = standard.types
    subscribers = [NATIONAL, DEPT_A, DEPT_B]
    sources = [KAFKA_COUNTY, OTHER_COUNTY]
    grants = hub_grants(admin, "hub", types, subscribers, sources)
    report = sync_acls(admin, grants)
    assert sorted(report.created) == grants and report.removed == []
    feeds = {s.name: feed_topic_names(admin, s, types) for s in (DEPT_A, DEPT_B)}
    specs = hub_topics(admin, types) + inbound_topics(admin, [KAFKA_COUNTY.source_id])
    specs += [TopicSpec(t, 1, 1) for names in feeds.values() for t in names]
    create_topics(settings_of(secure_kafka, "hub", **more), specs)
    hub = options(secure_kafka, "hub")
    feed_a, feed_b = f"{prefix}out.dept-a.inspection", f"{prefix}out.dept-b.inspection"
    assert feeds["dept-a"] == [feed_a]
    for topic in (feed_a, feed_b, f"{prefix}records"):
        assert produce(hub, topic, f"为 {topic}".encode()) is None  # the relay's right

    a, b = options(secure_kafka, "dept-a"), options(secure_kafka, "dept-b")
    # its own feed, in a group named after it: read (the positive control)
    assert read_confluent(a, feed_a, "dept-a.inspections") == f"为 {feed_a}".encode()
    assert read_confluent(b, feed_b, "dept-b.all") == f"为 {feed_b}".encode()
    # another subscriber's feed, a history topic, a group not its own: refused
    assert refused(read_confluent(a, feed_b, "dept-a.peek"))
    assert refused(read_confluent(b, feed_a, "dept-b.peek"))
    for history in ("records", "submissions", "verdicts"):
        assert refused(read_confluent(a, f"{prefix}{history}", "dept-a.history")), history
    assert refused(read_confluent(a, feed_a, "dept-b.inspections"))  # dept-b's group
    # no writes for readers; the source writes only its own inbound topic
    src = options(secure_kafka, "src-a")
    own_inbound = inbound_topic(admin, KAFKA_COUNTY.source_id)
    writes = {
        ("dept-a", feed_a): produce(a, feed_a),
        ("src-a", stream_topic(admin, "submissions")): produce(src, f"{prefix}submissions"),
        ("src-a", feed_a): produce(src, feed_a),
        ("src-a", "another source's"): produce(src, inbound_topic(admin, OTHER_COUNTY.source_id)),
        ("outsider", own_inbound): produce(options(secure_kafka, "outsider"), own_inbound),
    }
    for who, error in writes.items():
        assert error is not None and error.code() == ConfluentError.TOPIC_AUTHORIZATION_FAILED, who
    assert produce(src, own_inbound) is None  # the positive control

    # dept-b removed from the registry: the next sync deletes its grants, and only those
    after = hub_grants(admin, "hub", types, [NATIONAL, DEPT_A], sources)
    again = sync_acls(admin, after)
    assert {g.principal for g in again.removed} == {"User:dept-b", "User:hub"}
    assert {g.name for g in again.removed if g.principal == "User:hub"} == set(feeds["dept-b"])
    assert again.created == [] and sorted(again.existing) == after
    assert refused(read_confluent(b, feed_b, "dept-b.all"))
    assert read_confluent(a, feed_a, "dept-a.again") == f"为 {feed_a}".encode()  # dept-a untouched


def test_a_submission_in_another_sources_name_on_an_inbound_topic_is_rejected(
    tmp_path: Path, pg_url: str, secure_kafka: SecureBroker, inspection: dict[str, Any]
) -> None:
    """src-a (the Kafka principal of gz-440106) writes to in.gz-440106 one submission in its
    own name and one in gz-440104's: two real workers keep both, accept the first and reject
    the second with SOURCE.TOPIC."""
    admin_env = secure_kafka.env("admin")

    def admin_of(settings: HubSettings) -> HubSettings:
        return HubSettings.model_validate(
            {
                **settings.model_dump(),
                "kafka_sasl_username": admin_env["HUB_KAFKA_SASL_USERNAME"],
                "kafka_sasl_password": admin_env["HUB_KAFKA_SASL_PASSWORD"],
            }
        )

    def grant(settings: HubSettings) -> None:
        sync_acls(admin_of(settings), hub_grants(admin_of(settings), "hub", load_standard().types))

    harness = DistributedHarness(
        tmp_path, pg_url, secure_kafka.bootstrap, kafka_env=secure_kafka.env("hub"), workers=0,
        prepare=grant,
    )  # fmt: skip
    try:
        harness.register(KAFKA_COUNTY, OTHER_COUNTY)
        settings = harness.settings
        types = harness.hub.standard.types
        sources = harness.hub.store.sources()
        assert [s.principal for s in sources if s.source_id == COUNTY.source_id] == ["User:src-a"]
        synced = sync_acls(
            admin_of(settings), hub_grants(admin_of(settings), "hub", types, [], sources)
        )
        topic = inbound_topic(settings, COUNTY.source_id)
        assert Grant("User:hub", "topic", topic, "create") in synced.created
        wait_until(lambda: _created(settings, topic), timeout_s=30, every_s=0.5)
        harness.start_worker()
        harness.start_worker()
        received = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        own = list(
            record_submissions(
                COUNTY.source_id, "inspection", [inspection], batch_id="k1", received_at=received
            )
        )
        forged = list(
            record_submissions(
                OTHER_COUNTY.source_id,
                "inspection",
                [inspection],
                batch_id="k2",
                received_at=received,
            )
        )
        wire = wire_format(settings, harness.hub.codec)
        src = confluent_options(settings_of(secure_kafka, "src-a")) | {"log_level": 0}
        producer = Producer(src)
        outcome: list[ConfluentError | None] = []
        for event in own + forged:
            message = submission_message(settings, harness.hub.codec, event, received, wire)
            producer.produce(
                topic,
                message.value,
                key=message.key,
                headers=list(message.headers),
                on_delivery=lambda err, _m: outcome.append(err),
            )
        producer.flush(30)
        assert outcome == [None, None]
        harness.sent.update(e.event_id for e in own + forged)
        harness.run()
        verdicts = harness.verdicts()
        assert verdicts[own[0].event_id]["outcome"] != "rejected", verdicts[own[0].event_id]
        assert forged[0].event_id not in verdicts  # it got ids of its own
        (marked,) = [v for k, v in verdicts.items() if k != own[0].event_id]
        assert marked["outcome"] == "rejected" and marked["source_id"] == OTHER_COUNTY.source_id
        assert [v["rule"] for v in marked["violations"]] == ["SOURCE.TOPIC"]
        assert marked["violations"][0]["message_zh"] == (
            f"提交来源 {OTHER_COUNTY.source_id} 与主题 {topic} 不符"
        )
        assert harness.status()["received"] == 2  # both kept in the log
    finally:
        harness.close()
