"""``hub ingest`` as a process: an Avro container file is taken like JSON Lines, and an ingest
killed mid-file resumes, when run again, without a duplicate or a gap."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import fastavro

from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from tests.processes import COUNTY_ADD, ROOT, hub_env, run_hub, write_inspections


def _records(inspection: dict[str, Any], n: int) -> list[dict[str, Any]]:
    return [dict(inspection, action_no=f"JC440106202503{i:07d}") for i in range(n)]


def _register(env: dict[str, str]) -> None:
    run_hub(env, *COUNTY_ADD)


def _outcomes(data_dir: Path) -> list[str]:
    """Each record's verdict, in the order of the file."""
    with EmbeddedHub(HubSettings(data_dir=data_dir)) as hub:
        hub.run_until_idle(settle_deliveries=False)

        def payloads(stream: str) -> list[dict[str, Any]]:
            scanned = hub.store.scan(stream)
            return [hub.codec.decode_event(stream, e.position, e.body).payload for e in scanned]

        line = {s["submission_id"]: s["batch_index"] for s in payloads("submissions")}
        verdicts = sorted(payloads("verdicts"), key=lambda v: line[v["submission_id"]])
        return [v["outcome"] for v in verdicts]


def test_an_avro_container_file_is_ingested_like_json_lines(
    tmp_path: Path, inspection: dict[str, Any]
) -> None:
    records = _records(inspection, 20)
    records[3]["inspection_time"] = "not a time"
    schema = {
        "type": "record",
        "name": "Upload",
        "fields": [
            {
                "name": k,
                "type": {"type": "array", "items": "string"} if isinstance(v, list) else "string",
            }
            for k, v in inspection.items()
        ],
    }
    avro, jsonl = tmp_path / "batch.avro", tmp_path / "batch.jsonl"
    with avro.open("wb") as handle:
        fastavro.writer(handle, fastavro.parse_schema(schema), records)
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    outcomes = []
    for file in (avro, jsonl):
        env = hub_env(tmp_path / file.suffix[1:])
        _register(env)
        report = run_hub(
            env, "ingest", "--source", "gz-440106", "--type", "inspection", "--json", str(file)
        )
        assert json.loads(report.stdout)["received"] == 20
        outcomes.append(_outcomes(tmp_path / file.suffix[1:]))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][3] == "rejected" and outcomes[0].count("rejected") == 1


def test_an_ingest_killed_mid_file_resumes_without_duplicates(
    tmp_path: Path, inspection: dict[str, Any]
) -> None:
    n = 30_000
    path = tmp_path / "big.jsonl"
    write_inspections(path, inspection, n)
    data_dir = tmp_path / "hub"
    env = hub_env(data_dir)
    _register(env)
    args = [
        sys.executable,
        "-m",
        "hub",
        "ingest",
        "--source",
        "gz-440106",
        "--type",
        "inspection",
        "--json",
        str(path),
    ]
    ingest = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)

    def stored() -> int:
        with sqlite3.connect(data_dir / "log.db", timeout=30) as conn:
            return int(conn.execute("SELECT count(*) FROM submissions").fetchone()[0])

    deadline = time.monotonic() + 120
    while stored() < 2000:
        assert ingest.poll() is None, "the ingest finished before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    ingest.send_signal(signal.SIGKILL)
    ingest.wait(30)
    before = stored()
    assert 0 < before < n, before

    again = json.loads(
        run_hub(
            env, "ingest", "--source", "gz-440106", "--type", "inspection", "--json", str(path)
        ).stdout
    )
    assert (again["received"], again["already"]) == (n - before, before)
    with sqlite3.connect(data_dir / "log.db") as conn:
        count, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT event_id) FROM submissions"
        ).fetchone()
    assert count == distinct == n
