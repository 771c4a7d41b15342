"""Benchmark: N submissions through the whole embedded loop, delivery to the simulator included.

Run: .venv/bin/python bench/pipeline.py [--records 200000] [--seed 1]

The submissions come from the demo province (about 20% cross-level duplicates, 7% updates, 3%
stale updates, 5% invalid). The national simulator runs as its own process (``hub
national-sim``), as a real receiver would, so it does not share this process's CPU.

Measured in one run:
- floor: the same submissions encoded, appended to a SQLite log in 1,000-event durable
  transactions, read back and decoded once: what one hop costs, with no logic;
- ingest: submissions durably appended (what a source waits for);
- process: everything after ingest, until every delivery is final, in wall time and in CPU
  time of this process per submission (steadier than wall time on a busy machine);
- resident memory of this process before the hub starts (the generated input, held in memory)
  and after a quarter, a half and all of the run: the hub's memory should not grow with the
  number of records.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from itertools import groupby
from pathlib import Path

from hub.connectors.submissions import record_submissions
from hub.domain.values import DeliveryPolicy, Source
from hub.engine.steps import append_events
from hub.events import Event
from hub.events.streams import SUBMISSIONS
from hub.national.client import NationalClient
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.storage.sqlite import SqliteStore
from hub.testing.province import generate_province


def rss_mib() -> int:
    """Current resident memory (not the peak: the generated input is itself large)."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def submissions(records: int, seed: int) -> tuple[list[Source], list[list[Event]]]:
    province = generate_province(records, seed)
    sources = [
        Source(s.source_id, s.level, s.region_code, s.department, s.record_types)
        for s in province.sources
    ]
    received = dt.datetime.now(dt.UTC)
    batches = [
        list(
            record_submissions(
                sid, rt, [s.record for s in group], batch_id=f"bench-{i}", received_at=received
            )
        )
        for i, ((sid, rt), group) in enumerate(
            groupby(province.submissions, key=lambda s: (s.source_id, s.record_type))
        )
    ]
    return sources, batches


def floor(settings: HubSettings, batches: list[list[Event]], chunk: int) -> float:
    """Seconds to encode and append every submission in ``chunk``-event durable transactions,
    then read them all back and decode each once."""
    hub = EmbeddedHub(settings)  # only for its codec
    codec, store = hub.codec, SqliteStore(settings.data_dir / "floor.db")
    events = [e for batch in batches for e in batch]
    start = time.perf_counter()
    for i in range(0, len(events), chunk):
        with store.transaction(durable=True) as tx:
            append_events(tx, codec, events[i : i + chunk], time.time())
    after = decoded = 0
    while True:
        with store.transaction() as tx:
            stored = tx.read(SUBMISSIONS, after, chunk)
        if not stored:
            break
        decoded += len([codec.decode_event(SUBMISSIONS, s.position, s.body) for s in stored])
        after = stored[-1].position
    seconds = time.perf_counter() - start
    assert decoded == len(events)
    store.close()
    hub.close()
    return seconds


def start_sim() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "national-sim", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    match = re.search(r"http://\S+", proc.stdout.readline())
    assert match, "national-sim did not start"
    return proc, match.group(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=HubSettings().batch_size)
    args = parser.parse_args()

    sources, batches = submissions(args.records, args.seed)
    n = sum(len(b) for b in batches)
    sim, url = start_sim()
    marks: dict[str, int] = {"input_generated": rss_mib()}
    with tempfile.TemporaryDirectory() as tmp:
        settings = HubSettings(data_dir=Path(tmp) / "floor", batch_size=args.batch_size)
        floor_s = floor(settings, batches, 1000)

        settings = HubSettings(data_dir=Path(tmp) / "hub", batch_size=args.batch_size)
        client = NationalClient(url)
        hub = EmbeddedHub(settings, national=client, delivery=DeliveryPolicy(push_batch=500))
        hub.register_sources(sources)
        start = time.perf_counter()
        for batch in batches:
            hub.ingest(batch)
        ingest_s = time.perf_counter() - start
        start, cpu = time.perf_counter(), _cpu_s()
        quarter = n // 4
        while True:
            if not hub.step():
                if not hub.status()["deliveries"]["pending"]:
                    break
                time.sleep(0.01)  # retries are due later
            done = hub.store.head("verdicts")  # indexed, O(log n): positions count verdicts
            for name, at in (("quarter", quarter), ("half", 2 * quarter)):
                if done >= at and name not in marks:
                    marks[name] = rss_mib()
        process_s = time.perf_counter() - start
        process_cpu_s = _cpu_s() - cpu
        marks["all"] = rss_mib()
        status = hub.status()
        hub.close()
        client.close()
    sim.terminate()
    sim.wait()
    total_s = ingest_s + process_s
    figures = {
        "records": n,
        "ingest_per_s": round(n / ingest_s),
        "process_per_s": round(n / process_s),
        "end_to_end_per_s": round(n / total_s),
        "batch_size": args.batch_size,
        "floor_per_s": round(n / floor_s),
        "ratio_process_to_floor": round(process_s / floor_s, 2),
        # CPU of this process (the hub; the simulator is another): less at the mercy of a busy
        # machine than wall time
        "process_cpu_us_per_submission": round(process_cpu_s / n * 1e6),
        "ratio_end_to_end_to_floor": round(total_s / floor_s, 2),
        "rss_mib": marks,
        "reconciled": status["reconciled"],
        "in_flight": status["in_flight"],
        "deliveries": status["deliveries"],
        "outcomes": {
            k: status[k]
            for k in ("accepted_new", "accepted_update", "duplicate", "stale", "rejected")
        },
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
