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
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hub.domain.subscribers import Subscriber
from hub.errors import BrokerUnavailableError, StorageUnavailableError
from hub.events import Codec
from hub.events.streams import RECORDS
from hub.kafka.producer import Producer
from hub.kafka.topics import feed_topic, stream_topic
from hub.kafka.wire import (
    CONTENT_TYPE,
    ConfluentFormat,
    Message,
    SingleObjectFormat,
    WireFormat,
    event_message,
)
from hub.processing.feeds import feed_schemas, shape
from hub.settings import HubSettings
from hub.standard import Standard
from hub.storage.ports import Store, StoredEvent

__all__ = ["REFRESH_S", "Relay", "RelayThread"]

log = logging.getLogger("hub.relay")


@dataclass(frozen=True, slots=True)
class _Route:
    consumer: str
    stream: str
    to_messages: Callable[[Sequence[StoredEvent]], list[Message]]


@dataclass(frozen=True, slots=True)
class _Feed:
    """One subscriber's route over the records stream, for one registration (its epoch)."""

    subscriber: Subscriber
    consumer: str  # its position in the records stream
    snapshot: str  # where its backfill ends, stored as a position row (see _feed_round)
    codec: Codec  # its feed schemas


#: How often the relay re-reads the registry (a subscriber added while workers run starts
#: without a restart).
REFRESH_S = 2.0


class Relay:
    """Publishes ``streams`` to their history topics and the records stream on the feed of every
    enabled subscriber ``subscribers()`` returns (the registry, re-read every
    :data:`REFRESH_S`).

    A feed's first round for a registration (name, epoch) records the snapshot P, the head of the
    records stream, in the same transaction that starts its position at 0. Events at positions
    <= P are the backfill: published only when they are their record's latest version up to P and
    not a retraction, so a new subscriber gets exactly the current entitled version of each record;
    events after P are published as they come (upserts and tombstones). One position per route,
    backfill first, then live: a reader never sees an older version of a record after a newer
    one.
    """

    def __init__(
        self,
        store: Store,
        codec: Codec,
        standard: Standard,
        settings: HubSettings,
        producer: Producer,
        streams: Sequence[str],
        subscribers: Callable[[], Sequence[Subscriber]] = lambda: (),
        wire: WireFormat | None = None,
        refresh_s: float = REFRESH_S,
        ensure_topics: Callable[[Subscriber], Awaitable[None]] | None = None,
    ) -> None:
        self.store = store
        self.codec = codec
        self.standard = standard
        self.settings = settings
        self.producer = producer
        self.wire = wire or SingleObjectFormat()
        self.subscribers = subscribers
        self.refresh_s = refresh_s
        self.routes = [
            _Route(f"relay:{stream_topic(settings, s)}", s, self._events_to(s)) for s in streams
        ]
        self.feeds: dict[str, _Feed] = {}
        #: makes a new route's feed topics (idempotent) before its first round, so a subscriber
        #: registered while workers run needs no ``hub topics create``
        self.ensure_topics = ensure_topics
        self._ready: set[str] = set()  # routes (consumer names) whose topics were ensured
        #: the routes that could not publish in the last round, with why (the others went on)
        self.waiting: dict[str, str] = {}
        self._refreshed = -float("inf")

    def _events_to(self, stream: str) -> Callable[[Sequence[StoredEvent]], list[Message]]:
        topic = stream_topic(self.settings, stream)
        return lambda events: [event_message(topic, e) for e in events]

    # -- the feeds --------------------------------------------------------------------------

    def refresh(self, force: bool = False) -> None:
        """Re-read the registry: a route per enabled subscriber (a disabled one's route pauses,
        its position kept; a removed one's disappears)."""
        now = time.monotonic()
        if not force and now - self._refreshed < self.refresh_s:
            return
        self._refreshed = now
        wanted = {s.name: s for s in self.subscribers() if not s.disabled}
        feeds: dict[str, _Feed] = {}
        for name, subscriber in wanted.items():
            known = self.feeds.get(name)
            if known is not None and known.subscriber == subscriber:
                feeds[name] = known
                continue
            epoch = subscriber.epoch
            codec = Codec(feed_schemas(self.standard, subscriber).values())
            if isinstance(self.wire, ConfluentFormat):
                self.wire.learn(feed_topic(self.settings, name, ""), codec)
            feeds[name] = _Feed(
                subscriber,
                f"feed:{feed_topic(self.settings, name, '*')}#{epoch}",
                f"backfill:{name}#{epoch}",
                codec,
            )
        self.feeds = feeds

    def _feed_messages(
        self, feed: _Feed, events: Sequence[StoredEvent], snapshot: int, latest: dict[str, int]
    ) -> list[Message]:
        out = []
        subscriber = feed.subscriber
        for stored in events:
            payload = self.codec.decode_event(RECORDS, stored.position, stored.body).payload
            type_id = payload["record_type"]
            if not subscriber.entitled(type_id, payload.get("region_code")):
                continue
            backfill = stored.position <= snapshot
            if backfill and (payload["retracted"] or latest.get(stored.key) != stored.position):
                continue  # a new subscriber gets the current version of each record, only it
            record_type = self.standard.record_type(type_id)
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
                value = feed.codec.encode(name, shape(content, record_type, subscriber))
                headers += (("operation", b"upsert"), ("content-type", CONTENT_TYPE))
            topic = feed_topic(self.settings, subscriber.name, type_id)
            out.append(Message(topic, stored.key.encode(), value, headers))
        return out

    async def _feed_round(self, feed: _Feed, limit: int) -> int:
        with self.store.transaction() as tx:
            after = tx.position(feed.consumer, RECORDS)
            # the snapshot is stored as P + 1, so that 0 (no row yet) is told from a head of 0
            mark = tx.position(feed.snapshot, RECORDS)
            if mark == 0:
                snapshot = tx.head(RECORDS)
                tx.set_position(feed.snapshot, RECORDS, snapshot + 1)
                after = 0
            else:
                snapshot = mark - 1
            events = tx.read(RECORDS, after, limit)
            if not events:
                return 0
            old = [e.key for e in events if e.position <= snapshot]
            latest = tx.latest_positions(RECORDS, old, snapshot) if old else {}
            messages = self._feed_messages(feed, events, snapshot, latest)
            await self.producer.send_all([self.wire.outbound(m) for m in messages])
            tx.set_position(feed.consumer, RECORDS, events[-1].position)
        return len(events)

    async def run_once(self, limit: int) -> int:
        """One round over every route; the number of events published (or passed over)."""
        done = sum([await self._route(route, limit) for route in self.routes])
        self.refresh()
        failed: BrokerUnavailableError | None = None
        for feed in list(self.feeds.values()):
            # one subscriber's feed that cannot be written (its topic missing, an ACL not granted
            # yet) waits; the other feeds, the national one among them, go on
            try:
                if self.ensure_topics is not None and feed.consumer not in self._ready:
                    await self.ensure_topics(feed.subscriber)
                    self._ready.add(feed.consumer)
                done += await self._feed_round(feed, limit)
                self.waiting.pop(feed.subscriber.name, None)
            except BrokerUnavailableError as exc:
                if feed.subscriber.name not in self.waiting:
                    log.warning("feed of %s waiting: %s", feed.subscriber.name, exc.message)
                self.waiting[feed.subscriber.name] = exc.message
                failed = exc
        if failed is not None and not done:
            raise failed  # nothing moved: the relay pauses as for any outage
        return done

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
