"""An idempotent, acknowledged producer: ``send_all`` returns only when the broker holds every
message (``acks=all``), or raises :class:`~hub.errors.BrokerUnavailableError` and the caller
sends the same messages again later. The idempotent producer keeps its own retries from
duplicating; a resend after a crash can still duplicate, which consumers absorb by event id."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    ClusterAuthorizationFailedError,
    KafkaError,
    TopicAuthorizationFailedError,
)

from hub.errors import BrokerUnavailableError
from hub.kafka.wire import Message
from hub.settings import HubSettings

__all__ = ["Producer", "ProducerThread", "release_publisher"]


class Producer:
    """``security``: the client options of :func:`hub.kafka.security.aiokafka_options` (none:
    plaintext)."""

    def __init__(
        self, bootstrap: str, timeout_s: float = 30.0, security: Mapping[str, Any] | None = None
    ) -> None:
        self.bootstrap = bootstrap
        self.timeout_s = timeout_s
        self._security = dict(security or {})
        self._producer: AIOKafkaProducer | None = None
        self._starting = asyncio.Lock()  # concurrent first sends start one producer, not two

    async def start(self) -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap,
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
            max_batch_size=512 * 1024,
            max_request_size=4 * 1024 * 1024,
            request_timeout_ms=int(self.timeout_s * 1000),
            **self._security,
        )
        try:
            await asyncio.wait_for(producer.start(), self.timeout_s)
        except ClusterAuthorizationFailedError as exc:  # no write ACL on any topic
            await producer.stop()
            raise BrokerUnavailableError(
                "Kafka refused the producer: the configured principal may write no topic "
                f"(无写入权限; grant it with hub acl sync): {type(exc).__name__}"
            ) from exc
        except (KafkaError, OSError, TimeoutError) as exc:
            await producer.stop()
            raise BrokerUnavailableError(f"Kafka did not answer: {exc!r}") from exc
        self._producer = producer

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def send_all(self, messages: Sequence[Message]) -> None:
        if not messages:
            return
        async with self._starting:
            if self._producer is None:
                await self.start()
        producer = self._producer
        assert producer is not None
        try:
            futures = [
                await producer.send(m.topic, m.value, key=m.key, headers=list(m.headers))
                for m in messages
            ]
            await asyncio.wait_for(asyncio.gather(*futures), self.timeout_s)
        except (TopicAuthorizationFailedError, ClusterAuthorizationFailedError) as exc:
            # still "unavailable" (callers wait: an operator may grant it meanwhile), but said
            await self.stop()
            topics = ", ".join(sorted({m.topic for m in messages}))
            raise BrokerUnavailableError(
                f"Kafka refused the batch: the configured principal may not write {topics} "
                f"(无权写入; grant it with hub acl sync): {type(exc).__name__}"
            ) from exc
        except (KafkaError, OSError, TimeoutError) as exc:
            # the producer may be wedged mid-sequence: start afresh next time
            await self.stop()
            raise BrokerUnavailableError(f"Kafka did not acknowledge a batch: {exc!r}") from exc


class ProducerThread:
    """One long-lived producer for synchronous callers (the API's request threads): its event
    loop runs on a thread of its own, and :meth:`send_all` blocks the caller until the broker
    acknowledged every message. Starting a producer per request costs a metadata round trip and
    a new idempotent producer id each time."""

    def __init__(
        self, bootstrap: str, timeout_s: float = 30.0, security: Mapping[str, Any] | None = None
    ) -> None:
        self._producer = Producer(bootstrap, timeout_s, security)
        self._timeout_s = timeout_s
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="hub-producer", daemon=True
        )
        self._thread.start()

    def send_all(self, messages: Sequence[Message]) -> None:
        future = asyncio.run_coroutine_threadsafe(self._producer.send_all(messages), self._loop)
        future.result(self._timeout_s * 2)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._producer.stop(), self._loop).result(self._timeout_s)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(self._timeout_s)
        self._loop.close()


@contextmanager
def release_publisher(
    settings: HubSettings,
) -> Iterator[tuple[Callable[[Sequence[tuple[str, bytes | None, bytes]]], None] | None, Any]]:
    """What an operator's quarantine release needs in the distributed runtime: a way to write
    released messages back to their topics (``(topic, key, value)`` triples) and the workers'
    reading of a value (their wire format's ``inbound``), so a release decodes as they will. The
    CLI and the ``/v1`` API both use it. Without ``HUB_KAFKA_BOOTSTRAP`` (embedded) it yields
    ``(None, None)``: a release is appended to the log instead."""
    from hub.events import load_codec
    from hub.kafka.security import aiokafka_options
    from hub.kafka.wire import wire_format

    if not settings.kafka_bootstrap:
        yield None, None
        return
    codec = load_codec(settings.standard().root)
    producer = ProducerThread(settings.kafka_bootstrap, security=aiokafka_options(settings))

    def publish(messages: Sequence[tuple[str, bytes | None, bytes]]) -> None:
        producer.send_all([Message(t, k or b"", v, ()) for t, k, v in messages])

    try:
        yield publish, wire_format(settings, codec).inbound
    finally:
        producer.close()
