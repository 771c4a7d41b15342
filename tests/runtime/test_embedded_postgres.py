"""The runtime contract on the embedded runtime with its log and state in PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from hub.national.sim import SimConfig
from hub.testing.contracts.runtime import MakeHarness, RuntimeContract
from hub.testing.harness import EmbeddedHarness
from tests.pg import fresh_database


class TestEmbeddedRuntimeOnPostgres(RuntimeContract):
    @pytest.fixture
    def make_harness(self, tmp_path: Path, pg_server: str) -> Iterator[MakeHarness]:
        with ExitStack() as stack:

            def make(sim: SimConfig | None = None, **settings: Any) -> EmbeddedHarness:
                url = stack.enter_context(fresh_database(pg_server, "hub_rt"))
                harness = EmbeddedHarness(
                    tmp_path / url.rpartition("/")[2], sim, database_url=SecretStr(url), **settings
                )
                stack.callback(harness.close)  # closed before its database is dropped
                return harness

            yield make
