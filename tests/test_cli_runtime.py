"""The embedded runtime's commands as users and scripts run them (click's CliRunner, real files,
a real national simulator on loopback)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from hub.cli import cli
from hub.demo import run_demo
from hub.national.sim import SimConfig, start_sim
from hub.settings import HubSettings
from hub.standard import load_standard

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str, env: dict[str, str] | None = None) -> Any:
    result = runner.invoke(cli, list(args), env=env)
    return result


def test_demo_json_has_the_contract_keys(runner: CliRunner, tmp_path: Path) -> None:
    data = tmp_path / "demo"
    result = invoke(
        runner, "demo", "--records", "300", "--seed", "3", "--data-dir", str(data), "--json"
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    for key in (
        "received",
        "accepted_new",
        "accepted_update",
        "duplicate",
        "stale",
        "rejected",
        "in_flight",
        "canonical_records",
        "deliveries",
        "feedback",
        "reconciled",
        "examples",
    ):
        assert key in summary, key
    assert set(summary["deliveries"]) >= {"sent", "acked", "rejected", "dead"}
    assert summary["received"] == 300 and summary["reconciled"] and summary["in_flight"] == 0
    assert summary["duplicate"] > 0 and summary["accepted_update"] > 0 and summary["stale"] > 0
    assert summary["rejected"] > 0
    assert summary["deliveries"]["acked"] + summary["deliveries"]["rejected"] == (
        summary["accepted_new"] + summary["accepted_update"]
    )
    record = summary["examples"]["record_with_versions_and_duplicates"]
    rejected = summary["examples"]["rejected_submission"]
    traced = json.loads(invoke(runner, "trace", record, "--data-dir", str(data), "--json").stdout)
    types = [e["event_type"] for e in traced["chain"]]
    assert "verdict.duplicate" in types and "verdict.accepted_update" in types
    assert types.count("record.versioned") >= 2
    traced = json.loads(invoke(runner, "trace", rejected, "--data-dir", str(data), "--json").stdout)
    assert any(e["event_type"] == "verdict.rejected" for e in traced["chain"])
    # a second demo on the same (demo) folder starts afresh
    again = invoke(runner, "demo", "--records", "50", "--data-dir", str(data), "--json")
    assert json.loads(again.stdout)["received"] == 50


def test_demo_refuses_a_folder_with_real_data(runner: CliRunner, tmp_path: Path) -> None:
    data = tmp_path / "real"
    invoke(
        runner,
        "sources",
        "add",
        "s1",
        "--level",
        "county",
        "--region",
        "440106",
        "--department",
        "x",
        "--types",
        "all",
        "--data-dir",
        str(data),
    )
    result = invoke(runner, "demo", "--records", "10", "--data-dir", str(data))
    assert result.exit_code == 2 and "not a demo" in result.output
    assert (data / "log.db").exists()


def write_jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


def test_sources_ingest_up_status_audit_replay(runner: CliRunner, tmp_path: Path) -> None:
    data = str(tmp_path / "hub")
    example = load_standard().example("inspection")
    assert (
        invoke(
            runner,
            "sources",
            "add",
            "gz-440106",
            "--level",
            "county",
            "--region",
            "440106",
            "--department",
            "天河区市场监督管理局",
            "--types",
            "all",
            "--data-dir",
            data,
        ).exit_code
        == 0
    )
    listed = json.loads(invoke(runner, "sources", "list", "--data-dir", data, "--json").stdout)
    assert [s["source_id"] for s in listed] == ["gz-440106"]
    batch = write_jsonl(tmp_path / "b.jsonl", [example, example | {"item_code": "1"}])
    with batch.open("a") as handle:
        handle.write("{broken\n")
    unknown = invoke(
        runner,
        "ingest",
        "--source",
        "nobody",
        "--type",
        "inspection",
        str(batch),
        "--data-dir",
        data,
    )
    assert unknown.exit_code == 2 and "not registered" in unknown.output
    ingest = ("ingest", "--source", "gz-440106", "--type", "inspection", str(batch))
    first, again = (  # the same file twice
        json.loads(invoke(runner, *ingest, "--data-dir", data, "--json").stdout) for _ in range(2)
    )
    assert (first["received"], again["received"], again["already"]) == (3, 0, 3)
    status = json.loads(invoke(runner, "status", "--data-dir", data, "--json").stdout)
    assert status["received"] == 3 and status["in_flight"] == 3 and status["reconciled"]
    sim = start_sim(SimConfig())
    try:
        up = invoke(runner, "up", "--exit-when-idle", "--national-url", sim.url, "--data-dir", data)
        assert up.exit_code == 0, up.output
    finally:
        sim.stop()
    status = json.loads(invoke(runner, "status", "--data-dir", data, "--json").stdout)
    assert (status["accepted_new"], status["rejected"], status["in_flight"]) == (1, 2, 0)
    assert status["deliveries"]["acked"] == 1
    assert invoke(runner, "audit", "verify", "--data-dir", data).exit_code == 0
    assert "records" in invoke(runner, "replay", "--list").output
    for name in ("records", "provenance", "region_stats", "scorecards"):
        assert invoke(runner, "replay", name, "--diff", "--data-dir", data).exit_code == 0
        assert invoke(runner, "replay", name, "--data-dir", data).exit_code == 0
    import sqlite3

    views = sqlite3.connect(Path(data) / "views.db")
    views.execute("UPDATE record_versions SET content_hash = 'x'")
    views.commit()
    views.close()
    tampered = invoke(runner, "audit", "verify", "--data-dir", data)
    assert tampered.exit_code == 1 and "ALTERED record_versions" in tampered.output
    assert invoke(runner, "replay", "records", "--diff", "--data-dir", data).exit_code == 1
    trace = invoke(runner, "trace", "gz-440106:JCXW-20250310-0015", "--data-dir", data)
    assert trace.exit_code == 0 and "delivery.acked" in trace.output


def test_a_second_hub_up_on_the_same_folder_refuses(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_DATA_DIR"] = str(tmp_path / "hub")
    env["HUB_API_PORT"] = "0"  # any free port
    first = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "up"], env=env, cwd=ROOT, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "hub" / "hub.lock").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        second = subprocess.run(
            [sys.executable, "-m", "hub.cli", "up"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert second.returncode == 4
        assert b"in use by a running hub" in second.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=30) == 0


def test_history_commands_on_postgresql(runner: CliRunner, tmp_path: Path, pg_url: str) -> None:
    """trace, audit verify, replay (diff and blue/green) and hub project, with the log and the
    read models in PostgreSQL (filled by the demo's run); the URL (a secret) never printed."""
    settings = HubSettings(data_dir=tmp_path / "hub", database_url=SecretStr(pg_url))
    summary = run_demo(settings, 150, 4)
    assert summary["reconciled"] and not (tmp_path / "hub" / "views.db").exists()
    env = {"HUB_DATABASE_URL": pg_url, "HUB_DATA_DIR": str(tmp_path / "hub")}
    record_id = summary["examples"]["record_with_versions_and_duplicates"]
    traced = invoke(runner, "trace", record_id, "--json", env=env)
    assert traced.exit_code == 0 and "verdict.duplicate" in traced.output
    assert invoke(runner, "audit", "verify", env=env).exit_code == 0
    for name in ("records", "provenance", "region_stats", "scorecards"):
        assert invoke(runner, "replay", name, "--diff", env=env).exit_code == 0
        assert invoke(runner, "replay", name, env=env).exit_code == 0
    projected = invoke(runner, "project", "--exit-when-current", env=env)
    assert projected.exit_code == 0, projected.output
    outputs = traced.output + projected.output
    assert pg_url not in outputs and "postgresql://" not in outputs
