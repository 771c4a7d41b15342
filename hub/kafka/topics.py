"""The hub's Kafka topics: names, partitions, retention, and their idempotent creation.

- history topics, one per stream (``<prefix>submissions`` ... ``<prefix>feedback``), kept
  forever (``retention.ms=-1``): the event history is the system of record and must replay;
- ``<prefix>quarantine``: messages that could not be read, with the reason, kept forever;
- outbound feeds, one per enabled subscriber and record type it is entitled to
  (``<prefix>out.national.inspection``), *compacted* (``cleanup.policy=compact``): keyed by record
  id, a feed keeps at least the latest version of every record, and a retraction's tombstone
  compacts the record away, so a reader starting from the beginning gets the current state.
  History topics keep ``delete`` with retention forever: their history is the point.

Every message is keyed (the stream's key: source id, identity hash, record id), so one record's
events stay in one partition, in order. ``hub topics create`` makes what is missing and reports
topics whose partition count differs from the settings (it never changes an existing topic:
adding partitions moves keys between them).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from hub.domain.subscribers import NATIONAL, Subscriber
from hub.errors import BrokerUnavailableError, ConfigError
from hub.events.streams import STREAMS
from hub.kafka.security import aiokafka_options
from hub.settings import HubSettings

__all__ = [
    "QUARANTINE",
    "TopicReport",
    "TopicSpec",
    "create_topics",
    "create_topics_async",
    "delete_feed_topics",
    "feed_topic",
    "feed_topic_names",
    "feed_topics",
    "hub_topics",
    "inbound_pattern",
    "inbound_topic",
    "inbound_topics",
    "stream_topic",
]

QUARANTINE = "quarantine"
FOREVER = "-1"


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int
    replication: int
    config: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TopicReport:
    created: list[str]
    existing: list[str]
    #: topics whose partition count is not the configured one: ``(name, have, want)``
    mismatched: list[tuple[str, int, int]]

    def to_dict(self) -> dict[str, object]:
        return {
            "created": self.created,
            "existing": self.existing,
            "mismatched": [{"topic": n, "have": h, "want": w} for n, h, w in self.mismatched],
        }


def stream_topic(settings: HubSettings, stream: str) -> str:
    return f"{settings.kafka_topic_prefix}{stream}"


def feed_topic(settings: HubSettings, subscriber: str, record_type: str) -> str:
    """The feed of the subscriber named ``subscriber`` for one record type."""
    return f"{settings.kafka_topic_prefix}out.{subscriber}.{record_type}"


def hub_topics(
    settings: HubSettings,
    record_types: Iterable[str],
    subscribers: Sequence[Subscriber] = (NATIONAL,),
) -> list[TopicSpec]:
    """Every topic the hub uses, as the settings ask for them: the feeds of the enabled
    ``subscribers`` (the registry's) for the types they are entitled to."""
    parts, repl = settings.kafka_partitions, settings.kafka_replication
    history = _history(settings)
    specs = [TopicSpec(stream_topic(settings, s), parts, repl, dict(history)) for s in STREAMS]
    specs.append(TopicSpec(stream_topic(settings, QUARANTINE), 1, repl, dict(history)))
    return specs + feed_topics(settings, record_types, subscribers)


def _history(settings: HubSettings) -> dict[str, str]:
    """The config of a topic that is history: kept forever, never compacted."""
    history = {"retention.ms": FOREVER, "retention.bytes": FOREVER, "cleanup.policy": "delete"}
    if settings.kafka_replication > 1:
        history["min.insync.replicas"] = str(min(2, settings.kafka_replication))
    return history


def feed_topics(
    settings: HubSettings, record_types: Iterable[str], subscribers: Sequence[Subscriber]
) -> list[TopicSpec]:
    """The feed topics of the enabled ``subscribers``, one per type each is entitled to,
    compacted."""
    outbound = dict(
        _history(settings),
        **{
            "retention.ms": str(settings.kafka_outbound_retention_ms),  # ignored when compacted
            "cleanup.policy": "compact",
        },
    )
    parts, repl = settings.kafka_partitions, settings.kafka_replication
    return [
        TopicSpec(name, parts, repl, dict(outbound))
        for sub in subscribers
        if not sub.disabled
        for name in feed_topic_names(settings, sub, record_types)
    ]


def inbound_topic(settings: HubSettings, source_id: str) -> str:
    """The topic a source that submits over Kafka writes to (``<prefix>in.<source_id>``): only its
    own principal may write it, so the topic a submission came from says who sent it."""
    return f"{settings.kafka_topic_prefix}in.{source_id}"


def inbound_pattern(settings: HubSettings) -> str:
    """The regular expression of every inbound topic (``^<prefix>in\\..+``), for a pattern
    subscription that picks up a new source's topic without a restart."""
    return f"^{re.escape(settings.kafka_topic_prefix)}in\\..+"


def inbound_topics(settings: HubSettings, source_ids: Iterable[str]) -> list[TopicSpec]:
    """The inbound topics of these sources, kept forever like the submissions topic (they are
    where those sources' submissions first land: part of the history)."""
    parts, repl = settings.kafka_partitions, settings.kafka_replication
    history = _history(settings)
    return [
        TopicSpec(inbound_topic(settings, s), parts, repl, dict(history))
        for s in sorted(set(source_ids))
    ]


def feed_topic_names(
    settings: HubSettings, subscriber: Subscriber, record_types: Iterable[str]
) -> list[str]:
    """A subscriber's feed topics, ``<prefix>out.<name>.<type>``, one per type it is entitled to
    (sorted)."""
    return [
        feed_topic(settings, subscriber.name, t)
        for t in sorted(set(record_types))
        if subscriber.receives(t)
    ]


async def _create(
    settings: HubSettings, bootstrap: str, specs: Sequence[TopicSpec], timeout_s: float
) -> TopicReport:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=10_000, **aiokafka_options(settings)
    )
    await asyncio.wait_for(admin.start(), timeout_s)
    try:
        have = {
            t["topic"]: len(t["partitions"])
            for t in await admin.describe_topics([s.name for s in specs])
            if t.get("error_code", 0) == 0
        }
        missing = [s for s in specs if s.name not in have]
        if missing:
            response = await admin.create_topics(
                [
                    NewTopic(s.name, s.partitions, s.replication, topic_configs=s.config)
                    for s in missing
                ],
                timeout_ms=int(timeout_s * 1000),
            )
            for name, code, *rest in response.topic_errors:
                if code not in (0, TopicAlreadyExistsError.errno):
                    raise ConfigError(f"cannot create topic {name}: error {code} {rest}")
        return TopicReport(
            created=[s.name for s in missing],
            existing=[s.name for s in specs if s.name in have],
            mismatched=[
                (s.name, have[s.name], s.partitions)
                for s in specs
                if s.name in have and have[s.name] != s.partitions
            ],
        )
    finally:
        await admin.close()


async def create_topics_async(
    settings: HubSettings, specs: Sequence[TopicSpec], timeout_s: float = 30.0
) -> TopicReport:
    """:func:`create_topics` from a running event loop (the relay's): the topics missing made."""
    if not settings.kafka_bootstrap:
        raise ConfigError("HUB_KAFKA_BOOTSTRAP is not set: there is no Kafka to create topics on")
    return await asyncio.wait_for(
        _create(settings, settings.kafka_bootstrap, specs, timeout_s), timeout_s * 2
    )


def create_topics(
    settings: HubSettings, specs: Sequence[TopicSpec], timeout_s: float = 30.0
) -> TopicReport:
    """Create the topics that are missing (idempotent; safe to run from several places)."""
    if not settings.kafka_bootstrap:
        raise ConfigError("HUB_KAFKA_BOOTSTRAP is not set: there is no Kafka to create topics on")
    try:
        return asyncio.run(_create(settings, settings.kafka_bootstrap, specs, timeout_s))
    except (KafkaError, TimeoutError, OSError) as exc:
        raise BrokerUnavailableError(
            f"Kafka at the configured bootstrap did not answer: {exc!r}"
        ) from exc


async def _delete(
    settings: HubSettings, bootstrap: str, names: Sequence[str], timeout_s: float
) -> list[str]:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=10_000, **aiokafka_options(settings)
    )
    await asyncio.wait_for(admin.start(), timeout_s)
    try:
        present = sorted(set(names) & set(await admin.list_topics()))
        if present:
            response = await admin.delete_topics(present, timeout_ms=int(timeout_s * 1000))
            failed = [(name, code) for name, code, *_ in response.topic_error_codes if code != 0]
            if failed:
                raise ConfigError(f"cannot delete feed topics: {failed}")
        return present
    finally:
        await admin.close()


def delete_feed_topics(
    settings: HubSettings, subscriber: str, record_types: Iterable[str], timeout_s: float = 30.0
) -> list[str]:
    """Delete the feed topics of the subscriber named ``subscriber`` (``<prefix>out.<name>.<type>``
    for every type of the standard) and return those that existed. Only names the hub itself
    would give are touched: names hold no ``.``, so ``dept-a`` never reaches ``out.dept-ab.*``.
    Call it after the registration is gone: a relay still routing to a deleted topic fails to
    write (the broker creates no topics on its own) and drops the route at its next registry read.
    """
    if not settings.kafka_bootstrap:
        raise ConfigError("HUB_KAFKA_BOOTSTRAP is not set: there is no Kafka to delete topics on")
    names = [feed_topic(settings, subscriber, t) for t in sorted(set(record_types))]
    try:
        return asyncio.run(_delete(settings, settings.kafka_bootstrap, names, timeout_s))
    except (KafkaError, TimeoutError, OSError) as exc:
        raise BrokerUnavailableError(
            f"Kafka at the configured bootstrap did not answer: {exc!r}"
        ) from exc
