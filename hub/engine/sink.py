"""The submission sink: where every way in hands its submissions, and what "received" means.

A source hears "received" only once its submissions are durable (guarantee 1). What is durable
depends on the runtime, so the choice is made here, once (:func:`sink_for`). It sits in the
engine layer, below the runtime fronts, so that the embedded hub's own ingest
(:meth:`~hub.runtime.embedded.EmbeddedHub.ingest`) stores through it too, not only the
connectors, the API and the testing kit's harnesses above.

- :class:`LogSink` (embedded, and PostgreSQL without Kafka): one durable transaction of the event
  log holds the submissions, the idempotency record of an API batch and the connector's ``also``
  (its cursor, what it quarantined): all of it commits, or none of it.
- :class:`KafkaSink` (distributed): the submissions are produced with ``acks=all`` (Kafka is the
  durable store of that runtime), then the idempotency record and ``also`` commit to the store. A
  crash between the two sends the same submission ids again on the retry (a cursor never moves
  past what was not stored), and the judge claims each id once. Kafka cannot tell a resent id
  from a new one, so there every submission sent counts as received (``tells_resent`` False).

One call of :meth:`SubmissionSink.store`, in this order:

1. an ``idempotency_key`` already taken (by the submitting source): the earlier reply is the
   answer, and nothing of this call is stored, sent or run;
2. the submissions made durable (appended to the log, or acknowledged by the broker);
3. ``make_reply(received, already)`` builds the reply, recorded under the key (a key taken
   meanwhile, by a concurrent request: the earlier reply is the answer);
4. ``also(tx)`` writes in the transaction of step 3 (the log's: of step 2 too);
5. commit. An error in any step propagates and rolls back steps 3-4 (the log: 2 as well).

The API passes a key and ``make_reply``; the connectors pass ``also``; ``hub ingest`` and
``EmbeddedHub.ingest`` pass neither, a chunk at a time (:func:`store_all`). Each thread of a web
server gets store handles of its own (a :class:`~hub.storage.pool.StorePool`); a connector and
the embedded hub pass their one store.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from hub.domain.values import ApiBatch
from hub.engine.steps import Clock, append_events
from hub.errors import ConfigError
from hub.events import Codec, Event
from hub.kafka.ingest import submission_message
from hub.kafka.producer import ProducerThread
from hub.kafka.security import aiokafka_options
from hub.kafka.wire import WireFormat, wire_format
from hub.settings import HubSettings
from hub.storage.pool import StorePool
from hub.storage.ports import Store, Transaction

__all__ = [
    "Also",
    "KafkaSink",
    "LogSink",
    "MakeReply",
    "Stored",
    "SubmissionSink",
    "sink_for",
    "store_all",
]

#: Builds the reply once the counts are known: ``(received now, received before)``.
MakeReply = Callable[[int, int], ApiBatch]
#: A connector's own writes (its cursor, what it quarantined), committed with the submissions.
Also = Callable[[Transaction], None]


@dataclass(frozen=True, slots=True)
class Stored:
    """What one call stored: ``received`` submissions new to the hub, ``already`` received
    before (only a sink that ``tells_resent`` knows; else 0), and with ``make_reply`` the reply.
    ``replayed``: the key was taken, ``reply`` is the earlier one."""

    received: int
    already: int = 0
    reply: ApiBatch | None = None
    replayed: bool = False

    def to_dict(self) -> dict[str, int]:
        return {"received": self.received, "already": self.already}


class SubmissionSink(ABC):
    """The port every connector stores submissions through (see the module docstring)."""

    #: Whether the sink tells a resent submission (by its id) from a new one.
    tells_resent: ClassVar[bool]
    #: Whether the submissions commit in the one transaction of the reply and ``also``.
    atomic: ClassVar[bool]

    def __init__(self, stores: StorePool | Store, codec: Codec, clock: Clock) -> None:
        self.codec = codec
        self.clock = clock
        self._stores = stores

    def _handle(self) -> Store:
        """The calling thread's store handle."""
        return self._stores.get() if isinstance(self._stores, StorePool) else self._stores

    @abstractmethod
    def store(
        self,
        events: Sequence[Event],
        *,
        idempotency_key: str | None = None,
        make_reply: MakeReply | None = None,
        also: Also | None = None,
    ) -> Stored:
        """Make ``events`` durable, then commit ``also``; with ``make_reply`` the reply, and
        with ``idempotency_key`` (of the events' source: one call is one source's batch) the
        reply recorded under it, or the earlier one when the key was taken."""

    @abstractmethod
    def close(self) -> None:
        """Release what the sink opened (not the stores: the caller's)."""


def _checked(idempotency_key: str | None, make_reply: MakeReply | None) -> None:
    if idempotency_key is not None and make_reply is None:
        raise ValueError("an idempotency key records a reply: give make_reply too")


def _earlier(tx: Transaction, events: Sequence[Event], key: str | None) -> ApiBatch | None:
    """The reply recorded under the events' source's ``key`` (step 1)."""
    if key is None or not events:
        return None
    return tx.api_batch(events[0].payload["source_id"], key)


def _finish(
    tx: Transaction,
    received: int,
    already: int,
    key: str | None,
    make_reply: MakeReply | None,
    also: Also | None,
) -> Stored:
    """Steps 3 and 4, in ``tx``."""
    reply = make_reply(received, already) if make_reply is not None else None
    replayed = False
    if key is not None and reply is not None and not tx.put_api_batch(reply):
        earlier = tx.api_batch(reply.source_id, key)
        if earlier is not None:
            reply, replayed = earlier, True
    if also is not None:
        also(tx)
    return Stored(received, already, reply, replayed)


class LogSink(SubmissionSink):
    """The durable event log (SQLite or PostgreSQL): everything in one transaction.

    ``serialize``: take turns in this process before writing (SQLite has one writer at a time;
    threads that wait in its busy handler sleep in growing steps, which showed as a p99 reply
    latency of over a second under four concurrent clients)."""

    tells_resent = True
    atomic = True

    def __init__(
        self,
        stores: StorePool | Store,
        codec: Codec,
        clock: Clock = time.time,
        *,
        serialize: bool = False,
    ) -> None:
        super().__init__(stores, codec, clock)
        self._turn: threading.Lock | contextlib.nullcontext[None] = (
            threading.Lock() if serialize else contextlib.nullcontext()
        )

    def store(
        self,
        events: Sequence[Event],
        *,
        idempotency_key: str | None = None,
        make_reply: MakeReply | None = None,
        also: Also | None = None,
    ) -> Stored:
        _checked(idempotency_key, make_reply)
        with self._turn, self._handle().transaction(durable=True) as tx:
            earlier = _earlier(tx, events, idempotency_key)
            if earlier is not None:
                return Stored(0, 0, earlier, replayed=True)
            new = append_events(tx, self.codec, events, self.clock())
            return _finish(tx, new, len(events) - new, idempotency_key, make_reply, also)

    def close(self) -> None:
        return None


class KafkaSink(SubmissionSink):
    """The ``submissions`` topic (``acks=all``), then the store: one producer for the process,
    started on first use, acknowledged per call."""

    tells_resent = False
    atomic = False

    def __init__(
        self,
        settings: HubSettings,
        stores: StorePool | Store,
        codec: Codec,
        clock: Clock = time.time,
    ) -> None:
        if not settings.kafka_bootstrap:
            raise ConfigError("HUB_KAFKA_BOOTSTRAP is not set")
        super().__init__(stores, codec, clock)
        self.settings = settings
        self._producer: ProducerThread | None = None
        self._wire: WireFormat | None = None
        self._lock = threading.Lock()

    def _started(self) -> tuple[ProducerThread, WireFormat]:
        with self._lock:
            if self._producer is None or self._wire is None:
                self._producer = ProducerThread(
                    self.settings.kafka_bootstrap or "",
                    security=aiokafka_options(self.settings),
                )
                self._wire = wire_format(self.settings, self.codec)
            return self._producer, self._wire

    def close(self) -> None:
        with self._lock:
            if self._producer is not None:
                self._producer.close()
                self._producer = None

    def _send(self, events: Sequence[Event]) -> None:
        if not events:
            return
        producer, wire = self._started()
        now = dt.datetime.fromtimestamp(self.clock(), dt.UTC)
        producer.send_all(
            [submission_message(self.settings, self.codec, e, now, wire) for e in events]
        )

    def store(
        self,
        events: Sequence[Event],
        *,
        idempotency_key: str | None = None,
        make_reply: MakeReply | None = None,
        also: Also | None = None,
    ) -> Stored:
        _checked(idempotency_key, make_reply)
        store = self._handle()
        if idempotency_key is not None and events:
            with store.transaction() as tx:
                earlier = _earlier(tx, events, idempotency_key)
            if earlier is not None:
                return Stored(0, 0, earlier, replayed=True)
        self._send(events)
        sent = len(events)  # Kafka cannot tell a resent id; the judge can
        if idempotency_key is None and also is None:
            return Stored(sent, 0, make_reply(sent, 0) if make_reply is not None else None)
        with store.transaction(durable=True) as tx:
            return _finish(tx, sent, 0, idempotency_key, make_reply, also)


def sink_for(
    settings: HubSettings, stores: StorePool | Store, codec: Codec, clock: Clock = time.time
) -> SubmissionSink:
    """The sink the settings choose: Kafka when ``HUB_KAFKA_BOOTSTRAP`` is set, else the log
    (in the embedded SQLite log, writers of this process take turns)."""
    if settings.kafka_bootstrap:
        return KafkaSink(settings, stores, codec, clock)
    return LogSink(stores, codec, clock, serialize=settings.database_url is None)


def store_all(
    sink: SubmissionSink,
    events: Iterable[Event],
    *,
    chunk: int = 1000,
    on_commit: Callable[[Stored], None] | None = None,
) -> Stored:
    """Hand a stream too long for one call (a file) to ``sink``, ``chunk`` events at a time,
    each chunk durable before the next is read; the totals. ``on_commit`` gets the totals after
    each chunk: only what it reported is received (a stop between chunks loses nothing)."""
    received = already = 0
    pending = iter(events)
    while batch := list(itertools.islice(pending, chunk)):
        stored = sink.store(batch)
        received += stored.received
        already += stored.already
        if on_commit is not None:
            on_commit(Stored(received, already))
    return Stored(received, already)
