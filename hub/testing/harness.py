"""A pipeline harness: submit records, run the hub until idle, look at what came out.

:class:`EmbeddedHarness` drives the embedded runtime with an in-process national simulator; the
distributed runtime provides its own harness with the same methods, so one runtime contract
suite (:mod:`hub.testing.contracts.runtime`) runs against both. A province's team can use it to
test its own code lists or policies against realistic traffic.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hub.connectors.submissions import record_submissions
from hub.domain.values import DeliveryPolicy, Source
from hub.events import DecodedEvent, Event
from hub.events.streams import FEEDBACK, RECORDS, VERDICTS
from hub.national.client import NationalClient
from hub.national.sim import RunningSim, SimConfig, start_sim
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings

__all__ = ["FAST_DELIVERY", "EmbeddedHarness"]

#: Retries fast enough for tests; the semantics are the production ones.
FAST_DELIVERY = DeliveryPolicy(
    push_batch=50, reply_timeout_s=0.5, max_attempts=30, backoff_base_s=0.01, backoff_cap_s=0.1
)


class EmbeddedHarness:
    def __init__(
        self,
        data_dir: Path,
        sim: SimConfig | None = None,
        delivery: DeliveryPolicy = FAST_DELIVERY,
        **settings: Any,
    ) -> None:
        settings.setdefault("national_tasks_interval_s", 0.3)
        self.sim: RunningSim = start_sim(sim or SimConfig())
        self.client = NationalClient(self.sim.url, timeout_s=0.3, attempts=2, backoff_s=0.01)
        self.hub = EmbeddedHub(
            HubSettings(data_dir=data_dir, **settings), national=self.client, delivery=delivery
        )
        self._batches = itertools.count(1)

    def close(self) -> None:
        self.hub.close()
        self.client.close()
        self.sim.stop()

    def register(self, *sources: Source) -> None:
        self.hub.register_sources(sources)

    def submit(
        self,
        source_id: str,
        record_type: str,
        records: Sequence[dict[str, Any]],
        batch_id: str | None = None,
        operation: str = "upsert",
    ) -> list[str]:
        """Submit records as one batch (``operation`` delete: retract them); their ids."""
        events: list[Event] = list(
            record_submissions(
                source_id,
                record_type,
                list(records),
                batch_id=batch_id or f"batch-{next(self._batches)}",
                received_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                operation=operation,
            )
        )
        self.ingest(events)
        return [e.event_id for e in events]

    def ingest(self, events: Sequence[Event]) -> None:
        self.hub.ingest(events)

    def run(self) -> None:
        self.hub.run_until_idle(timeout_s=120)
        self.hub.projector.run_until_current()

    def _stream(self, stream: str) -> list[DecodedEvent]:
        codec = self.hub.codec
        return [codec.decode_event(stream, s.position, s.body) for s in self.hub.store.scan(stream)]

    def verdicts(self) -> dict[str, dict[str, Any]]:
        """Verdict payloads by submission id."""
        return {e.payload["submission_id"]: e.payload for e in self._stream(VERDICTS)}

    def versions(self) -> list[dict[str, Any]]:
        return [e.payload for e in self._stream(RECORDS)]

    def feedback(self) -> list[dict[str, Any]]:
        return [e.payload for e in self._stream(FEEDBACK)]

    def events(self, stream: str) -> list[DecodedEvent]:
        return self._stream(stream)

    def status(self) -> dict[str, Any]:
        return self.hub.status()

    def outcome(self) -> dict[str, Any]:
        """What must be the same after any fault as in a clean run: verdicts, versions, ledger,
        what the national platform accepted, feedback; lists, so a duplicate would show."""
        ledger = self.hub.store.ledger_counts()
        return {
            "verdicts": {k: v["outcome"] for k, v in self.verdicts().items()},
            "versions": sorted(
                (v["record_id"], v["version"], v["version_hash"]) for v in self.versions()
            ),
            "ledger": {k: n for k, n in ledger.items() if k != "attempted"},
            "national": sorted((a.record_id, a.version) for a in self.sim.accepted()),
            "feedback": sorted((f["kind"], f["submission_id"]) for f in self.feedback()),
        }
