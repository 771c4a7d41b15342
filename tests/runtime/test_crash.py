"""Crashes lose nothing and duplicate nothing downstream.

The real processes (the ingest worker and ``hub up``) run side by side and are killed with
SIGKILL at random moments, restarted, killed again... until everything is processed. The result
must equal a clean run's exactly: canonical records and their hash chains, every verdict, every
version the national simulator accepted (each once, in order), every feedback, with the
reconciliation holding and no delivery left open.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from hub.audit import verify
from hub.events.streams import FEEDBACK, RECORDS, VERDICTS
from hub.national.sim import RunningSim, SimConfig, start_sim
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings

ROOT = Path(__file__).resolve().parents[2]
RECORDS_N, SEED = 1500, 11
FAULTS = SimConfig(
    reject_rate=0.05,
    fail_rate=0.1,
    timeout_rate=0.05,
    timeout_ms=500,
    duplicate_ack_rate=0.1,
    seed=SEED,
)


def environment(data_dir: Path, sim: RunningSim) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        {
            "HUB_DATA_DIR": str(data_dir),
            "HUB_NATIONAL_URL": sim.url,
            "HUB_NATIONAL_TIMEOUT_S": "0.3",
            "HUB_DELIVERY_REPLY_TIMEOUT_S": "1",
            "HUB_DELIVERY_BACKOFF_BASE_S": "0.02",
            "HUB_DELIVERY_BACKOFF_CAP_S": "0.2",
            "HUB_DELIVERY_MAX_ATTEMPTS": "200",
            "HUB_BATCH_SIZE": "10",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def start(kind: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    if kind == "ingest":
        args = [
            sys.executable,
            "-m",
            "tests.runtime.crash_worker",
            env["HUB_DATA_DIR"],
            str(RECORDS_N),
            str(SEED),
        ]
    else:
        args = [sys.executable, "-m", "hub.cli", "up", "--exit-when-idle"]
    return subprocess.Popen(
        args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def finish(proc: subprocess.Popen[bytes], timeout: float = 120) -> int:
    _, err = proc.communicate(timeout=timeout)
    if proc.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(f"process failed ({proc.returncode}): {err.decode()[-2000:]}")
    return proc.returncode


def run(data_dir: Path, sim: RunningSim, kills: int, rng: random.Random) -> int:
    """Run ingest and processing to the end, killing up to ``kills`` times (a process that is
    done by then is not killed); the number of SIGKILLs delivered."""
    env = environment(data_dir, sim)
    ingested = False
    rounds = delivered = 0
    while True:
        rounds += 1
        assert rounds < 60, "the hub never finished"
        procs = {"up": start("up", env)}
        if not ingested:
            procs["ingest"] = start("ingest", env)
        if delivered < kills:
            time.sleep(rng.uniform(0.4, 1.6))  # start-up takes ~0.5 s; kill while working
            victim = procs[rng.choice(sorted(procs))]
            if victim.poll() is None:
                victim.send_signal(signal.SIGKILL)
                delivered += 1
        codes = {kind: finish(proc) for kind, proc in procs.items()}
        if codes.get("ingest") == 0:
            ingested = True
        if ingested and codes["up"] == 0 and "ingest" not in procs:
            return delivered


def outcome(data_dir: Path, sim: RunningSim) -> dict[str, Any]:
    settings = HubSettings(data_dir=data_dir)
    with EmbeddedHub(settings) as hub:
        hub.projector.run_until_current()
        codec = hub.codec

        def payloads(stream: str) -> list[dict[str, Any]]:
            return [
                codec.decode_event(stream, s.position, s.body).payload
                for s in hub.store.scan(stream)
            ]

        versions = payloads(RECORDS)
        verdicts = payloads(VERDICTS)
        feedback = payloads(FEEDBACK)
        findings = verify(hub.store, hub.views, codec)
        status = hub.status()
    db = sqlite3.connect(data_dir / "log.db")
    registry = sorted(
        db.execute(
            "SELECT identity_hash, record_id, version, content_hash, version_hash FROM registry"
        )
    )
    ledger = sorted(db.execute("SELECT delivery_id, state FROM ledger"))
    db.close()
    accepted = [a.idempotency_key for a in sim.accepted()]
    return {
        "registry": registry,
        "versions": sorted((v["record_id"], v["version"], v["version_hash"]) for v in versions),
        "version_count": len(versions),
        "verdicts": sorted(
            (v["submission_id"], v["outcome"], v["record_id"], v["version"]) for v in verdicts
        ),
        # delivery feedback ids name the attempt, which faults and kills change: compare meaning
        "feedback": sorted(
            (
                f["kind"],
                f["source_id"],
                f["submission_id"],
                f["record_id"] or "",
                f["version"] or 0,
                f["status"],
            )
            for f in feedback
        ),
        "feedback_unique": len(feedback) == len({f["feedback_id"] for f in feedback}),
        "ledger": ledger,
        "accepted": sorted(accepted),
        "accepted_once": len(accepted) == len(set(accepted)),
        "out_of_order": sim.stats().out_of_order,
        "audit_findings": [f.to_dict() for f in findings],
        "status": {k: status[k] for k in ("received", "in_flight", "reconciled")},
        "open_deliveries": status["deliveries"]["pending"],
        "dead": status["deliveries"]["dead"],
    }


def test_sigkill_at_random_points_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    clean_sim = start_sim(FAULTS)
    try:
        run(tmp_path / "clean", clean_sim, kills=0, rng=random.Random(0))
        clean = outcome(tmp_path / "clean", clean_sim)
    finally:
        clean_sim.stop()
    crash_sim = start_sim(FAULTS)
    try:
        killed = run(tmp_path / "crashed", crash_sim, kills=8, rng=random.Random(SEED))
        crashed = outcome(tmp_path / "crashed", crash_sim)
    finally:
        crash_sim.stop()
    assert clean["status"] == {"received": RECORDS_N, "in_flight": 0, "reconciled": True}
    assert clean["open_deliveries"] == 0 and clean["dead"] == 0
    assert clean["accepted_once"] and clean["out_of_order"] == 0
    assert clean["audit_findings"] == [] and clean["feedback_unique"]
    for key in clean:
        assert crashed[key] == clean[key], key
    assert killed >= 5, f"only {killed} kills landed while the hub was working"
