"""The embedded hub: one process, SQLite files in a data directory, nothing else to install.

``<data_dir>/log.db`` holds the streams and the authoritative state (identity registry, delivery
ledger, sources, stage positions); ``<data_dir>/views.db`` the read models and their positions.
With ``HUB_DATABASE_URL`` both live in PostgreSQL instead, and this process is one of possibly
several driving the same loop (steps of one stage take turns there).
Each round of :meth:`EmbeddedHub.step` runs the engine's stages one batch each (the fused step
on submissions, ``hub.engine.fused``), the projections one batch, and
the national sender one push. Stopping anywhere (a crash, SIGKILL) loses nothing: each batch
commits its outputs and its position together, and the next start goes on from there.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterable
from typing import IO, Any

from hub.backends import backend_for
from hub.domain.values import DeliveryPolicy, Source
from hub.engine.lag import lags, stage_inputs
from hub.engine.parts import Engine
from hub.engine.sink import LogSink, Stored, store_all
from hub.engine.steps import Clock, step
from hub.errors import AlreadyRunningError, StorageUnavailableError
from hub.events import Event
from hub.events.streams import FEEDBACK, RECORDS, STREAMS, SUBMISSIONS, VERDICTS
from hub.national.client import NationalClient
from hub.settings import HubSettings
from hub.storage.private import private_dir, private_file

__all__ = ["OUTCOMES", "EmbeddedHub", "has_hub"]

OUTCOMES = ("accepted_new", "accepted_update", "duplicate", "stale", "rejected")


class EmbeddedHub:
    """The whole loop of the design over SQLite files."""

    def __init__(
        self,
        settings: HubSettings,
        *,
        national: NationalClient | None = None,
        clock: Clock = time.time,
        delivery: DeliveryPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.data_dir = settings.data_dir
        private_dir(self.data_dir)  # the lock and the SQLite files live here, the user's only
        self.clock = clock
        self.engine = Engine(settings)
        self.standard = self.engine.standard
        self.validator = self.engine.validator
        self.codec = self.engine.codec
        backend = backend_for(settings)
        self.store = backend.store()
        self.stages = self.engine.stages()
        self.views = backend.views()
        self.side = self.engine.side(self.store, self.views, national, clock, delivery)
        self.projector = self.side.projector
        self.sender = self.side.sender
        self.batch_size = settings.batch_size
        self._lock: IO[str] | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def lock(self) -> None:
        """Hold the data directory: a second ``hub up`` on it refuses (the lock dies with us)."""
        path = self.data_dir / "hub.lock"
        handle = private_file(path).open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise AlreadyRunningError(
                f"{self.data_dir} is in use by a running hub ({holder}); stop it first or use"
                " another --data-dir"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        self._lock = handle

    def close(self) -> None:
        self.side.close()
        self.views.close()
        self.store.close()
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self) -> EmbeddedHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sources and ingest -------------------------------------------------------------------

    def register_sources(self, sources: Iterable[Source]) -> None:
        with self.store.transaction() as tx:
            for source in sources:
                tx.put_source(source)
                if source.disabled:
                    tx.set_disabled(source.source_id, True)

    def source(self, source_id: str) -> Source | None:
        with self.store.transaction() as tx:
            return tx.source(source_id)

    def ingest(
        self,
        events: Iterable[Event],
        chunk: int = 1000,
        on_commit: Callable[[Stored], None] | None = None,
    ) -> Stored:
        """Hand submission events to the durable log through the submission sink, ``chunk`` per
        durable transaction (:func:`~hub.engine.sink.store_all`). Only what this returns (or
        ``on_commit`` reports, after each durable chunk) counts as received."""
        sink = LogSink(self.store, self.codec, self.clock)
        return store_all(sink, events, chunk=chunk, on_commit=on_commit)

    # -- processing ---------------------------------------------------------------------------

    def step(self) -> int:
        """One round: every stage one batch, projections one batch, one push. Work done."""
        work = sum(
            step(self.store, self.codec, s, self.batch_size, self.clock) for s in self.stages
        )
        return work + self.side.run_once(self.batch_size)

    def run_until_idle(self, *, settle_deliveries: bool = True, timeout_s: float = 600.0) -> None:
        """Process until nothing is left; with ``settle_deliveries``, also wait for retries
        until every delivery is final (acked, rejected or dead)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                if self.step():
                    continue
            except StorageUnavailableError:
                time.sleep(0.2)  # the database is restarting: nothing was committed; wait
                continue
            if not (settle_deliveries and self.sender is not None and self._open_deliveries()):
                return
            time.sleep(0.05)
        raise TimeoutError(f"the hub did not become idle within {timeout_s} s")

    def _open_deliveries(self) -> int:
        counts = self.store.ledger_counts()
        return sum(counts.get(s, 0) for s in ("pending", "sent", "retrying"))

    # -- reporting ----------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """Reconciliation, deliveries, feedback and lags: what ``hub status`` shows."""
        verdicts = self.store.counts(VERDICTS)
        outcomes = {o: verdicts.get(f"verdict.{o}", 0) for o in OUTCOMES}
        received = sum(self.store.counts(SUBMISSIONS).values())
        in_flight = self.store.in_flight()
        ledger = self.store.ledger_counts()
        stage_lag, view_lag = lags(
            self.store,
            self.views,
            stage_inputs(self.stages),
            [(p.name, p.streams) for p in self.projector.projections],
            distributed=bool(self.settings.kafka_bootstrap),
        )
        feedback = self.store.counts(FEEDBACK)
        return {
            "received": received,
            **outcomes,
            "in_flight": in_flight,
            "reconciled": received == sum(outcomes.values()) + in_flight,
            "canonical_records": outcomes["accepted_new"],
            "versions": sum(self.store.counts(RECORDS).values()),
            "deliveries": {
                "sent": ledger.get("attempted", 0),
                "acked": ledger.get("acked", 0),
                "rejected": ledger.get("rejected", 0),
                "dead": ledger.get("dead", 0),
                "pending": sum(ledger.get(s, 0) for s in ("pending", "sent", "retrying")),
            },
            "feedback": sum(feedback.values()),
            # one per owner told of a refused change (SOURCE.NOT_OWNER): operators see attempts
            "ownership_notices": feedback.get("feedback.ownership", 0),
            "quarantined": self.store.quarantine_count(),
            "lag": {"stages": stage_lag, "projections": view_lag},
            "streams": {s: self.store.head(s) for s in STREAMS},
            "standard_version": self.standard.version,
        }


def has_hub(settings: HubSettings) -> bool:
    """Whether there is a hub to report on: a PostgreSQL URL, or an embedded log file."""
    return settings.database_url is not None or (settings.data_dir / "log.db").exists()
