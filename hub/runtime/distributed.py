"""``hub worker``: the distributed runtime, one of many processes sharing the partitions.

A worker is a faust app whose agents (``concurrency=1`` each) are thin: take a batch of messages
from a partition, hand it to :func:`hub.engine.steps.step_delivered` on a thread (the engine's
fused step: judge, resolve, plan and feedback in one database transaction), and let faust commit
the offsets after it returns. One consumer hop per submission: the outputs are committed to
PostgreSQL with the ids the step handled, and the relay publishes the history topics and feeds
from there; per-record order holds by the registry's compare-and-set, not by a second
partitioning hop. Nothing
relies on faust's ``exactly_once``: a redelivered batch is a no-op by event id, state lives in
PostgreSQL under unique constraints.

Beside the agents each worker runs, on threads of its own:
- the relay (log → history topics and subscriber feeds; one publisher per stream at a time);
- the projections (read models; writers of one projection take turns);
- the national sender when ``HUB_NATIONAL_URL`` is set (due rows are claimed, never pushed by
  two workers at once).

Stage → input topic: the fused step (judge, resolve, plan-national, feedback-verdicts) ←
submissions; feedback-deliveries ← deliveries (the sender writes those). Outputs go to the log,
and out through the relay.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from aiokafka.errors import KafkaError

from hub.backends import backend_at
from hub.domain.subscribers import Subscriber
from hub.engine.parts import Engine, until_available
from hub.engine.stages import Stage
from hub.engine.steps import Delivered, step_delivered
from hub.errors import BrokerUnavailableError, ConfigError, StorageUnavailableError
from hub.events import DecodedEvent
from hub.events.streams import DELIVERIES, FEEDBACK, RECORDS, SUBMISSIONS, VALIDATED, VERDICTS
from hub.kafka.lifecycle import Shutdown, StopWatchdog, bounded_faust_worker, finish_in_thread
from hub.kafka.producer import Producer
from hub.kafka.relay import Relay, RelayThread
from hub.kafka.security import aiokafka_options, faust_credentials
from hub.kafka.topics import create_topics_async, feed_topics, inbound_topic, stream_topic
from hub.kafka.wire import wire_format
from hub.national.client import NationalClient
from hub.processing.inbound import source_of_topic, topic_checked
from hub.settings import HubSettings
from hub.storage.ports import Store
from hub.storage.private import private_dir

__all__ = ["RELAYED", "STAGE_FAILED_EXIT_CODE", "Worker", "run_worker"]

log = logging.getLogger("hub.worker")

#: A worker exits with this when a batch failed otherwise than on unavailable storage (EX_SOFTWARE)
STAGE_FAILED_EXIT_CODE = 70

#: Streams the relay publishes (submissions arrive on Kafka from the connectors).
RELAYED = (VALIDATED, VERDICTS, RECORDS, DELIVERIES, FEEDBACK)


class Worker:
    """The parts of one worker process, started and stopped together."""

    def __init__(self, settings: HubSettings, national: NationalClient | None = None) -> None:
        if not settings.kafka_bootstrap or settings.database_url is None:
            raise ConfigError("hub worker needs HUB_KAFKA_BOOTSTRAP and HUB_DATABASE_URL")
        self.settings = settings
        private_dir(settings.data_dir)  # faust keeps its own files here
        self.bootstrap = settings.kafka_bootstrap
        self.url = settings.database_url.get_secret_value()
        self.engine = Engine(settings)
        self.standard = self.engine.standard
        self.codec = self.engine.codec
        self.format = wire_format(settings, self.codec)
        self.national = national
        self._stores: list[Store] = []
        self._registry: Store | None = None
        self._stop = threading.Event()  # faust has stopped: stage handlers may give up
        self._side_stop = threading.Event()
        self.security = aiokafka_options(settings)  # bad security settings fail here, at once
        self.relay = RelayThread(self._relay, self.bootstrap, settings.batch_size, self.security)
        self._side = threading.Thread(target=self._side_loop, name="hub-side", daemon=True)
        self.side_idle = threading.Event()

    def store(self) -> Store:
        """A store of its own for each thread that uses one (connections are not shared)."""
        store = backend_at(self.settings.data_dir, self.url).store()
        self._stores.append(store)
        return store

    def subscribers(self) -> Sequence[Subscriber]:
        """The registry's subscribers (the relay re-reads them every couple of seconds)."""
        return self._registry_store().subscribers()

    def _registry_store(self) -> Store:
        if self._registry is None:
            self._registry = self.store()
        return self._registry

    def _relay(self, producer: Producer) -> Relay:
        return Relay(
            self.store(),
            self.codec,
            self.standard,
            self.settings,
            producer,
            RELAYED,
            self.subscribers,
            self.format,
            ensure_topics=self._feed_topics,
        )

    async def _feed_topics(self, subscriber: Subscriber) -> None:
        """A subscriber's feed topics, made if missing (the hub's principal may create its
        topics): one registered while the workers run gets them without ``hub topics create``."""
        specs = feed_topics(self.settings, self.standard.types, [subscriber])
        try:
            await create_topics_async(self.settings, specs)
        except (KafkaError, OSError, TimeoutError, ConfigError) as exc:
            raise BrokerUnavailableError(f"cannot create the feed topics: {exc!r}") from exc

    # -- the stages -------------------------------------------------------------------------

    def stages(self) -> list[Stage]:
        return self.engine.stages()

    def handler(self, stage: Stage) -> Callable[[list[Delivered]], tuple[int, int]]:
        store = self.store()
        keep_input = stage.input == SUBMISSIONS
        prefix = self.settings.kafka_topic_prefix

        def admit(origin: str, event: DecodedEvent) -> DecodedEvent:
            """A submission on ``in.<S>`` naming another source than S: marked SOURCE.TOPIC."""
            topic = origin.rsplit("/", 2)[0]
            source = source_of_topic(prefix, topic)
            return event if source is None else topic_checked(event, topic, source)

        def handle(messages: list[Delivered]) -> tuple[int, int]:
            # the database or the schema registry away: nothing committed, the offsets stay
            return until_available(
                lambda: step_delivered(
                    store,
                    self.codec,
                    stage,
                    messages,
                    time.time,
                    keep_input=keep_input,
                    unwrap=self.format.inbound,
                    admit=admit if keep_input else None,
                ),
                self._stop.is_set,
            )

        return handle

    # -- projections and the national push ----------------------------------------------------

    def _side_loop(self) -> None:
        store = self.store()
        views = backend_at(self.settings.data_dir, self.url).views()
        side = self.engine.side(store, views, self.national, by_claim=True)
        try:
            while not self._side_stop.is_set():
                try:
                    work = side.run_once(self.settings.batch_size)
                except StorageUnavailableError:
                    self.side_idle.clear()
                    time.sleep(0.5)
                    continue
                if work:
                    self.side_idle.clear()
                else:
                    self.side_idle.set()
                    time.sleep(0.05)
        finally:
            side.close()
            views.close()

    def start_side(self) -> None:
        self.relay.start()
        self._side.start()

    def halt(self, timeout_s: float) -> None:
        """Ask the relay and the side loop to stop and wait for them, ``timeout_s`` at most in
        all. Stage handlers go on waiting for the database: one that gave up would let faust
        acknowledge (and commit) a batch that was never committed. Stores stay open: a thread
        that did not stop in time may still use its own."""
        deadline = time.monotonic() + timeout_s
        self._side_stop.set()
        self.relay.stop(max(0.0, deadline - time.monotonic()))
        if self._side.is_alive():
            self._side.join(max(0.0, deadline - time.monotonic()))

    def stop(self, timeout_s: float = 30.0) -> None:
        """After faust stopped: stage handlers still waiting give up, the threads stop (see
        :meth:`halt`), the stores close."""
        self._stop.set()
        self.halt(timeout_s)
        for store in self._stores:
            store.close()

    # -- the faust app --------------------------------------------------------------------------

    def app(self) -> Any:
        """The faust app: one agent per stage, over raw bytes."""
        import faust  # imported here: only workers pay for it

        settings = self.settings
        app = faust.App(
            f"{settings.kafka_group}",
            broker=f"kafka://{self.bootstrap}",
            broker_credentials=faust_credentials(settings),
            web_enabled=False,
            topic_disable_leader=True,
            topic_allow_declare=False,
            consumer_auto_offset_reset="earliest",
            broker_commit_every=settings.batch_size,
            broker_commit_interval=1.0,
            broker_session_timeout=settings.kafka_session_timeout_s,
            broker_heartbeat_interval=min(3.0, settings.kafka_session_timeout_s / 4),
            datadir=str(settings.data_dir / "faust"),
        )
        for stage in self.stages():
            names = [stream_topic(settings, stage.input)]
            if stage.input == SUBMISSIONS:
                names += self.inbound_topics()
            topic = app.topic(
                *names,
                key_type=bytes,
                value_type=bytes,
                key_serializer="raw",
                value_serializer="raw",
            )
            app.agent(topic, name=f"hub-{stage.name}", concurrency=1)(self._agent(stage))
        return app

    def inbound_topics(self) -> list[str]:
        """The inbound topics of the registered sources with a Kafka principal, read with the
        submissions topic by the same fused step. Read at start: a source registered later is
        picked up by a (rolling) restart of the workers. (faust subscribes by names only: its
        aiokafka driver ignores a topic pattern.)"""
        store = backend_at(self.settings.data_dir, self.url).store()
        try:
            sources = store.sources()
        finally:
            store.close()
        return sorted(
            inbound_topic(self.settings, s.source_id)
            for s in sources
            if s.principal is not None and not s.disabled
        )

    def _agent(self, stage: Stage) -> Callable[[Any], Any]:
        handle = self.handler(stage)
        batch, within = self.settings.batch_size, 0.2

        async def agent(stream: Any) -> None:
            async for events in stream.take_events(batch, within=within):
                messages = [
                    Delivered(
                        f"{e.message.topic}/{e.message.partition}/{e.message.offset}",
                        e.message.key,
                        e.message.value,
                    )
                    for e in events
                ]
                try:
                    _done, bad = await finish_in_thread(handle, messages)
                except Exception:  # any failure: never let faust acknowledge the batch
                    # faust acknowledges a batch whose agent raised: exit unacknowledged instead
                    # (nothing was committed; the batch is delivered again after the restart)
                    log.critical(
                        "%s: a batch failed; exiting with %d without acknowledging it",
                        stage.name,
                        STAGE_FAILED_EXIT_CODE,
                        exc_info=True,
                    )
                    logging.shutdown()
                    os._exit(STAGE_FAILED_EXIT_CODE)
                if bad:
                    log.warning("%s: %d message(s) quarantined", stage.name, bad)

        agent.__name__ = f"hub_{stage.name.replace('-', '_')}"
        return agent


def run_worker(settings: HubSettings, national: NationalClient | None = None) -> None:
    """Run a worker until SIGTERM/SIGINT; its threads stop with it.

    The stop is bounded (:mod:`hub.kafka.lifecycle`): the first signal asks faust to stop and
    arms a watchdog; a worker still running ``settings.worker_stop_grace_s`` later exits with
    :data:`~hub.kafka.lifecycle.FORCED_EXIT_CODE`, which loses nothing (offsets are committed
    only after the database committed: a forced exit only causes redelivery)."""
    worker = Worker(settings, national)
    shutdown = Shutdown(StopWatchdog(settings.worker_stop_grace_s, worker.halt))
    shutdown.install()  # from here on a signal is a stop request, whatever the state
    try:
        app = worker.app()
        worker.start_side()
        if not shutdown.requested.is_set():
            bounded_faust_worker(app, shutdown).execute_from_commandline()
    finally:
        worker.stop()
        log.info("hub worker: stopped")
