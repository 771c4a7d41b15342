"""The submission-sink contract on every sink: the log on SQLite and on PostgreSQL (a real
server: ops/postgres or HUB_TEST_DATABASE_URL), and Kafka on a real broker (tests/kafka.py),
read back from the topic. The sinks are the ones ``sink_for`` picks, over a store pool, as the
API builds them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from hub.backends import backend_for
from hub.engine.sink import KafkaSink, LogSink, SubmissionSink, sink_for
from hub.events import Codec, load_codec
from hub.events.streams import SUBMISSIONS
from hub.kafka.topics import TopicSpec, create_topics, stream_topic
from hub.kafka.wire import header
from hub.settings import HubSettings
from hub.standard import load_standard
from hub.storage.pool import StorePool
from hub.storage.ports import Store
from hub.testing.contracts.sink import SubmissionSinkContract


@pytest.fixture(scope="module")
def codec() -> Codec:
    return load_codec(load_standard().root)


class _OnSettings(SubmissionSinkContract):
    """The sink the settings choose, over a store pool; ``store`` a handle of its own."""

    kind: type[SubmissionSink]

    @pytest.fixture
    def settings(self) -> HubSettings:
        raise NotImplementedError

    @pytest.fixture
    def sink(self, settings: HubSettings, codec: Codec) -> Iterator[SubmissionSink]:
        pool = StorePool(backend_for(settings).store)
        sink = sink_for(settings, pool, codec)
        assert type(sink) is self.kind
        yield sink
        sink.close()
        pool.close()

    @pytest.fixture
    def store(self, settings: HubSettings) -> Iterator[Store]:
        store = backend_for(settings).store()
        yield store
        store.close()


class _OnTheLog(_OnSettings):
    kind = LogSink

    @pytest.fixture
    def held(self, store: Store) -> Callable[[], list[str]]:
        return lambda: [e.event_id for e in store.read(SUBMISSIONS, 0, 100_000)]


class TestLogSinkOnSqlite(_OnTheLog):
    @pytest.fixture
    def settings(self, tmp_path: Path) -> HubSettings:
        return HubSettings(data_dir=tmp_path)


class TestLogSinkOnPostgres(_OnTheLog):
    @pytest.fixture
    def settings(self, tmp_path: Path, pg_url: str) -> HubSettings:
        return HubSettings(data_dir=tmp_path, database_url=SecretStr(pg_url))


class TestKafkaSink(_OnSettings):
    """Submissions on a topic of the test's own (one partition: one order to read back); the
    idempotency records and ``also`` in the embedded store."""

    kind = KafkaSink

    @pytest.fixture
    def settings(self, tmp_path: Path, kafka_bootstrap: str) -> HubSettings:
        settings = HubSettings(
            data_dir=tmp_path,
            kafka_bootstrap=kafka_bootstrap,
            kafka_topic_prefix=f"t{uuid.uuid4().hex[:10]}.",
        )
        create_topics(settings, [TopicSpec(stream_topic(settings, SUBMISSIONS), 1, 1)])
        return settings

    @pytest.fixture
    def held(self, settings: HubSettings) -> Callable[[], list[str]]:
        return lambda: _topic_ids(
            settings.kafka_bootstrap or "", stream_topic(settings, SUBMISSIONS)
        )


def _topic_ids(bootstrap: str, topic: str) -> list[str]:
    """The ``event_id`` header of every message on the topic's one partition, in order."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"read-back-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
        }
    )
    try:
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
        if high <= low:
            return []
        consumer.assign([TopicPartition(topic, 0, low)])
        found: list[str] = []
        while len(found) < high - low:
            message = consumer.poll(10)
            assert message is not None, f"read {len(found)} of {high - low} messages back"
            assert message.error() is None, message.error()
            found.append(header(message.headers(), "event_id") or "")
        return found
    finally:
        consumer.close()
