"""Replay, audit and trace over a real run: history is the system of record."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import orjson
import pytest
from pydantic import SecretStr

from hub.audit import trace, verify
from hub.events.streams import RECORDS
from hub.national.sim import SimConfig
from hub.processing.content import avro_to_json, json_to_avro
from hub.projections import PROJECTIONS, ProjectionRunner, projection
from hub.projections.provenance import PROVENANCE
from hub.projections.records import CURRENT, VERSIONS
from hub.runtime import replay
from hub.runtime.embedded import EmbeddedHub
from hub.testing.harness import EmbeddedHarness
from hub.testing.sources import CITY, COUNTY, SOURCES
from hub.testing.tamper import execute
from tests.pg import fresh_database


@pytest.fixture(params=["sqlite", "postgresql"])
def run(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    inspection: dict[str, Any],
    entity: dict[str, Any],
    example: Callable[[str], dict[str, Any]],
) -> Iterator[EmbeddedHarness]:
    """A small real run (versions, a duplicate, a stale one, rejections by the standard and by
    the national platform) on each backend of the log and the read models."""
    with ExitStack() as stack:
        settings: dict[str, Any] = {}
        if request.param == "postgresql":
            url = stack.enter_context(fresh_database(request.getfixturevalue("pg_server"), "hist"))
            settings["database_url"] = SecretStr(url)
        harness = EmbeddedHarness(tmp_path / "hub", SimConfig(reject_rate=0.3), **settings)
        stack.callback(harness.close)
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
        here = {"region_code": COUNTY.region_code}
        harness.submit(COUNTY.source_id, "hazard", [example("hazard") | here])
        harness.run()  # the hazard first: its rectification belongs to its region
        harness.submit(COUNTY.source_id, "rectification", [example("rectification")])
        harness.submit(COUNTY.source_id, "special_equipment", [example("special_equipment") | here])
        harness.run()
        yield harness


def dump(hub: EmbeddedHub, name: str) -> dict[str, list[tuple[Any, ...]]]:
    return {t.name: sorted(hub.views.rows(t), key=repr) for t in projection(name, hub.codec).tables}


@pytest.mark.parametrize("name", PROJECTIONS)
def test_replay_reproduces_the_read_model_exactly(run: EmbeddedHarness, name: str) -> None:
    hub = run.hub
    before = dump(hub, name)
    assert all(before.values())
    assert replay.diff(hub.views, hub.store, hub.codec, name).identical
    applied = replay.rebuild(hub.views, hub.store, hub.codec, name)
    assert applied > 0
    assert dump(hub, name) == before
    assert not any(t.endswith((replay.NEXT, replay.ASIDE)) for t in hub.views.tables())
    # the swapped-in model keeps being updated from where its build stood
    run.submit(COUNTY.source_id, "inspection", [{"source_record_id": "late"}])
    run.run()
    after = dump(hub, name)
    assert replay.diff(hub.views, hub.store, hub.codec, name).identical
    if name not in ("records", "dossier"):  # an invalid record changes provenance and
        assert after != before  # statistics, not records nor their links


def test_diff_reports_a_tampered_read_model_without_touching_it(run: EmbeddedHarness) -> None:
    hub = run.hub
    execute(hub, "UPDATE records_current SET version = 99 WHERE record_type = 'inspection'")
    execute(
        hub,
        "DELETE FROM record_versions WHERE version = 1 AND record_type = ?",
        ("supervised_entity",),
    )
    report = replay.diff(hub.views, hub.store, hub.codec, "records")
    assert not report.identical
    assert report.tables["records_current"].changed == 1
    assert report.tables["record_versions"].added == 1
    versions = hub.views.rows(CURRENT, columns=("version",))
    assert max(v for (v,) in versions) == 99


def test_a_rebuild_repairs_a_tampered_read_model(run: EmbeddedHarness) -> None:
    hub = run.hub
    execute(hub, "DELETE FROM provenance WHERE stream = 'verdicts'")
    assert not replay.diff(hub.views, hub.store, hub.codec, "provenance").identical
    replay.rebuild(hub.views, hub.store, hub.codec, "provenance")
    assert replay.diff(hub.views, hub.store, hub.codec, "provenance").identical
    assert hub.views.rows(PROVENANCE, columns=("event_id",), where={"stream": ["verdicts"]})


def test_an_interrupted_rebuild_leaves_the_live_model_alone(run: EmbeddedHarness) -> None:
    hub = run.hub
    before = dump(hub, "records")
    target = projection("records", hub.codec)
    half = ProjectionRunner(hub.views, hub.store, hub.codec, [target], suffix=replay.NEXT)
    assert half.step(1) > 0  # a rebuild that died after its first batch
    assert dump(hub, "records") == before
    assert replay.rebuild(hub.views, hub.store, hub.codec, "records") > 0
    assert dump(hub, "records") == before


def test_audit_verify_is_intact_then_names_what_was_altered(run: EmbeddedHarness) -> None:
    hub = run.hub
    assert verify(hub.store, hub.views, hub.codec) == []
    rows = hub.views.rows(VERSIONS, columns=("record_id", "content"), where={"version": [2]})
    record_id, content = rows[0]
    forged = orjson.dumps(content | {"result_description": "改写"}).decode()
    execute(
        hub,
        "UPDATE record_versions SET content = ? WHERE record_id = ? AND version = 2",
        (forged, record_id),
    )
    findings = verify(hub.store, hub.views, hub.codec)
    assert {(f.where, f.item, f.version) for f in findings} == {
        ("record_versions", record_id, 2),  # against the log's version
        ("record_versions", f"{record_id}, 2", None),  # against a fresh build of the read model
    }
    assert all("content" in f.problem for f in findings)


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
    execute(
        hub, "UPDATE records SET body = ? WHERE position = ?", (body, stored.position), log=True
    )
    problems = {(f.where, f.problem_en) for f in verify(hub.store, hub.views, codec)}
    assert ("log", "content does not match content_hash") in problems


def test_trace_by_record_submission_and_source_id(run: EmbeddedHarness) -> None:
    db = run.hub.views
    ((record_id,),) = db.rows(
        CURRENT, columns=("record_id",), where={"record_type": ["inspection"]}
    )
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
    chain = trace(run.hub.views, f"{COUNTY.source_id}:GZ-SCZT-2016081200347")
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
