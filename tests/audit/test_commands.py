"""``hub audit keygen | checkpoint | verify`` as an operator and an auditor run them, and the data
directory's files private to the hub's user (issue 12, part 3)."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.cli import cli
from hub.demo import run_demo
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.storage.chain import GENESIS, link
from hub.storage.sqlite import SqliteStore


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), env={"HUB_AUDIT_KEY_FILE": ""})


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask() -> Iterator[None]:
    """A common umask (files world-readable by default): the hub must not rely on it."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def demo(tmp_path: Path, umask: None) -> Path:
    data = tmp_path / "hub"
    summary = run_demo(HubSettings(data_dir=data), 120, 5)
    assert summary["reconciled"]
    return data


def test_the_data_directory_and_its_files_are_private(demo: Path) -> None:
    """Today any local user could read a complainant's ID number from views.db."""
    assert mode(demo) == 0o700
    with EmbeddedHub(HubSettings(data_dir=demo)) as hub:
        hub.lock()
        hub.run_until_idle()
        names = {p.name for p in demo.iterdir()}
        assert names >= {
            "log.db",
            "log.db-wal",
            "log.db-shm",
            "views.db",
            "views.db-wal",
            "hub.lock",
        }
        assert {p.name: mode(p) for p in demo.iterdir()} == dict.fromkeys(names, 0o600)
    # a data directory from an older hub: its databases are tightened when the hub opens them
    for name in ("log.db", "views.db"):
        os.chmod(demo / name, 0o644)
    assert invoke("status", "--data-dir", str(demo)).exit_code == 0
    for name in ("log.db", "views.db"):
        assert mode(demo / name) == 0o600, name


def test_keygen_checkpoint_and_verify_against_it(demo: Path, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    key = keys / "checkpoint.key"
    made = invoke("audit", "keygen", "--out", str(key))
    assert made.exit_code == 0, made.output
    assert mode(key) == 0o600 and (keys / "checkpoint.key.pub").exists()
    assert invoke("audit", "keygen", "--out", str(key)).exit_code == 2  # never overwritten
    inside = invoke("audit", "keygen", "--out", str(demo / "k"), "--data-dir", str(demo))
    assert inside.exit_code == 2 and "inside the data directory" in inside.output

    cp = tmp_path / "cp.json"
    signed = invoke(
        "audit", "checkpoint", "--key", str(key), "--out", str(cp), "--data-dir", str(demo)
    )
    assert signed.exit_code == 0, signed.output
    assert mode(cp) == 0o600
    body = json.loads(cp.read_text())
    assert body["signature"]["algorithm"] == "Ed25519"
    assert set(body["checkpoint"]["heads"]) >= {
        "submissions",
        "verdicts",
        "records",
        "source_journal",
    }

    pub = str(keys / "checkpoint.key.pub")
    verify = ("audit", "verify", "--data-dir", str(demo))
    ok = invoke(*verify, "--checkpoint", str(cp), "--public-key", pub)
    assert ok.exit_code == 0 and "intact" in ok.output and "checkpoint of" in ok.output
    assert invoke(*verify, "--checkpoint", str(cp)).exit_code == 2  # a checkpoint needs its key

    # a verdict relabelled accepted over its rejected body is named by itself
    db = sqlite3.connect(demo / "log.db")
    position = db.execute(
        "SELECT min(position) FROM verdicts WHERE event_type = 'verdict.rejected'"
    ).fetchone()[0]
    db.execute(
        "UPDATE verdicts SET event_type = 'verdict.accepted_new' WHERE position = ?", (position,)
    )
    db.commit()
    db.close()
    relabelled = invoke(*verify)
    assert relabelled.exit_code == 1
    assert f"ALTERED verdicts: position {position}" in relabelled.output
    assert "envelope: event_type" in relabelled.output

    # then recomputes the chain and its head: only the checkpoint can tell what changed
    store = SqliteStore(demo / "log.db")
    rows = store.chained("verdicts", 0, 100_000)
    store.close()
    db = sqlite3.connect(demo / "log.db")
    prev = GENESIS
    for row in rows:
        prev = link(prev, row.event_id, row.event_type, row.key, row.correlation_id, row.body)
        db.execute("UPDATE verdicts SET chain = ? WHERE position = ?", (prev, row.position))
    db.execute("UPDATE chain_heads SET chain = ? WHERE name = 'verdicts'", (prev,))
    db.commit()
    db.close()
    caught = invoke(*verify, "--checkpoint", str(cp), "--public-key", pub, "--json")
    assert caught.exit_code == 1
    report = json.loads(caught.stdout)
    assert not report["intact"]
    assert {(f["code"], f["where"]) for f in report["findings"]} >= {
        ("AUDIT.CHECKPOINT", "verdicts")
    }
    # a checkpoint file edited by hand does not verify
    forged = json.loads(cp.read_text())
    forged["checkpoint"]["heads"]["verdicts"]["chain"] = prev
    cp.write_text(json.dumps(forged))
    bad = invoke(*verify, "--checkpoint", str(cp), "--public-key", pub)
    assert bad.exit_code == 1 and "does not verify" in bad.output


def test_a_key_others_can_read_is_refused(demo: Path, tmp_path: Path) -> None:
    key = tmp_path / "k"
    assert invoke("audit", "keygen", "--out", str(key)).exit_code == 0
    os.chmod(key, 0o644)
    refused = invoke("audit", "checkpoint", "--key", str(key), "--data-dir", str(demo))
    assert refused.exit_code == 2 and "chmod 600" in refused.output


def test_a_checkpoint_is_not_signed_over_an_altered_history(demo: Path, tmp_path: Path) -> None:
    key = tmp_path / "k"
    assert invoke("audit", "keygen", "--out", str(key)).exit_code == 0
    db = sqlite3.connect(demo / "log.db")
    db.execute("UPDATE sources SET record_types = '[]'")  # every type allowed
    db.commit()
    db.close()
    out = tmp_path / "cp.json"
    refused = invoke(
        "audit", "checkpoint", "--key", str(key), "--out", str(out), "--data-dir", str(demo)
    )
    assert refused.exit_code == 1 and "not signed" in refused.output
    assert "ALTERED sources" in refused.output and "record_types" in refused.output
    assert not out.exists()
