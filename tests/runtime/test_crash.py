"""Crashes lose nothing and duplicate nothing downstream.

The real processes (the ingest worker and ``hub up``) run side by side and are killed with
SIGKILL, restarted, killed again... until everything is processed. The result must equal a clean
run's exactly: canonical records and their hash chains, every verdict, every version the national
simulator accepted (each once, in order), every feedback, with the reconciliation holding and no
delivery left open.

Kills are scheduled by progress, not by the clock, so they land whatever the engine's speed: each
round the seeded RNG picks a victim and a number N of events drawn from the work the clean run
says is left; then either the test SIGKILLs the victim once the log holds N more committed
events (read from outside), or the victim kills itself inside the transaction of the append that
reaches N (``HUB_TEST_KILL_AFTER_APPENDS``, :mod:`tests.runtime.kill_inside`): between a step's
reads and its commit. The two kinds alternate; a kill whose victim finished first (the log
moved in one jump past its N) is followed by one from inside, which cannot miss that way.

``HUB_CRASH_SEEDS`` (e.g. ``101-115`` or ``3,7,20-22``) runs one crashed run per seed against one
clean run; ``HUB_CRASH_KILLS`` sets the kills per run (default 8).
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate, groupby
from pathlib import Path
from typing import Any

import pytest

from hub.audit import verify
from hub.events.streams import FEEDBACK, RECORDS, STREAMS, SUBMISSIONS, VERDICTS
from hub.national.sim import RunningSim, SimConfig, start_sim
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.testing.province import generate_province
from tests.runtime.kill_inside import ENV as KILL_AFTER_APPENDS
from tests.runtime.kill_inside import MARK

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
UP, INGEST = "up", "ingest"
#: The streams each process writes: its progress is the sum of their heads.
WRITES = {INGEST: (SUBMISSIONS,), UP: tuple(s for s in STREAMS if s != SUBMISSIONS)}
#: A kill lands within this share of the victim's remaining work (the rest is a margin for runs
#: that need fewer delivery retries than the clean one).
SPREAD = 0.6


def crash_seeds(text: str | None = os.environ.get("HUB_CRASH_SEEDS")) -> list[int]:
    """``101-115,120`` -> [101, ..., 115, 120]; unset: the one default seed."""
    if not text:
        return [SEED]
    seeds: list[int] = []
    for part in text.split(","):
        low, _, high = part.strip().partition("-")
        seeds += range(int(low), int(high or low) + 1)
    return seeds


KILLS = int(os.environ.get("HUB_CRASH_KILLS", "8"))


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
    worker = [sys.executable, "-m", "tests.runtime.crash_worker"]
    if kind == INGEST:
        args = [*worker, INGEST, env["HUB_DATA_DIR"], str(RECORDS_N), str(SEED)]
    else:
        args = [*worker, UP, "--exit-when-idle"]
    return subprocess.Popen(
        args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def finish(proc: subprocess.Popen[bytes], timeout: float = 120) -> tuple[int, str]:
    """The process's exit code (0, or -SIGKILL) and its stderr."""
    _, err = proc.communicate(timeout=timeout)
    if proc.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(f"process failed ({proc.returncode}): {err.decode()[-2000:]}")
    return proc.returncode, err.decode(errors="replace")


class LogReader:
    """The log as a separate reader sees it: through its own read-only connection, only what
    the hub committed, never its open transaction (WAL). Counts 0 until the log and its tables
    exist."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self._db: sqlite3.Connection | None = None

    def committed(self, streams: Sequence[str]) -> int:
        """Events committed to ``streams`` (the sum of their heads)."""
        try:
            if self._db is None:
                if not self.log.exists():
                    return 0
                self._db = sqlite3.connect(f"file:{self.log}?mode=ro", uri=True, timeout=5)
            heads = (f'SELECT COALESCE(MAX(position), 0) FROM "{s}"' for s in streams)
            return sum(int(self._db.execute(q).fetchone()[0]) for q in heads)
        except sqlite3.Error:
            self.close()
            return 0

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def committed(log: Path, streams: Sequence[str]) -> int:
    reader = LogReader(log)
    try:
        return reader.committed(streams)
    finally:
        reader.close()


@dataclass(frozen=True)
class Kill:
    """One round's kill: ``victim`` dies once it has made ``events`` more events, by the test's
    SIGKILL from outside or (``inside``) by its own inside the append's transaction."""

    victim: str
    events: int
    inside: bool


def plan(
    rng: random.Random,
    kinds: Sequence[str],
    done: dict[str, int],
    totals: dict[str, int],
    inside: bool,
) -> Kill:
    victim = rng.choice(sorted(kinds))
    left = max(1, totals[victim] - done[victim])
    return Kill(victim, rng.randint(1, max(1, int(left * SPREAD))), inside)


def wait_for(log: Path, proc: subprocess.Popen[bytes], streams: Sequence[str], target: int) -> bool:
    """Poll the log until ``target`` events are committed to ``streams``; False if ``proc``
    ended first."""
    reader = LogReader(log)
    try:
        while proc.poll() is None:
            if reader.committed(streams) >= target:
                return True
            time.sleep(0.01)
        return False
    finally:
        reader.close()


@dataclass
class Landed:
    outside: int = 0
    inside: int = 0
    rounds: int = 0
    streams: Counter[str] = field(default_factory=Counter)  # inside kills by stream appended
    at: list[str] = field(default_factory=list)  # victim@share of its work done, per kill

    @property
    def total(self) -> int:
        return self.outside + self.inside


def run(
    data_dir: Path,
    sim: RunningSim,
    kills: int,
    rng: random.Random,
    totals: dict[str, int] | None = None,
) -> Landed:
    """Run ingest and processing to the end, killing until ``kills`` kills have landed (a
    planned kill lands unless its victim finishes first); the kills that landed."""
    env = environment(data_dir, sim)
    log = data_dir / "log.db"
    ingested = False
    landed = Landed()
    missed = False  # the last planned kill found its victim done: make the next one inside
    while True:
        landed.rounds += 1
        assert landed.rounds < 3 * kills + 20, "the hub never finished"
        kinds = [UP] if ingested else [UP, INGEST]
        done = {kind: committed(log, WRITES[kind]) for kind in kinds}
        kill = None
        if landed.total < kills and totals is not None:
            inside = landed.total % 2 == 1 or missed
            kill = plan(rng, kinds, done, totals, inside)
        procs = {}
        for kind in kinds:
            kind_env = env
            if kill is not None and kill.inside and kill.victim == kind:
                # a rerun of ingest hands the log every submission again, from the first
                already = done[kind] if kind == INGEST else 0
                kind_env = env | {KILL_AFTER_APPENDS: str(already + kill.events)}
            procs[kind] = start(kind, kind_env)
        if kill is not None and not kill.inside:
            victim = procs[kill.victim]
            target = done[kill.victim] + kill.events
            if wait_for(log, victim, WRITES[kill.victim], target) and victim.poll() is None:
                victim.send_signal(signal.SIGKILL)
        ended = {kind: finish(proc) for kind, proc in procs.items()}
        codes = {kind: code for kind, (code, _) in ended.items()}
        if kill is not None:
            missed = codes[kill.victim] != -signal.SIGKILL
            if not missed and totals is not None:
                share = (done[kill.victim] + kill.events) / totals[kill.victim]
                landed.at.append(f"{kill.victim}@{share:.0%}")
            if not missed and kill.inside:
                landed.inside += 1
                marks = [x for x in ended[kill.victim][1].splitlines() if x.startswith(MARK)]
                landed.streams[marks[-1].removeprefix(MARK).strip() if marks else "?"] += 1
            elif not missed:
                landed.outside += 1
        if codes.get(INGEST) == 0:
            ingested = True
        if ingested and codes[UP] == 0 and INGEST not in procs:
            return landed


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


@dataclass(frozen=True)
class Clean:
    outcome: dict[str, Any]
    totals: dict[str, int]  # events each process made: what the kills are drawn from


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Clean:
    data_dir = tmp_path_factory.mktemp("clean")
    with start_sim(FAULTS) as sim:
        run(data_dir, sim, kills=0, rng=random.Random(0))
        result = outcome(data_dir, sim)
    totals = {kind: committed(data_dir / "log.db", streams) for kind, streams in WRITES.items()}
    assert result["status"] == {"received": RECORDS_N, "in_flight": 0, "reconciled": True}
    assert result["open_deliveries"] == 0 and result["dead"] == 0
    assert result["accepted_once"] and result["out_of_order"] == 0
    assert result["audit_findings"] == [] and result["feedback_unique"]
    return Clean(result, totals)


@pytest.mark.parametrize("seed", crash_seeds())
def test_sigkill_at_any_point_loses_and_duplicates_nothing(
    tmp_path: Path, clean: Clean, seed: int
) -> None:
    started = time.monotonic()
    with start_sim(FAULTS) as sim:
        landed = run(tmp_path / "crashed", sim, KILLS, random.Random(seed), clean.totals)
        crashed = outcome(tmp_path / "crashed", sim)
    print(
        f"seed {seed}: {landed.total} kills landed ({landed.inside} inside a transaction,"
        f" {landed.outside} from outside) in {landed.rounds} rounds,"
        f" {time.monotonic() - started:.1f} s; inside kills by the stream appended to:"
        f" {dict(sorted(landed.streams.items()))}; kills at {' '.join(landed.at)}"
    )
    for key in clean.outcome:
        assert crashed[key] == clean.outcome[key], key
    assert landed.total == KILLS, f"only {landed} of {KILLS} kills landed"
    if KILLS >= 2:
        assert landed.inside >= 1 and landed.outside >= 1, landed


def test_the_kill_switch_fires_inside_the_transaction(tmp_path: Path) -> None:
    """Armed with N, the worker dies by SIGKILL in the transaction of the append that reaches
    N events: that chunk never commits, the ones before it did."""
    with start_sim(SimConfig()) as sim:
        env = environment(tmp_path, sim) | {KILL_AFTER_APPENDS: "10"}
        proc = start(INGEST, env)
        code, err = finish(proc)
    assert code == -signal.SIGKILL and f"{MARK} {SUBMISSIONS}" in err
    province = generate_province(RECORDS_N, SEED)
    groups = groupby(province.submissions, key=lambda s: (s.source_id, s.record_type))
    ends = list(accumulate(n for _, g in groups for n in chunk_sizes(len(list(g)), 7)))
    before = max(e for e in ends if e < 10)  # the last chunk that ended before the 10th
    assert committed(tmp_path / "log.db", [SUBMISSIONS]) == before


def chunk_sizes(n: int, chunk: int) -> list[int]:
    return [min(chunk, n - i) for i in range(0, n, chunk)]
