"""The workers' consumer-group lag on their input topics, as Kafka sees it.

``hub status`` already shows stage lag from the log (events in PostgreSQL not yet handled); this
is the other half: messages on Kafka that no worker has committed yet (submissions waiting for
the fused step). An operator needs both to tell "the workers
are behind" from "the relay is behind".
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import GroupCoordinatorNotAvailableError, KafkaError

from hub.errors import BrokerUnavailableError, ConfigError
from hub.kafka.security import aiokafka_options
from hub.settings import HubSettings

__all__ = ["group_lag", "partition_lag"]


async def _lag(
    settings: HubSettings, bootstrap: str, topics: Sequence[str]
) -> dict[tuple[str, int], int]:
    group = settings.kafka_group
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=10_000, **aiokafka_options(settings)
    )
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, **aiokafka_options(settings)
    )
    try:  # stopped even when a start fails (a refused login): no unclosed client left behind
        await admin.start()
        await consumer.start()
        committed = await _committed(admin, group)
        partitions = [
            TopicPartition(t["topic"], p["partition"])
            for t in await admin.describe_topics(list(topics))
            if t.get("error_code", 0) == 0
            for p in t["partitions"]
        ]
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
        lag: dict[tuple[str, int], int] = {}
        for tp in partitions:
            done = committed.get(tp)
            position = done.offset if done is not None and done.offset >= 0 else starts[tp]
            lag[(tp.topic, tp.partition)] = max(ends[tp] - position, 0)
        return lag
    finally:
        await consumer.stop()
        await admin.close()


async def _committed(admin: AIOKafkaAdminClient, group: str) -> dict[TopicPartition, Any]:
    """The group's committed offsets. A broker that has just started has no coordinator yet
    (it creates the offsets topic on the first request): asked again until it has, within the
    caller's deadline."""
    while True:
        try:
            return dict(await admin.list_consumer_group_offsets(group))
        except GroupCoordinatorNotAvailableError:
            await asyncio.sleep(0.2)


def group_lag(
    settings: HubSettings, topics: Sequence[str], timeout_s: float = 15.0
) -> dict[str, int]:
    """Messages per topic that the workers' group (``HUB_KAFKA_GROUP``) has not committed."""
    lag = dict.fromkeys(topics, 0)
    for (topic, _partition), behind in partition_lag(settings, topics, timeout_s).items():
        lag[topic] += behind
    return lag


def partition_lag(
    settings: HubSettings, topics: Sequence[str], timeout_s: float = 15.0
) -> dict[tuple[str, int], int]:
    """Messages per ``(topic, partition)`` the workers' group has not committed (the
    ``hub_kafka_consumer_lag`` metric; a hot partition hides in a topic's sum)."""
    if not settings.kafka_bootstrap:
        raise ConfigError("HUB_KAFKA_BOOTSTRAP is not set")
    try:
        return asyncio.run(
            asyncio.wait_for(_lag(settings, settings.kafka_bootstrap, topics), timeout_s)
        )
    except (KafkaError, TimeoutError, OSError) as exc:
        raise BrokerUnavailableError(f"Kafka did not answer for the group lag: {exc!r}") from exc
