"""The runtime contract on the embedded runtime with its log and state in PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from hub.national.sim import SimConfig
from hub.testing.harness import EmbeddedHarness
from tests.runtime.contract import MakeHarness, RuntimeContract


class TestEmbeddedRuntimeOnPostgres(RuntimeContract):
    @pytest.fixture
    def make_harness(self, tmp_path: Path, pg_server: str) -> Iterator[MakeHarness]:
        import uuid

        import psycopg
        from psycopg import sql

        made: list[tuple[EmbeddedHarness, str]] = []
        base = pg_server.rpartition("/")[0]

        def make(sim: SimConfig | None = None, **settings: Any) -> EmbeddedHarness:
            name = f"hub_rt_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(pg_server, autocommit=True) as admin:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            harness = EmbeddedHarness(
                tmp_path / name, sim, database_url=SecretStr(f"{base}/{name}"), **settings
            )
            made.append((harness, name))
            return harness

        yield make
        for harness, name in made:
            harness.close()
            with psycopg.connect(pg_server, autocommit=True) as admin:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
