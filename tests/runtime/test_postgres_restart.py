"""PostgreSQL restarted during a run: processing pauses and resumes, and the result is exactly a
clean run's (a real server, stopped with ``pg_ctl -m fast``: open transactions are aborted)."""

from __future__ import annotations

import datetime as dt
import subprocess
import threading
import time
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from hub.connectors.submissions import record_submissions
from hub.domain.values import Source
from hub.errors import StorageUnavailableError
from hub.events.streams import RECORDS, VERDICTS
from hub.testing.harness import EmbeddedHarness
from hub.testing.province import Province, generate_province
from tests.pg import ROOT, postgres_server

RECEIVED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def own_server() -> Iterator[tuple[str, str]]:
    """A server of this test's own, even where HUB_TEST_DATABASE_URL names one: this test
    restarts it. Returns (url, folder)."""
    with postgres_server("hub-pg-restart-") as server:
        yield server


def feed(harness: EmbeddedHarness, province: Province) -> None:
    harness.register(
        *(
            Source(s.source_id, s.level, s.region_code, s.department, s.record_types)
            for s in province.sources
        )
    )
    for i, ((sid, rt), group) in enumerate(
        groupby(province.submissions, key=lambda s: (s.source_id, s.record_type))
    ):
        harness.ingest(
            list(
                record_submissions(
                    sid,
                    rt,
                    [s.record for s in group],
                    batch_id=f"restart-{i}",
                    received_at=harness.hub.clock
                    and __import__("datetime").datetime(
                        2026, 1, 1, tzinfo=__import__("datetime").UTC
                    ),
                )
            )
        )


def outcome(harness: EmbeddedHarness) -> dict[str, Any]:
    verdicts = harness.events(VERDICTS)
    versions = harness.events(RECORDS)
    status = harness.status()
    return {
        "verdicts": sorted(
            (v.payload["submission_id"], v.payload["outcome"], v.payload["record_id"] or "")
            for v in verdicts
        ),
        "versions": sorted(
            (v.payload["record_id"], v.payload["version"], v.payload["version_hash"])
            for v in versions
        ),
        "accepted": sorted(a.idempotency_key for a in harness.sim.accepted()),
        "reconciled": status["reconciled"],
        "open": status["deliveries"]["pending"],
        "in_flight": status["in_flight"],
    }


def test_restart_pauses_and_resumes_with_nothing_lost(
    tmp_path: Path, own_server: tuple[str, str]
) -> None:
    url, folder = own_server
    province = generate_province(400, seed=21)
    clean = EmbeddedHarness(tmp_path / "clean", batch_size=10)
    try:
        feed(clean, province)
        clean.run()
        expected = outcome(clean)
    finally:
        clean.close()

    harness = EmbeddedHarness(tmp_path / "pg", batch_size=10, database_url=SecretStr(url))
    pauses = 0
    step = harness.hub.step

    def counting_step() -> int:
        nonlocal pauses
        try:
            return step()
        except StorageUnavailableError:
            pauses += 1
            raise

    harness.hub.step = counting_step  # type: ignore[method-assign]
    restarted = threading.Event()

    def restart() -> None:
        while harness.hub.store.head(VERDICTS) < 60:
            time.sleep(0.02)
        subprocess.run(
            ["bash", str(ROOT / "ops/postgres/stop"), folder, "--keep"],
            capture_output=True,
            timeout=120,
            check=True,
        )
        time.sleep(1.5)
        subprocess.run(
            ["bash", str(ROOT / "ops/postgres/start"), folder],
            capture_output=True,
            timeout=180,
            check=True,
        )
        restarted.set()

    try:
        feed(harness, province)
        restarter = threading.Thread(target=restart)
        restarter.start()
        harness.run()
        restarter.join(timeout=200)
        assert restarted.is_set()
        harness.run()  # anything that arrived while the restart was finishing
        got = outcome(harness)
    finally:
        harness.close()
    assert pauses > 0, "the run never saw the database go away"
    assert got == expected
    assert got["reconciled"] and got["open"] == 0 and got["in_flight"] == 0
