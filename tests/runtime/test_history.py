"""Replay, audit and trace over a real run: history is the system of record."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.audit import trace, verify
from hub.events.streams import RECORDS
from hub.national.sim import SimConfig
from hub.processing.content import avro_to_json, json_to_avro
from hub.runtime import replay
from hub.testing.harness import EmbeddedHarness
from projections import PROJECTIONS, projection
from tests.runtime.sources import CITY, COUNTY, SOURCES


@pytest.fixture
def run(
    tmp_path: Path, inspection: dict[str, Any], entity: dict[str, Any]
) -> Iterator[EmbeddedHarness]:
    harness = EmbeddedHarness(tmp_path / "hub", SimConfig(reject_rate=0.3))
    harness.register(*SOURCES)
    for day in range(11, 15):
        harness.submit(
            COUNTY.source_id,
            "inspection",
            [
                inspection
                | {
                    "source_record_id": f"JC-{day}",
                    "result_description": f"第{day}日复查",
                    "updated_at": f"2025-03-{day}T10:00:00+08:00",
                }
            ],
        )
    harness.submit(CITY.source_id, "inspection", [inspection | {"source_record_id": "CITY-9"}])
    harness.submit(COUNTY.source_id, "supervised_entity", [entity, entity | {"uscc": "x"}])
    harness.run()
    yield harness
    harness.close()


def dump(db: sqlite3.Connection, name: str, codec: Any) -> dict[str, list[tuple[Any, ...]]]:
    return {
        t: sorted(db.execute(f'SELECT * FROM "{t}"').fetchall())
        for t in projection(name, codec).tables
    }


@pytest.mark.parametrize("name", PROJECTIONS)
def test_replay_reproduces_the_read_model_exactly(run: EmbeddedHarness, name: str) -> None:
    hub = run.hub
    before = dump(hub.views.db, name, hub.codec)
    assert any(before.values())
    assert replay.diff(hub.views.path, hub.store, hub.codec, name).identical
    applied = replay.rebuild(hub.views.path, hub.store, hub.codec, name)
    assert applied > 0
    assert dump(hub.views.db, name, hub.codec) == before


def test_diff_reports_a_tampered_read_model_without_touching_it(run: EmbeddedHarness) -> None:
    hub = run.hub
    hub.views.db.execute("UPDATE records_current SET version = 99 WHERE record_type = 'inspection'")
    hub.views.db.execute(
        "DELETE FROM record_versions WHERE version = 1 AND record_type = 'supervised_entity'"
    )
    report = replay.diff(hub.views.path, hub.store, hub.codec, "records")
    assert not report.identical
    assert report.tables["records_current"].changed == 1
    assert report.tables["record_versions"].added == 1
    assert hub.views.db.execute("SELECT MAX(version) FROM records_current").fetchone()[0] == 99


def test_audit_verify_is_intact_then_names_what_was_altered(run: EmbeddedHarness) -> None:
    hub = run.hub
    assert verify(hub.store, hub.views.db, hub.codec) == []
    hub.views.db.execute(
        "UPDATE record_versions SET content = replace(content, '复查', '改写') WHERE version = 2"
    )
    findings = verify(hub.store, hub.views.db, hub.codec)
    assert [(f.where, f.version) for f in findings] == [("record_versions", 2)]
    assert "content" in findings[0].problem


def test_audit_verify_detects_an_altered_log_event(run: EmbeddedHarness) -> None:
    hub = run.hub
    codec = hub.codec
    stored = hub.store.read(RECORDS, 0, 1)[0]
    event = codec.decode_event(RECORDS, stored.position, stored.body)
    record_type = hub.standard.record_type(event.payload["record_type"])
    _, typed = codec.decode(event.payload["content"])
    content = avro_to_json(typed) | {"result_description": "篡改"}
    forged = event.event.payload | {
        "content": codec.encode(record_type.full_name, json_to_avro(record_type, content))
    }
    body = codec.encode_event(
        type(event.event)(
            **{
                **{
                    f: getattr(event.event, f)
                    for f in (
                        "stream",
                        "event_id",
                        "event_type",
                        "key",
                        "correlation_id",
                        "occurred_at",
                        "causation_id",
                        "standard_version",
                        "producer",
                    )
                },
                "payload": forged,
            }
        ),
        event.recorded_at,
    )
    raw = sqlite3.connect(hub.store.path)
    raw.execute("UPDATE records SET body = ? WHERE position = ?", (body, stored.position))
    raw.commit()
    raw.close()
    problems = {(f.where, f.problem) for f in verify(hub.store, hub.views.db, codec)}
    assert ("log", "content does not match content_hash") in problems


def test_trace_by_record_submission_and_source_id(run: EmbeddedHarness) -> None:
    db = run.hub.views.db
    record_id = db.execute(
        "SELECT record_id FROM records_current WHERE record_type = 'inspection'"
    ).fetchone()[0]
    chain = trace(db, record_id)
    kinds = [e.event_type for e in chain]
    for expected in (
        "submission.received",
        "verdict.accepted_new",
        "record.versioned",
        "verdict.accepted_update",
        "verdict.stale",
        "delivery.sent",
        "feedback.verdict",
    ):
        assert expected in kinds, expected
    assert any(k in kinds for k in ("delivery.acked", "delivery.rejected"))
    assert {e.source_id for e in chain if e.stream == "submissions"} == {
        COUNTY.source_id,
        CITY.source_id,
    }
    submission = next(e.submission_id for e in chain if e.source_record_id == "CITY-9")
    assert submission is not None and record_id in {e.record_id for e in trace(db, submission)}
    by_source = trace(db, f"{CITY.source_id}:CITY-9")
    assert {e.record_id for e in by_source if e.record_id} == {record_id}
    recorded = [e.recorded_at for e in chain]
    assert recorded == sorted(recorded)


def test_trace_of_a_rejected_submission(run: EmbeddedHarness) -> None:
    chain = trace(run.hub.views.db, f"{COUNTY.source_id}:GZ-SCZT-2016081200347")
    outcomes = [e.detail.get("outcome") for e in chain if e.stream == "verdicts"]
    assert sorted(outcomes) == ["accepted_new", "rejected"]
    rejected = next(e for e in chain if e.detail.get("outcome") == "rejected")
    assert "USCC.LENGTH@uscc" in rejected.detail["violations"]


def test_identical_inputs_give_identical_ids(tmp_path: Path, inspection: dict[str, Any]) -> None:
    runs = []
    for name in ("a", "b"):
        harness = EmbeddedHarness(tmp_path / name)
        harness.register(*SOURCES)
        harness.submit(COUNTY.source_id, "inspection", [inspection], batch_id="same")
        harness.run()
        runs.append(
            (
                [e.event_id for e in harness.events(RECORDS)],
                [(v["record_id"], v["version_hash"]) for v in harness.versions()],
            )
        )
        harness.close()
    assert runs[0] == runs[1]
