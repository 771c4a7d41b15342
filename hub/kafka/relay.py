"""The relay: events committed to the log go out on their Kafka topics, and records on the
subscribers' feeds (the transactional outbox pattern).

Why a relay rather than producing from the processing step: a step commits its outputs and its
state (registry, ledger, handled ids) in one database transaction; a Kafka send cannot join that
transaction without relying on Kafka transactions (DESIGN.md, guarantee 2). So outputs are
committed to the log first and published from there, in log order, by one relay per stream at a
time.

Commit order of one relay round for a stream (one database transaction):
1. read the relay's position and take its turn (the position row stays locked: several workers
   run a relay, one at a time per stream publishes);
2. read the next batch of the log after it;
3. send the batch and wait until the broker acknowledges all of it (``acks=all``);
4. advance the position; commit.
A crash between 3 and 4 publishes the batch again: delivery is at least once, and every consumer
deduplicates by event id (the stages by ``claim``, subscribers by the ``event_id`` header).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hub.errors import StorageUnavailableError
from hub.events import Codec
from hub.events.streams import RECORDS
from hub.kafka.producer import Producer
from hub.kafka.topics import feed_topic, stream_topic
from hub.kafka.wire import CONTENT_TYPE, Message, SingleObjectFormat, WireFormat, event_message
from hub.processing.feeds import FeedPolicy, shape
from hub.settings import HubSettings
from hub.standard import Standard
from hub.storage.ports import Store, StoredEvent

__all__ = ["Relay", "RelayThread"]

log = logging.getLogger("hub.relay")


@dataclass(frozen=True, slots=True)
class _Route:
    consumer: str
    stream: str
    to_messages: Callable[[Sequence[StoredEvent]], list[Message]]


class Relay:
    def __init__(
        self,
        store: Store,
        codec: Codec,
        standard: Standard,
        settings: HubSettings,
        producer: Producer,
        streams: Sequence[str],
        feeds: Sequence[FeedPolicy] = (),
        wire: WireFormat | None = None,
    ) -> None:
        self.store = store
        self.codec = codec
        self.standard = standard
        self.settings = settings
        self.producer = producer
        self.wire = wire or SingleObjectFormat()
        self.routes = [
            _Route(f"relay:{stream_topic(settings, s)}", s, self._events_to(s)) for s in streams
        ] + [
            _Route(f"feed:{feed_topic(settings, f, '*')}", RECORDS, self._feed_of(f)) for f in feeds
        ]

    def _events_to(self, stream: str) -> Callable[[Sequence[StoredEvent]], list[Message]]:
        topic = stream_topic(self.settings, stream)
        return lambda events: [event_message(topic, e) for e in events]

    def _feed_of(self, feed: FeedPolicy) -> Callable[[Sequence[StoredEvent]], list[Message]]:
        def to_messages(events: Sequence[StoredEvent]) -> list[Message]:
            out = []
            for stored in events:
                payload = self.codec.decode_event(RECORDS, stored.position, stored.body).payload
                record_type = self.standard.record_type(payload["record_type"])
                headers: tuple[tuple[str, bytes], ...] = (
                    ("event_id", stored.event_id.encode()),
                    ("record_id", payload["record_id"].encode()),
                    ("version", str(payload["version"]).encode()),
                    ("version_hash", payload["version_hash"].encode()),
                )
                value: bytes | None = None  # a retraction: a tombstone for the record's key
                if payload["retracted"]:
                    headers += (("operation", b"delete"),)
                else:
                    name, content = self.codec.decode(payload["content"])
                    value = self.codec.encode(name, shape(content, record_type, feed))
                    headers += (("operation", b"upsert"), ("content-type", CONTENT_TYPE))
                topic = feed_topic(self.settings, feed, record_type.type_id)
                out.append(Message(topic, stored.key.encode(), value, headers))
            return out

        return to_messages

    async def run_once(self, limit: int) -> int:
        """One round over every route; the number of events published."""
        return sum([await self._route(route, limit) for route in self.routes])

    async def _route(self, route: _Route, limit: int) -> int:
        with self.store.transaction() as tx:
            after = tx.position(route.consumer, route.stream)
            events = tx.read(route.stream, after, limit)
            if not events:
                return 0
            await self.producer.send_all([self.wire.outbound(m) for m in route.to_messages(events)])
            tx.set_position(route.consumer, route.stream, events[-1].position)
        return len(events)


class RelayThread:
    """Runs a relay on a thread of its own (its own event loop and producer), so the blocking
    database calls never stall a worker's consumers. Pauses while Kafka or the database is
    unavailable; what was not acknowledged goes out again."""

    def __init__(
        self,
        make: Callable[[Producer], Relay],
        bootstrap: str,
        batch: int,
        security: Mapping[str, Any] | None = None,
    ) -> None:
        self._make = make
        self._bootstrap = bootstrap
        self._security = security
        self._batch = batch
        self._stop = threading.Event()
        self.idle = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="hub-relay", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        self._stop.set()
        self._thread.join(timeout_s)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:
            self.error = exc

    async def _main(self) -> None:
        producer = Producer(self._bootstrap, security=self._security)
        relay = self._make(producer)
        quiet_until = 0.0
        try:
            while not self._stop.is_set():
                try:
                    work = await relay.run_once(self._batch)
                except StorageUnavailableError as exc:
                    self.idle.clear()
                    if time.monotonic() >= quiet_until:  # once a minute, not every retry
                        log.warning("relay waiting: %s", exc)
                        quiet_until = time.monotonic() + 60
                    await asyncio.sleep(0.5)
                    continue
                if work:
                    self.idle.clear()
                else:
                    self.idle.set()
                    await asyncio.sleep(0.05)
        finally:
            await producer.stop()
