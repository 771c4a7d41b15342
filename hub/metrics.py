"""The hub's Prometheus metrics: what an operator graphs (``/metrics`` of ``hub api``, ``hub up``
and ``hub worker``; the dashboard in ``ops/grafana/``).

Two kinds, kept apart because they answer differently across processes and restarts:

- **Read from the hub at scrape time** (:class:`HubCollector`): submissions by source, type and
  outcome and violations by rule (the scorecards read model), stage and projection lag, the
  ledger by state, the quarantine, what is received and in flight, and in the distributed runtime
  the workers' Kafka lag per partition. Exact, the same whichever process is scraped, and they
  survive restarts (they are the store's numbers, not a process's). A scrape reads only what the
  store keeps counted or small: the chain heads' event counts, stream heads and positions, the
  read models' counter rows, the ledger's state counts, the quarantine's size; never a scan of
  the history. A reading is reused for ``HUB_METRICS_CACHE_S`` seconds, and at least ten times as
  long as it took, so however large the hub, scrapes cost it at most a tenth of its time.
- **Counted where the work happens** (:data:`PROCESS`): delivery latency (a version's recording
  to its national acknowledgement) and the national platform's reply codes, counted by the
  sender of this process. Per process, reset by a restart (``rate()`` copes); sum them over the
  processes that send.

Label values are bounded: sources are registered, record types and rules come from the standard,
stages, projections and topics from the code; reply codes are checked against a pattern and
capped (:func:`reply_code`). No record id, submission id or personal data is ever a label.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hub.engine.lag import lags, stage_inputs
from hub.engine.telemetry import (
    DELIVERY_LATENCY,
    NATIONAL_REPLIES,
    PROCESS,
    BoundedLabels,
    reply_code,
)
from hub.errors import HubError
from hub.events.streams import SUBMISSIONS, VERDICTS
from hub.projections.ports import ViewStore
from hub.projections.scorecards import OUTCOMES, RULES
from hub.projections.tables import Table
from hub.settings import HubSettings
from hub.storage.ports import Store

if TYPE_CHECKING:
    from fastapi import FastAPI

    from hub.projections.base import Projection
    from hub.storage.pool import StorePool

__all__ = [
    "DELIVERY_LATENCY",
    "LEDGER_STATES",
    "NATIONAL_REPLIES",
    "PROCESS",
    "SOURCE_RULE_VIOLATIONS",
    "SOURCE_TYPE_OUTCOMES",
    "BoundedLabels",
    "HubCollector",
    "Reading",
    "install_metrics",
    "read_hub",
    "reply_code",
]

log = logging.getLogger("hub.metrics")

#: the ledger's states, always exported (0 when none) so a dashboard has every series
LEDGER_STATES = ("pending", "sent", "retrying", "acked", "rejected", "dead")

# -- read at scrape time -------------------------------------------------------------------------

#: the scorecards read model's counter tables (owned and written by hub.projections.scorecards)
SOURCE_TYPE_OUTCOMES = OUTCOMES
SOURCE_RULE_VIOLATIONS = RULES


@dataclass(frozen=True)
class Reading:
    """One reading of the hub for ``/metrics``."""

    received: int
    in_flight: int
    stage_lag: dict[str, int]
    projection_lag: dict[str, int]
    deliveries: dict[str, int]
    quarantined: int
    submissions: list[tuple[str, str, str, int]]
    violations: list[tuple[str, str, str, int]]
    kafka: dict[tuple[str, int], int] | None = None
    seconds: float = 0.0  # the whole reading, Kafka's offsets included
    store_seconds: float = 0.0  # the store's and the read models' part (what the cache spares)


def read_hub(
    store: Store,
    views: ViewStore,
    stages: Sequence[tuple[str, str]],
    projections: Sequence[tuple[str, Sequence[str]]],
    *,
    distributed: bool,
) -> Reading:
    """Read what ``/metrics`` exports, from counts the store keeps: the chain heads count every
    stream's events (received = submissions; in flight = submissions without their verdict,
    one verdict per submission), the read models count outcomes and violations."""
    started = time.monotonic()
    heads = store.chain_heads()
    received = heads[SUBMISSIONS].count if SUBMISSIONS in heads else 0
    verdicts = heads[VERDICTS].count if VERDICTS in heads else 0
    stage_lag, view_lag = lags(store, views, stages, projections, distributed=distributed)
    ledger = store.ledger_counts()
    tables = views.tables()
    return Reading(
        received=received,
        in_flight=received - verdicts,
        stage_lag=stage_lag,
        projection_lag=view_lag,
        deliveries={state: ledger.get(state, 0) for state in LEDGER_STATES},
        quarantined=store.quarantine_count(),
        submissions=_counted(views, tables, SOURCE_TYPE_OUTCOMES),
        violations=_counted(views, tables, SOURCE_RULE_VIOLATIONS),
        seconds=time.monotonic() - started,
        store_seconds=time.monotonic() - started,
    )


def _counted(views: ViewStore, tables: set[str], table: Table) -> list[tuple[str, str, str, int]]:
    """A counter table's rows (none before its projection has run once)."""
    if table.name not in tables:
        return []
    return [(str(a), str(b), str(c), int(n)) for a, b, c, n in views.rows(table)]


class HubCollector(Collector):
    """The metrics read from the hub, reused for a while (see the module docstring).

    ``store`` gives the calling thread's store (the API's pool); the read models are opened for
    each reading and closed after it (a reading is rare: at most one per cache period)."""

    def __init__(
        self,
        settings: HubSettings,
        store: Callable[[], Store],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()
        self._reading: Reading | None = None
        self._until = 0.0
        self._parts: tuple[list[tuple[str, str]], list[tuple[str, tuple[str, ...]]]] | None = None
        self._topics: list[str] = []

    def describe(self) -> list[Metric]:
        """Nothing: registering must not read the store (the names are checked by the tests
        against the dashboard instead)."""
        return []

    def collect(self) -> Iterator[Metric]:
        try:
            reading = self.reading()
        except HubError as exc:  # the store is down: /metrics still serves the API's counts
            log.warning("metrics: the hub could not be read: %s", exc.message)
            return
        yield from families(reading)

    def reading(self) -> Reading:
        with self._lock:
            now = self._clock()
            if self._reading is None or now >= self._until:
                self._reading = self._read()
                hold = max(self.settings.metrics_cache_s, 10 * self._reading.store_seconds)
                self._until = self._clock() + hold
            return self._reading

    def _engine_parts(self) -> tuple[list[tuple[str, str]], list[tuple[str, tuple[str, ...]]]]:
        if self._parts is None:
            from hub.engine.parts import Engine
            from hub.projections import all_projections

            engine = Engine(self.settings)
            projections: list[Projection] = all_projections(engine.codec)
            stages = engine.stages()
            self._parts = (
                stage_inputs(stages),
                [(p.name, tuple(p.streams)) for p in projections],
            )
            # the group consumes the top stages' inputs; followers run in memory
            self._topics = sorted({stage.input for stage in stages})
        return self._parts

    def _read(self) -> Reading:
        from hub.backends import backend_for

        stages, projections = self._engine_parts()
        settings = self.settings
        started = time.monotonic()
        views = backend_for(settings).views()
        try:
            reading = read_hub(
                self._store(),
                views,
                stages,
                projections,
                distributed=bool(settings.kafka_bootstrap),
            )
        finally:
            views.close()
        kafka = None
        if settings.kafka_bootstrap:
            kafka = self._kafka(self._topics)
        return replace(reading, kafka=kafka, seconds=time.monotonic() - started)

    def _kafka(self, streams: list[str]) -> dict[tuple[str, int], int] | None:
        from hub.kafka.lag import partition_lag
        from hub.kafka.topics import stream_topic

        topics = [stream_topic(self.settings, s) for s in streams]
        try:
            return partition_lag(self.settings, topics, self.settings.metrics_kafka_timeout_s)
        except HubError as exc:  # the broker is down: the rest of the metrics still count
            log.warning("metrics: no Kafka lag: %s", exc.message)
            return None


def families(reading: Reading) -> Iterator[Metric]:
    """The metric families of a reading (pure: the tests read them too)."""
    received = CounterMetricFamily(
        "hub_received", "submissions received (stored in the log), all sources"
    )
    received.add_metric([], reading.received)
    yield received
    in_flight = GaugeMetricFamily("hub_in_flight", "submissions received without a verdict yet")
    in_flight.add_metric([], reading.in_flight)
    yield in_flight
    submissions = CounterMetricFamily(
        "hub_submissions",
        "submissions by source, record type and verdict outcome (scorecards read model)",
        labels=["source", "record_type", "outcome"],
    )
    for source, record_type, outcome, n in reading.submissions:
        submissions.add_metric([source, record_type, outcome], n)
    yield submissions
    violations = CounterMetricFamily(
        "hub_violations",
        "submissions a rule rejected (an error of it in their verdict), by source, type and"
        " rule code (scorecards read model)",
        labels=["source", "record_type", "rule"],
    )
    for source, record_type, rule, n in reading.violations:
        violations.add_metric([source, record_type, rule], n)
    yield violations
    stage = GaugeMetricFamily(
        "hub_stage_lag", "events waiting for a stage of the engine", labels=["stage"]
    )
    for name, n in reading.stage_lag.items():
        stage.add_metric([name], n)
    yield stage
    view = GaugeMetricFamily(
        "hub_projection_lag",
        "events of a stream a read model has not applied yet",
        labels=["projection", "stream"],
    )
    for key, n in reading.projection_lag.items():
        name, _, stream = key.partition("/")
        view.add_metric([name, stream], n)
    yield view
    deliveries = GaugeMetricFamily(
        "hub_deliveries",
        "national ledger rows (one per record version) by state",
        labels=["state"],
    )
    for state, n in reading.deliveries.items():
        deliveries.add_metric([state], n)
    yield deliveries
    quarantined = GaugeMetricFamily(
        "hub_quarantined", "messages kept aside because they could not be read as events"
    )
    quarantined.add_metric([], reading.quarantined)
    yield quarantined
    kafka = GaugeMetricFamily(
        "hub_kafka_consumer_lag",
        "messages the workers' consumer group has not committed, per topic and partition"
        " (distributed runtime; no series embedded or while the broker does not answer)",
        labels=["topic", "partition"],
    )
    for (topic, partition), n in sorted((reading.kafka or {}).items()):
        kafka.add_metric([topic, str(partition)], n)
    yield kafka
    seconds = GaugeMetricFamily(
        "hub_metrics_read_seconds", "seconds the last reading of the hub for /metrics took"
    )
    seconds.add_metric([], reading.seconds)
    yield seconds


class _Process(Collector):
    """This process's own counts, served beside the API's in one exposition."""

    def collect(self) -> Iterator[Metric]:
        yield from PROCESS.collect()

    def describe(self) -> list[Metric]:
        return []


def install_metrics(
    app: FastAPI,
    settings: HubSettings,
    stores: StorePool,
    registry: CollectorRegistry,
    guard: Callable[..., object] | None = None,
) -> None:
    """Serve ``/metrics`` on ``app``: the API's ``registry`` with the hub's metrics added.

    The numbers are the whole hub's (every source's submissions and violations, the ledger,
    lag), what ``/v1/status`` shows operators and auditors only; so a scrape is signed in the
    same way (an account's bearer token, as Prometheus sends ``authorization``, or a session)
    and refused to anyone else (401) and to a viewer (403), unless ``HUB_METRICS_PUBLIC`` says
    the port is on a private monitoring network. ``guard`` is the API's dependency that signs the
    scraper in (``hub.api.roles.require("operator", "auditor")``), given by the API so this
    module needs nothing above it."""
    import asyncio

    from fastapi import Depends, Response
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    collector = HubCollector(settings, stores.get)
    registry.register(collector)
    registry.register(_Process())
    app.state.hub_metrics = collector
    signed = [] if settings.metrics_public or guard is None else [Depends(guard)]

    @app.get("/metrics", include_in_schema=False, dependencies=signed)
    async def metrics_endpoint() -> Response:
        exposition = await asyncio.to_thread(generate_latest, registry)  # reads the store
        return Response(exposition, media_type=CONTENT_TYPE_LATEST)
