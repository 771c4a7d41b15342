"""Issue 12, part 3: each tampering an intruder with write access to the databases tried is
detected and named by ``hub audit verify``, on SQLite and on PostgreSQL; a rewrite that
recomputed every hash is caught with a signed checkpoint (and only with one)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import orjson
import pytest

from hub.audit import Finding, audit, verify
from hub.audit import checkpoint as checkpoints
from hub.domain.subscribers import Subscriber
from hub.events.streams import DELIVERIES, FEEDBACK, RECORDS, STREAMS, VERDICTS
from hub.projections import PROJECTIONS
from hub.projections.records import CURRENT
from hub.runtime import replay
from hub.runtime.embedded import EmbeddedHub
from hub.storage.chain import GENESIS, link
from hub.storage.sqlite import SqliteStore
from hub.storage.subscriber_rows import canonical
from hub.testing.harness import EmbeddedHarness
from hub.testing.sources import COUNTY
from hub.testing.tamper import execute
from tests.runtime.test_history import run as run


def findings(hub: EmbeddedHub) -> list[Finding]:
    hub.projector.run_until_current()
    return verify(hub.store, hub.views, hub.codec)


def named(found: list[Finding]) -> set[tuple[str, str, str]]:
    return {(f.code, f.where, f.item) for f in found}


def forge(
    hub: EmbeddedHub, stream: str, position: int, event_type: str | None = None, **changes: Any
) -> None:
    """Rewrite one stored event as the hub would have encoded it (a valid body: only the chain
    can tell)."""
    stored = hub.store.read(stream, position - 1, 1)[0]
    decoded = hub.codec.decode_event(stream, stored.position, stored.body)
    e = decoded.event
    forged = type(e)(
        stream=e.stream,
        event_id=e.event_id,
        event_type=event_type or e.event_type,
        key=e.key,
        correlation_id=e.correlation_id,
        occurred_at=e.occurred_at,
        payload=e.payload | changes,
        causation_id=e.causation_id,
        standard_version=e.standard_version,
        producer=e.producer,
    )
    body = hub.codec.encode_event(forged, decoded.recorded_at)
    execute(
        hub,
        f"UPDATE {stream} SET event_type = ?, body = ? WHERE position = ?",
        (forged.event_type, body, position),
        log=True,
    )


def positions(hub: EmbeddedHub, stream: str, event_type: str | None = None) -> list[int]:
    return [e.position for e in hub.store.scan(stream) if event_type in (None, e.event_type)]


def recompute_chain(hub: EmbeddedHub, stream: str) -> None:
    """What an intruder who read the code does: recompute every chain value and the head."""
    prev, count, last = GENESIS, 0, 0
    for row in hub.store.chained(stream, 0, 1_000_000):
        prev = link(prev, row.event_id, row.event_type, row.key, row.correlation_id, row.body)
        execute(
            hub, f"UPDATE {stream} SET chain = ? WHERE position = ?", (prev, row.position), log=True
        )
        count, last = count + 1, row.position
    execute(
        hub,
        "UPDATE chain_heads SET position = ?, chain = ?, count = ? WHERE name = ?",
        (last, prev, count, stream),
        log=True,
    )


def test_an_untouched_run_is_intact(run: EmbeddedHarness) -> None:
    assert findings(run.hub) == []


def current_row(hub: EmbeddedHub) -> tuple[str, dict[str, Any]]:
    rows = hub.views.rows(
        CURRENT, columns=("record_id", "content"), where={"record_type": ["inspection"]}
    )
    return rows[0][0], rows[0][1]


@pytest.mark.parametrize(
    ("column", "value"),
    [("content", None), ("region_code", "440104"), ("retracted", 1)],
)
def test_an_edited_current_record_is_named(run: EmbeddedHarness, column: str, value: Any) -> None:
    hub = run.hub
    record_id, content = current_row(hub)
    if column == "content":
        value = orjson.dumps(content | {"result_description": "改写：无问题"}).decode()
    execute(hub, f"UPDATE records_current SET {column} = ? WHERE record_id = ?", (value, record_id))
    found = findings(hub)
    assert ("AUDIT.READ_MODEL", "records_current", record_id) in named(found)
    [finding] = [f for f in found if f.item == record_id]
    assert (
        column in finding.problem_en
        and "differs from the row its history builds" in finding.problem_en
    )


def last_version_of_a_record_with_versions(hub: EmbeddedHub) -> tuple[str, int, int]:
    """(record id, its last version, that version's position in the records stream)."""
    last: dict[str, tuple[int, int]] = {}
    for stored in hub.store.scan(RECORDS):
        p = hub.codec.decode_event(RECORDS, stored.position, stored.body).payload
        last[p["record_id"]] = (p["version"], stored.position)
    rid, (version, position) = next((r, v) for r, v in last.items() if v[0] > 1)
    return rid, version, position


def test_deleting_a_records_last_version_from_both_databases_is_named(run: EmbeddedHarness) -> None:
    hub = run.hub
    rid, version, position = last_version_of_a_record_with_versions(hub)
    execute(hub, "DELETE FROM records WHERE position = ?", (position,), log=True)
    execute(hub, "DELETE FROM record_versions WHERE record_id = ? AND version = ?", (rid, version))
    found = findings(hub)
    codes = named(found)
    # the log: the chain breaks after the deleted event (or the stream lost its last event)
    assert any(c[0] in ("AUDIT.CHAIN", "AUDIT.TRUNCATED") and c[1] == RECORDS for c in codes)
    # the registry still says the record is at that version
    registry = [f for f in found if f.where == "registry" and f.item == rid]
    assert registry and "version" in registry[0].problem_en
    # the ledger delivers a version the log no longer holds
    assert any(f.where == "ledger" and f.item.startswith(f"{rid}:{version}:") for f in found)


def test_deleting_a_whole_record_from_both_databases_is_named(run: EmbeddedHarness) -> None:
    hub = run.hub
    rid, _, _ = last_version_of_a_record_with_versions(hub)
    execute(hub, "DELETE FROM records WHERE key = ?", (rid,), log=True)
    execute(hub, "DELETE FROM registry WHERE record_id = ?", (rid,), log=True)
    execute(hub, "DELETE FROM ledger WHERE record_id = ?", (rid,), log=True)
    execute(hub, "DELETE FROM record_versions WHERE record_id = ?", (rid,))
    execute(hub, "DELETE FROM records_current WHERE record_id = ?", (rid,))
    found = findings(hub)
    assert any(f.code == "AUDIT.CHAIN" and f.where == RECORDS for f in found)
    # the deliveries stream still tells of its versions
    assert any(
        f.code == "AUDIT.LEDGER" and f.item.startswith(f"{rid}:") and "deleted" in f.problem_en
        for f in found
    )


def test_a_rejected_verdict_rewritten_as_accepted_is_named(run: EmbeddedHarness) -> None:
    hub = run.hub
    position = positions(hub, VERDICTS, "verdict.rejected")[0]
    stored = hub.store.read(VERDICTS, position - 1, 1)[0]
    forge(hub, VERDICTS, position, "verdict.accepted_new", outcome="accepted_new", violations=[])
    found = findings(hub)
    chain = [f for f in found if f.code == "AUDIT.CHAIN" and f.where == VERDICTS]
    assert len(chain) == 1
    assert f"position {position}" in chain[0].item and stored.correlation_id in chain[0].item
    assert "altered" in chain[0].problem_en


def test_an_edited_registry_entry_is_named(run: EmbeddedHarness) -> None:
    hub = run.hub
    record_id, content = current_row(hub)
    forged = orjson.dumps(content | {"result_description": "改写"}).decode()
    cast = "" if hub.settings.database_url is None else "::jsonb"
    execute(
        hub,
        f"UPDATE registry SET content = ?{cast} WHERE record_id = ?",
        (forged, record_id),
        log=True,
    )
    found = [f for f in findings(hub) if f.where == "registry"]
    assert [(f.code, f.item) for f in found] == [("AUDIT.REGISTRY", record_id)]
    assert found[0].problem_en.endswith(": content")


def test_an_edited_ledger_row_is_named(run: EmbeddedHarness) -> None:
    """A national acknowledgement rewritten as a rejection (the version would look undelivered)."""
    hub = run.hub
    target = next(r for r in hub.store.ledger_rows() if r.state == "acked")
    execute(
        hub,
        "UPDATE ledger SET state = 'rejected', national_id = NULL WHERE delivery_id = ?",
        (target.delivery_id,),
        log=True,
    )
    found = [f for f in findings(hub) if f.where == "ledger"]
    assert [(f.code, f.item) for f in found] == [("AUDIT.LEDGER", target.delivery_id)]
    assert found[0].problem_en.endswith(": state, national_id")


def test_edited_sources_and_credentials_are_named(run: EmbeddedHarness) -> None:
    hub = run.hub
    execute(
        hub,
        "UPDATE sources SET region_code = '440000' WHERE source_id = ?",
        (COUNTY.source_id,),
        log=True,
    )
    execute(
        hub,
        "INSERT INTO source_credentials (source_id, token_hash) VALUES (?, 'attacker')",
        ("gz-440104",),
        log=True,
    )
    found = {f.item: f for f in findings(hub) if f.where == "sources"}
    assert set(found) == {COUNTY.source_id, "gz-440104"}
    assert found[COUNTY.source_id].problem_en.endswith(": region_code")
    assert "credential.token_hash" in found["gz-440104"].problem_en


def test_subscriber_rows_altered_behind_the_hubs_back_are_named(run: EmbeddedHarness) -> None:
    """Widening a subscriber's entitlement, registering one or deleting one in the database
    directly is named; a journaled change through the store is not."""
    hub = run.hub
    with hub.store.transaction() as tx:
        tx.put_subscriber(
            Subscriber("dept-hz", regions=("330100",), description="杭州市市场监管局")
        )
    assert [f for f in findings(hub) if f.where == "subscribers"] == []
    widened = Subscriber("dept-hz", sharing="all", personal=True, description="杭州市市场监管局")
    execute(
        hub,
        "UPDATE subscribers SET entitlement = ? WHERE name = 'dept-hz'",
        (canonical(widened),),
        log=True,
    )
    execute(
        hub,
        "INSERT INTO subscribers (name, entitlement) VALUES ('intruder', ?)",
        (canonical(Subscriber("intruder", sharing="all")),),
        log=True,
    )
    execute(hub, "DELETE FROM subscribers WHERE name = 'national'", log=True)
    found = {f.item: f for f in findings(hub) if f.where == "subscribers"}
    assert set(found) == {"dept-hz", "intruder", "national"}
    assert {f.code for f in found.values()} == {"AUDIT.SUBSCRIBERS"}
    assert found["dept-hz"].problem_en.endswith(": personal, regions, sharing")
    assert "inserted" in found["intruder"].problem_en
    assert "deleted" in found["national"].problem_en
    assert all(f.where != "sources" for f in findings(hub))


def test_a_kafka_principal_written_into_the_sources_table_is_named(run: EmbeddedHarness) -> None:
    """Who may write a source's inbound topic (issue 16), set behind the hub's back."""
    hub = run.hub
    execute(
        hub,
        "UPDATE sources SET principal = 'User:intruder' WHERE source_id = ?",
        (COUNTY.source_id,),
        log=True,
    )
    found = {f.item: f for f in findings(hub) if f.where == "sources"}
    assert set(found) == {COUNTY.source_id}
    assert found[COUNTY.source_id].problem_en.endswith(": principal")


def test_source_types_edited_into_something_not_json_are_named_not_a_crash(
    run: EmbeddedHarness,
) -> None:
    """SQLite keeps the types as text, so an edit need not be JSON at all (PostgreSQL's jsonb
    refuses such an edit itself)."""
    hub = run.hub
    if not isinstance(hub.store, SqliteStore):
        value, statement = '{"all": true}', "UPDATE sources SET record_types = ?::jsonb"
    else:
        value, statement = "inspection", "UPDATE sources SET record_types = ?"
    execute(hub, statement + " WHERE source_id = ?", (value, COUNTY.source_id), log=True)
    found = {f.item: f for f in findings(hub) if f.where == "sources"}
    assert set(found) == {COUNTY.source_id}
    assert found[COUNTY.source_id].code == "AUDIT.SOURCES"
    assert found[COUNTY.source_id].problem_en.endswith(": record_types")
    assert hub.source(COUNTY.source_id).may_submit("inspection") is False  # not widened


def test_an_edited_feedback_event_is_named(run: EmbeddedHarness) -> None:
    """What the source was told, rewritten (a valid body: only the chain can tell)."""
    hub = run.hub
    position = positions(hub, FEEDBACK)[1]
    forge(hub, FEEDBACK, position, status="accepted_new", messages=["已受理（伪造）"])
    found = [f for f in findings(hub) if f.where == FEEDBACK]
    assert [f.code for f in found] == ["AUDIT.CHAIN"]
    assert f"position {position}" in found[0].item


def test_an_event_that_no_longer_decodes_is_a_finding_not_a_crash(run: EmbeddedHarness) -> None:
    hub = run.hub
    for stream in (FEEDBACK, DELIVERIES, RECORDS):
        position = positions(hub, stream)[0]
        stored = hub.store.read(stream, position - 1, 1)[0]
        execute(
            hub,
            f"UPDATE {stream} SET body = ? WHERE position = ?",
            (stored.body[:12], position),
            log=True,
        )
    found = findings(hub)
    chains = {f.where for f in found if f.code == "AUDIT.CHAIN"}
    assert chains >= {FEEDBACK, DELIVERIES, RECORDS}
    undecodable = [f for f in found if "cannot be decoded" in f.problem_en]
    assert {f.where for f in undecodable} >= {"log", DELIVERIES}


@pytest.mark.parametrize("stream", [DELIVERIES, FEEDBACK, VERDICTS])
def test_deleting_events_in_or_at_the_end_of_a_stream_is_named(
    run: EmbeddedHarness, stream: str
) -> None:
    hub = run.hub
    every = positions(hub, stream)
    execute(hub, f"DELETE FROM {stream} WHERE position = ?", (every[2],), log=True)
    execute(hub, f"DELETE FROM {stream} WHERE position = ?", (every[-1],), log=True)
    found = [f for f in findings(hub) if f.where == stream]
    assert {f.code for f in found} == {"AUDIT.CHAIN", "AUDIT.TRUNCATED"}
    [broken] = [f for f in found if f.code == "AUDIT.CHAIN"]
    assert f"position {every[3]}" in broken.item and "deleted" in broken.problem_en
    [truncated] = [f for f in found if f.code == "AUDIT.TRUNCATED"]
    assert f"position {every[-1]}" in truncated.problem_en


def test_a_rewrite_that_recomputed_every_hash_is_caught_by_the_checkpoint(
    run: EmbeddedHarness, tmp_path: Path
) -> None:
    hub = run.hub
    keyfile, pubfile = tmp_path / "key", tmp_path / "key.pub"
    checkpoints.keygen(keyfile, pubfile)
    report = audit(hub.store, hub.views, hub.codec)
    assert report.intact
    made = dt.datetime(2025, 3, 20, 12, 0, tzinfo=dt.UTC)
    checkpoints.write(
        tmp_path / "cp.json",
        checkpoints.make(report.heads, made, checkpoints.load_private_key(keyfile)),
    )
    signed = checkpoints.read(tmp_path / "cp.json", checkpoints.load_public_key(pubfile))
    assert verify(hub.store, hub.views, hub.codec, signed) == []
    # more history after the checkpoint is fine
    run.submit(COUNTY.source_id, "inspection", [{"source_record_id": "after"}])
    run.run()
    assert findings(hub) == [] and verify(hub.store, hub.views, hub.codec, signed) == []

    # the intruder: a rejected verdict becomes accepted, the chain and head are recomputed, and
    # the read models rebuilt from the forged history
    position = positions(hub, VERDICTS, "verdict.rejected")[0]
    forge(hub, VERDICTS, position, "verdict.accepted_new", outcome="accepted_new", violations=[])
    recompute_chain(hub, VERDICTS)
    for name in PROJECTIONS:
        replay.rebuild(hub.views, hub.store, hub.codec, name)
    assert findings(hub) == []  # nothing in the database can tell any more
    found = verify(hub.store, hub.views, hub.codec, signed)
    assert [(f.code, f.where) for f in found] == [("AUDIT.CHECKPOINT", VERDICTS)]
    assert "rewritten after the checkpoint of 2025-03-20T12:00:00+00:00" in found[0].problem_en


def test_a_checkpoint_altered_or_signed_with_another_key_is_refused(
    run: EmbeddedHarness, tmp_path: Path
) -> None:
    hub = run.hub
    checkpoints.keygen(tmp_path / "a", tmp_path / "a.pub")
    checkpoints.keygen(tmp_path / "b", tmp_path / "b.pub")
    report = audit(hub.store, hub.views, hub.codec)
    data = checkpoints.make(
        report.heads, dt.datetime.now(dt.UTC), checkpoints.load_private_key(tmp_path / "a")
    )
    checkpoints.write(tmp_path / "cp.json", data)
    with pytest.raises(checkpoints.CheckpointError):
        checkpoints.read(tmp_path / "cp.json", checkpoints.load_public_key(tmp_path / "b.pub"))
    forged = orjson.loads(data)
    forged["checkpoint"]["heads"][VERDICTS]["count"] += 1
    (tmp_path / "forged.json").write_bytes(orjson.dumps(forged))
    with pytest.raises(checkpoints.CheckpointError):
        checkpoints.read(tmp_path / "forged.json", checkpoints.load_public_key(tmp_path / "a.pub"))


def test_an_older_hubs_history_is_chained_on_upgrade_and_verifies(run: EmbeddedHarness) -> None:
    """A data directory (or database) from before the chains: no chain column, no heads, no
    sources' journal. Opening it chains the history as found (PostgreSQL: migration 5), adopts
    the sources, and the events appended afterwards link on."""
    hub = run.hub
    for stream in STREAMS:
        execute(hub, f"ALTER TABLE {stream} DROP COLUMN chain", log=True)
    execute(hub, "DROP TABLE chain_heads", log=True)
    execute(hub, "DROP TABLE source_journal", log=True)
    execute(hub, "DROP TABLE subscribers", log=True)  # it came later still
    if hub.settings.database_url is not None:
        execute(hub, "DELETE FROM hub_schema_migrations WHERE version >= 5", log=True)
    with EmbeddedHub(hub.settings) as upgraded:
        assert set(upgraded.store.chain_heads()) == {*STREAMS, "source_journal"}
        assert findings(upgraded) == []
        run.submit(COUNTY.source_id, "inspection", [{"source_record_id": "after-upgrade"}])
        run.run()
        assert findings(upgraded) == []
        # and the upgraded chain protects from now on
        position = positions(upgraded, VERDICTS, "verdict.rejected")[0]
        forge(upgraded, VERDICTS, position, "verdict.accepted_new", outcome="accepted_new")
        assert any(f.where == VERDICTS for f in findings(upgraded))


@pytest.mark.parametrize(
    "content",
    [b"", b"[]", b'{"checkpoint": 1, "signature": {}}', b"[" * 100_000, b" " * (2 << 20)],
    ids=["empty", "a list", "wrong shape", "nested 100k deep", "2 MiB"],
)
def test_a_hostile_checkpoint_file_is_refused_cleanly(tmp_path: Path, content: bytes) -> None:
    checkpoints.keygen(tmp_path / "k", tmp_path / "k.pub")
    (tmp_path / "cp.json").write_bytes(content)
    with pytest.raises(checkpoints.CheckpointError):
        checkpoints.read(tmp_path / "cp.json", checkpoints.load_public_key(tmp_path / "k.pub"))
