"""Benchmark: sustained HTTP ingest through ``hub api`` against file ingest of the same records.

Run: .venv/bin/python bench/http_ingest.py [--records 100000] [--batch 500] [--concurrency 4]

Not timed: generating the province (Zhejiang's realistic mix of record types), writing the
JSON Lines file, registering the source and starting the server.

Timed, in one run on one machine (server and load generator share its cores):
- http: a load generator on loopback (httpx, ``--concurrency`` connections) POSTs the records
  in batches of ``--batch`` records of one type to a ``hub api`` process on the embedded
  default (SQLite); every reply is a 202 after the batch is durable. Reported: records/s and
  p50/p99 of the reply latency;
- file: ``hub ingest``'s library path (``EmbeddedHub.ingest`` over ``file_submissions``) on the
  same records from a JSON Lines file, in a data directory of its own: the baseline.
The ratio is file records/s over HTTP records/s (how much the HTTP front door costs).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from connectors.files import file_submissions
from hub.api.tokens import new_token, token_hash
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.storage.ports import Source
from hub.testing.province import generate_province

ROOT = Path(__file__).resolve().parents[1]
SOURCE = Source("zj-all", "national", "330000", "浙江省数据交换平台")


def batches(records: int, size: int) -> list[tuple[str, list[dict[str, Any]]]]:
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for submission in generate_province(records, seed=7).submissions:
        by_type[submission.record_type].append(submission.record)
    return [
        (record_type, rows[i : i + size])
        for record_type, rows in sorted(by_type.items())
        for i in range(0, len(rows), size)
    ]


def register(data_dir: Path) -> str:
    token = new_token()
    with EmbeddedHub(HubSettings(data_dir=data_dir)) as hub, hub.store.transaction() as tx:
        tx.put_source(SOURCE)
        tx.set_token(SOURCE.source_id, token_hash(token))
    return token


def start_api(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env |= {"HUB_DATA_DIR": str(data_dir), "HUB_API_PORT": "0"}
    process = subprocess.Popen([sys.executable, "-m", "hub", "api"], env=env, cwd=ROOT)
    address = data_dir / "api.address"
    deadline = time.monotonic() + 60
    while not address.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("hub api did not start")
        time.sleep(0.05)
    return process, address.read_text(encoding="utf-8").strip()


async def load(
    url: str, token: str, work: list[tuple[str, list[dict[str, Any]]]], concurrency: int
) -> tuple[float, list[float]]:
    queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
    for record_type, rows in work:
        queue.put_nowait((record_type, json.dumps({"records": rows}).encode()))
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def client() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=120, headers=headers) as http:
            while not queue.empty():
                record_type, body = queue.get_nowait()
                started = time.perf_counter()
                reply = await http.post(f"/v1/records/{record_type}", content=body)
                latencies.append(time.perf_counter() - started)
                if reply.status_code != 202:
                    raise SystemExit(f"{reply.status_code}: {reply.text[:300]}")

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


def file_ingest(data_dir: Path, work: list[tuple[str, list[dict[str, Any]]]]) -> float:
    """Seconds to ingest the same records from JSON Lines files, one file per batch."""
    files = []
    for i, (record_type, rows) in enumerate(work):
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        path = data_dir.parent / f"file-{i}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
        files.append((record_type, path))
    register(data_dir)
    with EmbeddedHub(HubSettings(data_dir=data_dir)) as hub:
        started = time.perf_counter()
        for record_type, path in files:
            hub.ingest(
                file_submissions(
                    SOURCE.source_id, record_type, path, received_at=dt.datetime.now(dt.UTC)
                )
            )
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    work = batches(args.records, args.batch)
    n = sum(len(rows) for _, rows in work)
    root = Path(tempfile.mkdtemp(prefix="hub-bench-http-"))

    http_dir = root / "http" / "hub"
    token = register(http_dir)
    process, url = start_api(http_dir)
    try:
        http_s, latencies = asyncio.run(load(url, token, work, args.concurrency))
    finally:
        process.terminate()
        process.wait(60)
    with EmbeddedHub(HubSettings(data_dir=http_dir)) as hub:
        stored = sum(hub.store.counts("submissions").values())
    if stored != n:
        raise SystemExit(f"{stored} submissions stored for {n} records sent")
    file_s = file_ingest(root / "file" / "hub", work)

    quantiles = statistics.quantiles(latencies, n=100)
    result = {
        "records": n,
        "batch": args.batch,
        "concurrency": args.concurrency,
        "requests": len(latencies),
        "http": {
            "seconds": round(http_s, 2),
            "records_per_s": round(n / http_s),
            "latency_ms_p50": round(1000 * quantiles[49], 1),
            "latency_ms_p99": round(1000 * quantiles[98], 1),
        },
        "file": {"seconds": round(file_s, 2), "records_per_s": round(n / file_s)},
        "ratio_file_to_http": round((n / file_s) / (n / http_s), 2),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
