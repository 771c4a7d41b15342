"""Benchmark: project N record versions into PostgreSQL, against a plain COPY of the same rows.

Run: .venv/bin/python bench/project_postgres.py [--records 200000] [--batch 1000]

PostgreSQL: ``HUB_BENCH_DATABASE_URL`` (an empty database), else a throwaway server from
``ops/postgres/start``. Not timed: generating the versions (80% new records, 20% second versions
of them, valid inspections with real content), appending them to the PostgreSQL log.

Timed, in one run on one server:
- floor: ``COPY`` of the same ``record_versions`` rows (already built in Python) into a table of
  the same shape; the database's own price of writing those rows;
- projection: ``records`` (``record_versions`` + ``records_current``) from the log, the way the
  hub runs it: read the batch from the log, decode events and content, build rows, COPY into
  staging, merge, advance positions, commit (the runner decodes the next batch on a helper
  thread meanwhile); and the decoding and row building alone, for scale;
- projection of ``records`` and ``region_stats`` together (the runner decodes each batch once).

For the projection of ``records`` the CPU seconds of this process and of the server's backends
are reported too (the backends' when the server runs on this machine): on a shared machine the
wall time says how busy the others were, the CPU seconds say what bounds the projection.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from hub.engine.steps import append_events
from hub.events import Event, load_codec
from hub.events.streams import RECORDS
from hub.processing.content import avro_to_json, content_hash, json_to_avro, version_hash
from hub.processing.resolve import record_id_for
from hub.projections import ProjectionRunner
from hub.projections.postgres import PostgresViews
from hub.projections.records import VERSIONS, RecordsProjection
from hub.projections.regions import RegionStatsProjection
from hub.standard import Validator, load_standard
from hub.storage.postgres import PostgresStore
from hub.testing.generate import inspections

ROOT = Path(__file__).resolve().parents[1]


def versions(n: int) -> list[Event]:
    standard = load_standard()
    codec = load_codec(standard.root)
    validator = Validator(standard)
    record_type = standard.record_type("inspection")
    firsts = n * 4 // 5
    contents = []
    for raw in inspections(firsts, seed=3, invalid_rate=0.0):
        outcome = validator.validate("inspection", raw)
        assert outcome.record is not None, outcome
        contents.append(avro_to_json(outcome.record))
    events = []
    heads: dict[int, tuple[str, dict[str, Any]]] = {}
    for i in range(n):
        index = i if i < firsts else (i - firsts) * 4  # second versions of every fourth record
        content = dict(contents[index])
        version = 1 if i < firsts else 2
        if version == 2:
            content["result_description"] = f"{content.get('result_description') or ''} 复查"
        prev = heads[index][0] if version == 2 else None
        record_id = record_id_for(f"bench-{index}")
        chash = content_hash(content)
        vhash = version_hash(prev, record_id, version, chash)
        heads[index] = (vhash, content)
        events.append(
            Event(
                stream=RECORDS,
                event_id=f"rv-bench-{i}",
                event_type="record.versioned",
                key=record_id,
                correlation_id=f"sub-bench-{i}",
                occurred_at=time_zero(),
                causation_id=f"val-bench-{i}",
                standard_version=standard.version,
                producer="bench",
                payload={
                    "record_id": record_id,
                    "record_type": "inspection",
                    "version": version,
                    "identity_hash": f"bench-{index}",
                    "submission_id": f"sub-bench-{i}",
                    "source_id": "bench-source",
                    "region_code": content.get("region_code"),
                    "content": codec.encode(
                        record_type.full_name, json_to_avro(record_type, content)
                    ),
                    "content_hash": chash,
                    "prev_hash": prev,
                    "version_hash": vhash,
                },
            )
        )
    return events


def time_zero() -> Any:
    import datetime as dt

    return dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def server() -> tuple[str, str | None]:
    import os

    url = os.environ.get("HUB_BENCH_DATABASE_URL")
    if url:
        return url, None
    folder = tempfile.mkdtemp(prefix="hub-bench-pg-")
    os.chmod(folder, 0o777)
    out = subprocess.run(
        ["bash", str(ROOT / "ops/postgres/start"), folder],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1], folder


def server_cpu(url: str) -> Any:
    """A function giving the CPU seconds the database's backends used since this call (None
    if the server's processes are not readable here: another machine, another user)."""
    import os

    with psycopg.connect(url, autocommit=True) as conn:
        pids = [
            int(r[0])
            for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            ).fetchall()
        ]

    def used() -> float | None:
        total, seen = 0.0, 0
        for pid in pids:  # the runner's connections (the log's and the read models')
            try:
                with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            seen += 1
        return total if seen else None

    start = used()

    def since() -> float | None:
        now = used()
        return None if now is None or start is None else round(now - start, 2)

    return since


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    url, folder = server()
    try:
        figures = run(url, args.records, args.batch)
    finally:
        if folder:
            subprocess.run(["bash", str(ROOT / "ops/postgres/stop"), folder], check=False)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for key, value in figures.items():
        print(f"{key:<40} {value}")


def run(url: str, n: int, batch: int) -> dict[str, Any]:
    codec = load_codec(load_standard().root)
    t0 = time.perf_counter()
    events = versions(n)
    generated_s = time.perf_counter() - t0
    store = PostgresStore(url)
    for start in range(0, n, 5000):
        with store.transaction(durable=True) as tx:
            append_events(tx, codec, events[start : start + 5000], time.time())
    del events

    # The rows the projection will write, built once for the floor (not timed).
    records = RecordsProjection(codec)
    rows = []
    for start in range(0, n, 5000):
        decoded = [
            codec.decode_event(RECORDS, s.position, s.body)
            for s in store.read(RECORDS, start, 5000)
        ]
        rows += records.rows(decoded)[VERSIONS.name]

    with PostgresViews(url) as views:
        # floor: plain COPY of the same rows into a table of the same shape, one transaction per
        # batch like the projection
        views.create([VERSIONS], "__floor")
        conn = psycopg.connect(url, autocommit=True)
        target = sql.Identifier("record_versions__floor")
        columns = sql.SQL(", ").join(map(sql.Identifier, VERSIONS.names))
        t0 = time.perf_counter()
        for start in range(0, n, batch):
            with conn.transaction():
                conn.execute("SET LOCAL synchronous_commit = off")
                with conn.cursor().copy(
                    sql.SQL("COPY {} ({}) FROM STDIN").format(target, columns)
                ) as copy:
                    for row in rows[start : start + batch]:
                        copy.write_row(row)
        floor_s = time.perf_counter() - t0
        conn.close()
        del rows

        # the decode-and-build share of the projection, alone (no database writes)
        t0 = time.perf_counter()
        for start in range(0, n, batch):
            stored = store.read(RECORDS, start, batch)
            records.rows([codec.decode_event(RECORDS, s.position, s.body) for s in stored])
        python_s = time.perf_counter() - t0

        runner = ProjectionRunner(views, store, codec, [records])
        backends = server_cpu(url)
        c0, t0 = time.process_time(), time.perf_counter()
        applied = runner.run_until_current(batch)
        project_s = time.perf_counter() - t0
        client_cpu = time.process_time() - c0
        backend_cpu = backends()
        assert applied == n

        both = ProjectionRunner(
            views, store, codec, [RecordsProjection(codec), RegionStatsProjection()], suffix="__b"
        )
        t0 = time.perf_counter()
        both.run_until_current(batch)
        both_s = time.perf_counter() - t0
        current = len(views.rows(records.table("records_current"), columns=("record_id",)))
    store.close()
    return {
        "record versions": n,
        "records (current rows)": current,
        "batch": batch,
        "generate (not timed in figures) s": round(generated_s, 1),
        "floor: COPY rows/s": round(n / floor_s),
        "projection records: versions/s": round(n / project_s),
        "projection records: rows written/s": round((n + current) / project_s),
        "projection records s": round(project_s, 2),
        "decode + build rows alone s (overlaps the DB)": round(python_s, 2),
        "projection records: CPU s of this process": round(client_cpu, 2),
        "projection records: CPU s of the server's backends": backend_cpu,
        "projection records+region_stats: versions/s": round(n / both_s),
        "ratio projection / COPY (same version rows)": round(project_s / floor_s, 2),
    }


if __name__ == "__main__":
    main()
