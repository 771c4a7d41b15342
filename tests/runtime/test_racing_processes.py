"""Two ``hub up`` processes on one PostgreSQL database, racing over the same log: every stage
and projection is stepped by whichever gets its turn. The outcome must equal one process's:
one ``record_id`` per identity (the province's cross-level duplicates race to register), the same
verdicts, versions, hash chains and read models."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
from pydantic import SecretStr

from hub.audit import verify
from hub.events import load_codec
from hub.projections import all_projections
from hub.projections.postgres import PostgresViews
from hub.projections.tables import Kind
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from tests.pg import ROOT, fresh_database
from tests.runtime.crash_worker import ingest_province

RECORDS_N, SEED = 400, 3


def outcome(url: str) -> dict[str, Any]:
    """What the run decided, without the clock's stamps."""
    with psycopg.connect(url) as conn:
        result: dict[str, Any] = {
            "registry": conn.execute(
                "SELECT identity_hash, record_id, version, version_hash FROM registry ORDER BY 1"
            ).fetchall(),
            "verdicts": conn.execute(
                "SELECT correlation_id, event_type, event_id FROM verdicts ORDER BY 1"
            ).fetchall(),
            "records": conn.execute("SELECT event_id, key FROM records ORDER BY 1").fetchall(),
            "ledger": conn.execute("SELECT delivery_id, state FROM ledger ORDER BY 1").fetchall(),
        }
    codec = load_codec(HubSettings().standard().root)
    with PostgresViews(url) as views:
        for projection in all_projections(codec):
            for table in projection.tables:
                keep = [c.name for c in table.columns if c.kind is not Kind.TIME]
                result[table.name] = sorted(views.rows(table, columns=keep), key=repr)
    return result


def run(url: str, data_dirs: list[Path]) -> dict[str, Any]:
    with EmbeddedHub(HubSettings(data_dir=data_dirs[0], database_url=SecretStr(url))) as hub:
        ingest_province(hub, RECORDS_N, SEED, chunk=50)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env |= {"HUB_DATABASE_URL": url, "HUB_BATCH_SIZE": "5", "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "up", "--exit-when-idle", "--data-dir", str(d)],
            env=env,
            cwd=ROOT,
            stderr=subprocess.PIPE,
        )
        for d in data_dirs
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err.decode()[-2000:]
    # processes appending to the same streams at once leave every chain intact (issue 12)
    with EmbeddedHub(HubSettings(data_dir=data_dirs[0], database_url=SecretStr(url))) as hub:
        assert verify(hub.store, hub.views, hub.codec) == []
    return outcome(url)


def test_two_processes_racing_end_as_one(pg_server: str, tmp_path: Path) -> None:
    with fresh_database(pg_server, "alone") as alone, fresh_database(pg_server, "race") as race:
        expected = run(alone, [tmp_path / "a"])
        raced = run(race, [tmp_path / "b", tmp_path / "c"])
    assert expected["registry"] and expected["region_stats"]
    record_ids = [row[1] for row in raced["registry"]]
    assert len(record_ids) == len(set(record_ids))  # one record per identity
    for part, rows in expected.items():
        assert raced[part] == rows, part
