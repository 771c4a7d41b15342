"""The runtime contract on the distributed runtime: ``hub worker`` processes (faust) on a real
Kafka broker, state and log in a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from hub.national.sim import SimConfig
from hub.testing.contracts.runtime import MakeHarness, RuntimeContract
from hub.testing.distributed import DistributedHarness
from tests.pg import fresh_database


class TestDistributedRuntime(RuntimeContract):
    @pytest.fixture
    def make_harness(
        self, tmp_path: Path, pg_server: str, kafka_bootstrap: str
    ) -> Iterator[MakeHarness]:
        with ExitStack() as stack:

            def make(sim: SimConfig | None = None) -> DistributedHarness:
                url = stack.enter_context(fresh_database(pg_server, "hub_kafka"))
                harness = DistributedHarness(
                    tmp_path / url.rpartition("/")[2], url, kafka_bootstrap, sim
                )
                stack.callback(harness.close)
                return harness

            yield make
