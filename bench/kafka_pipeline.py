"""Benchmark: N submissions through two ``hub worker`` processes on a local broker, against raw
aiokafka produce and consume of the same messages.

Run: .venv/bin/python bench/kafka_pipeline.py [--records 200000] [--workers 2] [--partitions 6]

Kafka: ``HUB_BENCH_KAFKA_BOOTSTRAP``, else a throwaway broker from ``ops/kafka/start``.
PostgreSQL: a new database on the server ``HUB_BENCH_DATABASE_URL`` points to, else on a throwaway
server from ``ops/postgres/start`` (each run starts from an empty database). The throwaways are
stopped (and their folders deleted) on every exit: success, failure, Ctrl-C or SIGTERM; the
workers are stopped before them.
Not timed: generating the province (a realistic mix: duplicates across levels, updates, stale and
invalid submissions from all of Zhejiang's sources) and encoding the submissions.

Timed, in one run on one machine (broker, database and workers share its cores):
- floor: produce the N encoded submissions to a scratch topic (idempotent producer, acks=all)
  and consume them all back with one consumer: what Kafka alone costs for these bytes;
- hub: send the same submissions to the hub's topic through the submission sink (``KafkaSink``,
  as ``hub ingest`` does on this runtime), then two workers judge, resolve, plan
  deliveries and give feedback (projections and the relay running too), until every submission
  has its verdict. Consumer lag (submissions without a verdict) is sampled every second, and the
  CPU the machine and the workers used meanwhile is reported (Linux /proc).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from itertools import groupby
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from aiokafka import AIOKafkaConsumer
from pydantic import SecretStr

from hub.connectors.submissions import record_submissions
from hub.domain.values import Source
from hub.engine.sink import KafkaSink, store_all
from hub.events import Event, load_codec
from hub.kafka.ingest import submission_message
from hub.kafka.producer import Producer
from hub.kafka.topics import TopicSpec, create_topics, hub_topics
from hub.kafka.wire import Message
from hub.settings import HubSettings
from hub.storage.postgres import PostgresStore
from hub.testing.province import generate_province

ROOT = Path(__file__).resolve().parents[1]


def _throwaway(stack: contextlib.ExitStack, script: str) -> str:
    """Start ops/<script>/start in a new folder; its stop (which also deletes the folder) goes
    on ``stack`` before the start, so a start cut short is cleaned up too. The address."""
    folder = Path(tempfile.mkdtemp(prefix="hub-bench-"))
    stack.callback(_stop_throwaway, script, folder)
    out = subprocess.run(
        ["bash", str(ROOT / script / "start"), str(folder)], capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(f"{script}/start failed: {out.stderr[-2000:]}")
    return out.stdout.strip().splitlines()[-1]


def _stop_throwaway(script: str, folder: Path) -> None:
    done = subprocess.run(
        ["bash", str(ROOT / script / "stop"), str(folder)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    if done.returncode:
        print(f"{script}/stop {folder} failed: {done.stderr[-2000:]}", file=sys.stderr)


def _stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM, then SIGKILL what is still there after 30 s (a worker stops within 10 s: exit
    0, or 75 when its watchdog had to end it). Says how long each took."""
    sent = time.monotonic()
    for w in workers:
        if w.poll() is None:
            w.terminate()
    stops: list[str] = []
    for w in workers:
        try:
            w.wait(30)
        except subprocess.TimeoutExpired:
            print(f"worker {w.pid} ignored SIGTERM for 30 s: killed", file=sys.stderr)
            w.kill()
            w.wait(10)
        stops.append(f"{time.monotonic() - sent:.1f} s (exit {w.returncode})")
    if stops:
        print("workers stopped after " + ", ".join(stops), file=sys.stderr)


def _remove_after_success(folder: Path, finished: threading.Event) -> None:
    if finished.is_set():
        shutil.rmtree(folder, ignore_errors=True)
    else:
        print(f"kept {folder} (the workers' logs)", file=sys.stderr)


def _terminate_as_interrupt(signum: int, _frame: object) -> None:
    """SIGTERM unwinds like Ctrl-C, so the finally blocks stop the broker and PostgreSQL."""
    raise KeyboardInterrupt(f"signal {signum}")


def _machine_busy_s() -> float:
    """CPU seconds the whole machine spent busy (every core, every process) since boot."""
    with open("/proc/stat", encoding="ascii") as handle:
        fields = [int(x) for x in handle.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a live process has used."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        fields = handle.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fresh_database(server_url: str) -> str:
    """A new, empty database on the server, so no run counts another run's events."""
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def province_events(n: int) -> tuple[list[Source], list[Event]]:
    province = generate_province(n, seed=7)
    sources = [
        Source(s.source_id, s.level, s.region_code, s.department, s.record_types)
        for s in province.sources
    ]
    events: list[Event] = []
    groups = groupby(province.submissions, key=lambda s: (s.source_id, s.record_type))
    for i, ((source_id, record_type), group) in enumerate(groups):
        events += record_submissions(
            source_id,
            record_type,
            [s.record for s in group],
            batch_id=f"bench-{i}",
            received_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        )
    return sources, events


async def floor(bootstrap: str, messages: list[Message], topic: str) -> tuple[float, float]:
    producer = Producer(bootstrap)
    await producer.start()
    started = time.perf_counter()
    for i in range(0, len(messages), 1000):
        await producer.send_all(
            [dataclasses.replace(m, topic=topic) for m in messages[i : i + 1000]]
        )
    produced = time.perf_counter() - started
    await producer.stop()
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    started, seen = time.perf_counter(), 0
    try:
        while seen < len(messages):
            batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
            seen += sum(len(v) for v in batch.values())
    finally:
        await consumer.stop()
    return produced, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    with contextlib.ExitStack() as stack:  # unwound on every exit: the throwaways go with it
        result = run(stack, args)
    print(json.dumps(result, indent=2))


def run(stack: contextlib.ExitStack, args: argparse.Namespace) -> dict[str, Any]:
    """The benchmark; what it starts is stopped by ``stack`` (workers first, then the
    store, PostgreSQL and the broker)."""
    bootstrap = os.environ.get("HUB_BENCH_KAFKA_BOOTSTRAP") or _throwaway(stack, "ops/kafka")
    server = os.environ.get("HUB_BENCH_DATABASE_URL") or _throwaway(stack, "ops/postgres")
    url = fresh_database(server)
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    data_dir = Path(tempfile.mkdtemp(prefix="hub-bench-data-"))
    finished = threading.Event()
    stack.callback(_remove_after_success, data_dir, finished)
    settings = HubSettings(
        data_dir=data_dir,
        database_url=SecretStr(url),
        kafka_bootstrap=bootstrap,
        kafka_topic_prefix=prefix,
        kafka_partitions=args.partitions,
        kafka_group=f"{prefix}workers",
        batch_size=args.batch,
    )
    standard = settings.standard()
    codec = load_codec(standard.root)
    create_topics(settings, hub_topics(settings, standard.types))
    scratch = f"{prefix}floor"
    create_topics(settings, [TopicSpec(scratch, args.partitions, 1)])
    store = PostgresStore(url)
    stack.callback(store.close)
    sources, events = province_events(args.records)
    n = len(events)
    with store.transaction() as tx:
        for source in sources:
            tx.put_source(source)
    now = dt.datetime.now(dt.UTC)
    messages = [submission_message(settings, codec, e, now) for e in events]

    produce_s, consume_s = asyncio.run(floor(bootstrap, messages, scratch))
    floor_rate = n / (produce_s + consume_s)

    env = {
        **os.environ,
        "HUB_DATA_DIR": str(data_dir),
        "HUB_DATABASE_URL": url,
        "HUB_KAFKA_BOOTSTRAP": bootstrap,
        "HUB_KAFKA_TOPIC_PREFIX": prefix,
        "HUB_KAFKA_PARTITIONS": str(args.partitions),
        "HUB_KAFKA_GROUP": f"{prefix}workers",
        "HUB_BATCH_SIZE": str(args.batch),
        "HUB_API_ENABLED": "false",
    }
    logs = [(data_dir / f"worker-{i}.log").open("wb") for i in range(args.workers)]
    for log in logs:
        stack.callback(log.close)
    workers: list[subprocess.Popen[bytes]] = []
    stack.callback(_stop_workers, workers)
    workers += [
        subprocess.Popen([sys.executable, "-m", "hub", "worker"], env=env, stdout=log, stderr=log)
        for log in logs
    ]
    time.sleep(8)  # the group forms before the clock starts
    workers_before = sum(_process_cpu_s(w.pid) for w in workers)
    busy_before = _machine_busy_s()
    sink = KafkaSink(settings, store, codec)  # what ``hub ingest`` sends through on Kafka
    stack.callback(sink.close)
    started = time.perf_counter()
    store_all(sink, events)
    ingest_s = time.perf_counter() - started
    lag: list[tuple[float, int]] = []
    while True:
        done = sum(store.counts("verdicts").values())
        lag.append((round(time.perf_counter() - started, 1), n - done))
        if done >= n:
            break
        if any(w.poll() is not None for w in workers):
            raise SystemExit("a worker died; see its log in " + str(data_dir))
        time.sleep(1.0)
    hub_s = time.perf_counter() - started
    machine_cpu = _machine_busy_s() - busy_before
    workers_cpu = sum(_process_cpu_s(w.pid) for w in workers) - workers_before
    result: dict[str, Any] = {
        "submissions": n,
        "workers": args.workers,
        "partitions": args.partitions,
        "floor": {
            "produce_s": round(produce_s, 2),
            "consume_s": round(consume_s, 2),
            "messages_per_s": round(floor_rate),
        },
        "hub": {
            "ingest_s": round(ingest_s, 2),
            "all_verdicts_s": round(hub_s, 2),
            "records_per_s": round(n / hub_s),
            "lag_samples": lag[:: max(1, len(lag) // 20)],
            # where the cores went while the hub ran (broker, PostgreSQL, workers, this script)
            "cpu_s_machine": round(machine_cpu, 1),
            "cpu_s_workers": round(workers_cpu, 1),
            "cores_busy": round(machine_cpu / hub_s, 2),
            "worker_cpu_ms_per_record": round(1000 * workers_cpu / n, 3),
        },
        "ratio_to_floor": round(floor_rate / (n / hub_s), 1),
    }
    finished.set()  # the data directory (the workers' logs) is kept only after a failure
    return result


if __name__ == "__main__":
    main()
