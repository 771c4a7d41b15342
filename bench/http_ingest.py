"""Benchmark: sustained HTTP ingest through ``hub api`` against file ingest of the same records.

Run: .venv/bin/python bench/http_ingest.py [--records 100000] [--batch 500] [--concurrency 4]
     [--kafka]   (the distributed runtime: HUB_BENCH_KAFKA_BOOTSTRAP and HUB_BENCH_DATABASE_URL,
                  else throwaway servers from ops/; no workers run: ingest only)

Not timed: generating the province (Zhejiang's realistic mix of record types), writing the
JSON Lines file, registering the source and starting the server.

Timed, in one run on one machine (server and load generator share its cores):
- http: a load generator on loopback (httpx, ``--concurrency`` connections) POSTs the records
  in batches of ``--batch`` records of one type to a ``hub api`` process on the embedded
  default (SQLite); every reply is a 202 after the batch is durable. Reported: records/s and
  p50/p99 of the reply latency;
- file: ``hub ingest``'s library path on the same records from JSON Lines files: each file's
  ``file_submissions`` handed to the submission sink ``sink_for`` picks, a durable chunk at a
  time (``store_all``): the baseline. On the embedded default that is the durable log, in a
  data directory of its own; with ``--kafka`` the server's sink is Kafka (``acks=all`` before
  each reply) and so is the baseline's, on topics of their own.
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
import uuid
from collections import defaultdict
from contextlib import ExitStack, closing
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from hub.api.tokens import new_token, token_hash
from hub.backends import backend_for
from hub.connectors.files import file_submissions
from hub.domain.values import Source
from hub.engine.sink import sink_for, store_all
from hub.events import load_codec
from hub.kafka.topics import create_topics, hub_topics, stream_topic
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
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


def register(data_dir: Path, **settings: Any) -> str:
    token = new_token()
    with (
        EmbeddedHub(HubSettings(data_dir=data_dir, **settings)) as hub,
        hub.store.transaction() as tx,
    ):
        tx.put_source(SOURCE)
        tx.set_token(SOURCE.source_id, token_hash(token))
    return token


def start_api(data_dir: Path, extra: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env |= {"HUB_DATA_DIR": str(data_dir), "HUB_API_PORT": "0", **extra}
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


def file_ingest(
    data_dir: Path, work: list[tuple[str, list[dict[str, Any]]]], kafka: HubSettings | None
) -> float:
    """Seconds to ingest the same records from JSON Lines files, one file per batch."""
    files = []
    for i, (record_type, rows) in enumerate(work):
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        path = data_dir.parent / f"file-{i}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
        files.append((record_type, path))
    if kafka is None:
        register(data_dir)
    settings = kafka or HubSettings(data_dir=data_dir)
    codec = load_codec(settings.standard().root)
    with (
        closing(backend_for(settings).store()) as store,
        closing(sink_for(settings, store, codec)) as sink,
    ):
        started = time.perf_counter()
        for record_type, path in files:
            events = file_submissions(
                SOURCE.source_id, record_type, path, received_at=dt.datetime.now(dt.UTC)
            )
            store_all(sink, events)
        return time.perf_counter() - started


def kafka_settings(stack: ExitStack, data_dir: Path) -> HubSettings:
    """Topics of a prefix of their own on the bench broker, and a new database (throwaway
    servers, stopped by ``stack``, where the environment names none)."""
    from kafka_pipeline import _throwaway, fresh_database  # bench/ is on the path as a script

    bootstrap = os.environ.get("HUB_BENCH_KAFKA_BOOTSTRAP") or _throwaway(stack, "ops/kafka")
    server = os.environ.get("HUB_BENCH_DATABASE_URL") or _throwaway(stack, "ops/postgres")
    url = fresh_database(server)
    prefix = f"bhttp{uuid.uuid4().hex[:6]}."
    settings = HubSettings(
        data_dir=data_dir,
        database_url=SecretStr(url),
        kafka_bootstrap=bootstrap,
        kafka_topic_prefix=prefix,
    )
    create_topics(settings, hub_topics(settings, settings.standard().types))
    return settings


def submissions_on_kafka(settings: HubSettings) -> int:
    """Messages on the submissions topic (the sum of its partitions' end offsets)."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    topic = stream_topic(settings, "submissions")

    async def count() -> int:
        consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap)
        await consumer.start()
        try:
            parts = [TopicPartition(topic, p) for p in range(settings.kafka_partitions)]
            ends = await consumer.end_offsets(parts)
            return sum(ends.values())
        finally:
            await consumer.stop()

    return asyncio.run(count())


def main() -> None:
    with ExitStack() as stack:  # the throwaway servers of --kafka stop on every exit
        run(stack)


def run(stack: ExitStack) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--kafka", action="store_true", help="the distributed runtime's sink")
    args = parser.parse_args()
    work = batches(args.records, args.batch)
    n = sum(len(rows) for _, rows in work)
    root = Path(tempfile.mkdtemp(prefix="hub-bench-http-"))

    http_dir = root / "http" / "hub"
    kafka = kafka_settings(stack, http_dir) if args.kafka else None
    extra: dict[str, str] = {}
    if kafka is not None and kafka.database_url is not None:
        extra = {
            "HUB_KAFKA_BOOTSTRAP": kafka.kafka_bootstrap or "",
            "HUB_KAFKA_TOPIC_PREFIX": kafka.kafka_topic_prefix,
            "HUB_DATABASE_URL": kafka.database_url.get_secret_value(),
        }
        token = register(http_dir, database_url=kafka.database_url)
    else:
        token = register(http_dir)
    process, url = start_api(http_dir, extra)
    try:
        http_s, latencies = asyncio.run(load(url, token, work, args.concurrency))
    finally:
        process.terminate()
        process.wait(60)
    if kafka is not None:
        stored = submissions_on_kafka(kafka)
    else:
        with EmbeddedHub(HubSettings(data_dir=http_dir)) as hub:
            stored = sum(hub.store.counts("submissions").values())
    if stored != n:
        raise SystemExit(f"{stored} submissions stored for {n} records sent")
    baseline = (
        kafka.model_copy(update={"kafka_topic_prefix": "bfile" + kafka.kafka_topic_prefix})
        if kafka
        else None
    )
    if baseline is not None:
        create_topics(baseline, hub_topics(baseline, baseline.standard().types))
    file_s = file_ingest(root / "file" / "hub", work, baseline)

    quantiles = statistics.quantiles(latencies, n=100)
    result = {
        "records": n,
        "batch": args.batch,
        "concurrency": args.concurrency,
        "sink": "kafka" if args.kafka else "embedded (SQLite)",
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
