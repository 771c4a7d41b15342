"""The projection process killed mid-batch on PostgreSQL: the read models it ends with equal a
clean run's, row for row, counters included (a batch applied twice would double them).

A demo province is run once on a fresh database; its read models are the reference. They are
dropped, and ``hub project`` (a process of its own) rebuilds them from the log while being
SIGKILLed at random moments, restarted, killed again, until it reports them current.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg
from pydantic import SecretStr

from hub.demo import run_demo
from hub.events import load_codec
from hub.projections import all_projections
from hub.projections.postgres import PostgresViews
from hub.settings import HubSettings
from hub.storage.postgres import PostgresStore
from tests.pg import ROOT, fresh_database


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    codec = load_codec(HubSettings().standard().root)
    with PostgresViews(url) as views:
        return {
            table.name: sorted(views.rows(table), key=repr)
            for projection in all_projections(codec)
            for table in projection.tables
        }


def projected(url: str) -> int:
    """Events applied so far, over every projection and stream (committed positions)."""
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT coalesce(sum(position), 0) FROM view_positions").fetchone()
        return int(row[0]) if row else 0


def test_killed_projection_process_ends_with_a_clean_run_s_read_models(
    pg_server: str, tmp_path: Path
) -> None:
    with fresh_database(pg_server, "projkill") as url:
        settings = HubSettings(data_dir=tmp_path / "hub", database_url=SecretStr(url))
        summary = run_demo(settings, 400, 5)
        assert summary["reconciled"] and summary["in_flight"] == 0
        clean = snapshot(url)
        # the demo province sends no rectifications or equipment: those dossier tables stay empty
        held = {t: r for t, r in clean.items() if t not in ("child_links", "equipment_links")}
        assert all(held.values()), {t: len(r) for t, r in clean.items()}

        codec = load_codec(settings.standard().root)
        with PostgresViews(url) as views:
            for projection in all_projections(codec):
                views.drop(projection.tables, projection.name, "")
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        env |= {
            "HUB_DATABASE_URL": url,
            "HUB_DATA_DIR": str(tmp_path / "hub"),
            "PYTHONPATH": str(ROOT),
        }
        args = [sys.executable, "-m", "hub.cli", "project", "--exit-when-current", "--batch", "10"]
        # every projection reads each of its streams whole
        with closing(PostgresStore(url)) as store:
            total = sum(
                store.head(stream)
                for projection in all_projections(codec)
                for stream in projection.streams
            )
        # kill once the projected share of the log passes each mark: mid-work by construction
        marks = sorted(random.Random(7).uniform(0.05, 0.9) * total for _ in range(5))
        kills = 0
        for mark in [*marks, None]:
            proc = subprocess.Popen(args, env=env, cwd=ROOT, stderr=subprocess.PIPE)
            while mark is not None and proc.poll() is None:
                if projected(url) >= mark:
                    proc.send_signal(signal.SIGKILL)
                    kills += 1
                    break
                time.sleep(0.005)
            _, err = proc.communicate(timeout=300)
            assert proc.returncode in (0, -signal.SIGKILL), err.decode()[-2000:]
            if proc.returncode == 0:
                assert projected(url) == total
        assert proc.returncode == 0
        assert kills >= 4, kills  # (a mark passed during the start-up wait does not count)
        assert snapshot(url) == clean
