"""A harness for the distributed runtime: real ``hub worker`` processes on a real broker and a
real PostgreSQL, with the same methods as :class:`~hub.testing.harness.EmbeddedHarness`, so the
runtime contract suite runs unchanged against both runtimes.

Each harness gets topics and a consumer group of its own (a random prefix), so harnesses can
share one broker. Workers are subprocesses: a test may SIGKILL one mid-stream.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from pydantic import SecretStr

from hub.domain.values import DeliveryPolicy
from hub.engine.sink import sink_for, store_all
from hub.events import Event
from hub.kafka.topics import create_topics, hub_topics
from hub.national.sim import SimConfig
from hub.settings import HubSettings
from hub.testing.harness import FAST_DELIVERY, EmbeddedHarness

__all__ = ["DistributedHarness"]


class DistributedHarness(EmbeddedHarness):
    """Reads go through an embedded hub on the same PostgreSQL (no sender: the workers push)."""

    def __init__(
        self,
        data_dir: Path,
        database_url: str,
        bootstrap: str,
        sim: SimConfig | None = None,
        delivery: DeliveryPolicy = FAST_DELIVERY,
        workers: int = 1,
        partitions: int = 3,
        batch_size: int = 50,
        schema_registry_url: str | None = None,
        kafka_env: Mapping[str, str] | None = None,
        prepare: Callable[[HubSettings], None] | None = None,
    ) -> None:
        """``kafka_env``: ``HUB_KAFKA_*`` security settings (protocol, SASL user and password,
        CA ...) for this process and the workers, e.g. a user's file from ``ops/kafka/start
        --secure``. ``prepare`` runs with the harness's settings before its topics are made
        (e.g. granting the hub's principal its ACLs on the harness's own topic prefix)."""
        prefix = f"t{uuid.uuid4().hex[:10]}."
        security = {
            key.removeprefix("HUB_").lower(): value
            for key, value in (kafka_env or {}).items()
            if key.startswith("HUB_KAFKA_") and key != "HUB_KAFKA_BOOTSTRAP"
        }
        registry = (
            {}
            if schema_registry_url is None
            else {"schema_registry_url": SecretStr(schema_registry_url)}
        )
        super().__init__(
            data_dir,
            sim,
            delivery,
            database_url=SecretStr(database_url),
            kafka_bootstrap=bootstrap,
            kafka_topic_prefix=prefix,
            kafka_partitions=partitions,
            kafka_group=f"{prefix}workers",
            batch_size=batch_size,
            **registry,
            **security,
        )
        self.hub.sender = self.hub.side.sender = None  # the workers push; this one only reads
        self.settings = self.hub.settings
        self.env = {
            **os.environ,
            "HUB_DATA_DIR": str(data_dir),
            "HUB_DATABASE_URL": database_url,
            "HUB_KAFKA_BOOTSTRAP": bootstrap,
            "HUB_KAFKA_TOPIC_PREFIX": prefix,
            "HUB_KAFKA_PARTITIONS": str(partitions),
            "HUB_KAFKA_GROUP": f"{prefix}workers",
            "HUB_BATCH_SIZE": str(batch_size),
            "HUB_NATIONAL_URL": self.sim.url,
            "HUB_NATIONAL_TIMEOUT_S": "0.3",
            "HUB_DELIVERY_PUSH_BATCH": str(delivery.push_batch),
            "HUB_DELIVERY_REPLY_TIMEOUT_S": str(delivery.reply_timeout_s),
            "HUB_DELIVERY_MAX_ATTEMPTS": str(delivery.max_attempts),
            "HUB_DELIVERY_BACKOFF_BASE_S": str(delivery.backoff_base_s),
            "HUB_DELIVERY_BACKOFF_CAP_S": str(delivery.backoff_cap_s),
            "HUB_SCHEMA_REGISTRY_URL": schema_registry_url or "",
            "HUB_API_ENABLED": "false",  # workers share a host here: no API ports to clash
            "HUB_NATIONAL_TASKS_INTERVAL_S": "0.3",
            **{k: v for k, v in (kafka_env or {}).items() if k != "HUB_KAFKA_BOOTSTRAP"},
        }
        if prepare is not None:
            prepare(self.settings)
        create_topics(self.settings, hub_topics(self.settings, self.hub.standard.types))
        # the settings name a broker: Kafka, acks=all, as ``hub ingest`` sends on this runtime
        self.sink = sink_for(self.settings, self.hub.store, self.hub.codec)
        self.sent: set[str] = set()
        self.workers: list[subprocess.Popen[bytes]] = []
        self._logs: list[IO[bytes]] = []
        for _ in range(workers):
            self.start_worker()

    def start_worker(self) -> subprocess.Popen[bytes]:
        log = (self.hub.data_dir / f"worker-{len(self.workers)}.log").open("wb")
        self._logs.append(log)
        process = subprocess.Popen(
            [sys.executable, "-m", "hub", "worker"], env=self.env, stdout=log, stderr=log
        )
        self.workers.append(process)
        return process

    def kill(self, index: int, sig: int = signal.SIGKILL) -> None:
        self.workers[index].send_signal(sig)
        self.workers[index].wait(30)

    def close(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                process.terminate()
        for process in self.workers:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        for log in self._logs:
            log.close()
        self.sink.close()
        super().close()

    def versions_done(self) -> int:
        """Record versions the workers have planned for delivery (handled by ``plan-national``):
        how far a run has got, for tests that make a fault mid-run."""
        return self.hub.store.handled_counts().get("plan-national", 0)

    def ingest(self, events: Sequence[Event]) -> None:
        store_all(self.sink, events)
        self.sent.update(e.event_id for e in events)

    def _snapshot(self) -> tuple[Any, ...] | None:
        """What the hub holds, if it is all processed; None while work is visibly left."""
        status = self.hub.status()
        lag = status["lag"]
        if (
            status["received"] < len(self.sent)
            or status["in_flight"]
            or status["deliveries"]["pending"]
            or any(lag["stages"].values())
            or any(lag["projections"].values())
        ):
            return None
        return tuple(sorted(status["streams"].items()))

    def run(self, timeout_s: float = 120.0) -> None:
        """Wait until every submission sent is processed, delivered and projected, and nothing
        moved for a moment (the relay and the feedback stages are the last to settle)."""
        deadline = time.monotonic() + timeout_s
        last: tuple[Any, ...] | None = None
        while time.monotonic() < deadline:
            for index, process in enumerate(self.workers):
                if process.poll() not in (None, -signal.SIGKILL):
                    raise RuntimeError(f"worker {index} exited with {process.returncode}")
            snapshot = self._snapshot()
            if snapshot is not None and snapshot == last:
                return
            last = snapshot
            time.sleep(0.7)
        raise TimeoutError(f"the workers did not settle within {timeout_s} s")
