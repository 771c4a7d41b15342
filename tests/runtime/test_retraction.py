"""A retraction in the read models and the audit: the current record is marked retracted, its
history keeps every version, and flipping the flag in the log breaks the hash chain."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from hub.audit import verify
from hub.projections.records import CURRENT, VERSIONS
from hub.testing.harness import EmbeddedHarness
from hub.testing.sources import COUNTY


def test_the_read_models_mark_a_retraction_and_the_audit_guards_the_flag(
    tmp_path: Path, inspection: dict[str, Any]
) -> None:
    harness = EmbeddedHarness(tmp_path / "hub")
    try:
        harness.register(COUNTY)
        harness.submit(COUNTY.source_id, "inspection", [inspection])
        harness.run()
        harness.submit(COUNTY.source_id, "inspection", [inspection], operation="delete")
        harness.run()
        hub = harness.hub
        [current] = hub.views.rows(CURRENT, columns=("version", "retracted"))
        assert tuple(current) == (2, 1)
        history = hub.views.rows(VERSIONS, columns=("version", "retracted"))
        assert sorted(map(tuple, history)) == [(1, 0), (2, 1)]
        assert verify(hub.store, hub.views, hub.codec) == []
    finally:
        harness.close()

    # flip the flag of version 2 in the read model's history: the audit names it
    with sqlite3.connect(tmp_path / "hub" / "views.db") as conn:
        conn.execute("UPDATE record_versions SET retracted = 0 WHERE version = 2")
    harness = EmbeddedHarness(tmp_path / "hub")
    try:
        findings = verify(harness.hub.store, harness.hub.views, harness.hub.codec)
        assert {(f.where, f.version) for f in findings} == {
            ("record_versions", 2),  # against the log's version
            ("record_versions", None),  # against a fresh build: the row's key names the version
        }
        assert [f.item.endswith(", 2") for f in findings if f.version is None] == [True]
    finally:
        harness.close()
