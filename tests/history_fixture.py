"""A data directory written by an older hub, checked in, and the read models it produced.

Why: the history is the hub's truth and outlives every version of the code. A hub upgraded in
place must read the log an older hub wrote, find nothing left to do in it, verify it, and rebuild
from it the very read models the older hub had built. ``tests/runtime/test_history_fixture.py``
holds the current code to that over :data:`FIXTURE`; this module makes the fixture (run once, by
the version named in its README) and reads it back.

Made by ``python -m tests.history_fixture OUT_DIR`` (see ``tests/fixtures/history-v68e78eb``):
a generated province through the whole loop with delivery to the national simulator (faults
injected), plus the cases a province rarely produces on its own: ownership refusals, a
retraction, a revival, a disabled source and a national task.

Beside it, ``midway-log.db.xz`` (``python -m tests.history_fixture midway OUT_DIR``): a log the
older hub left part-way, every stage at a different position, and ``midway-finished.json.xz``,
every event (but its ``recorded_at``), the registry and the ledger that the older hub made when
it finished that log. A newer engine must catch up on it and make exactly the same history.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import lzma
import shutil
import sqlite3
import sys
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path
from typing import Any

from hub.connectors.submissions import record_submissions
from hub.domain.values import DeliveryPolicy, Source
from hub.events import derive_id
from hub.events.streams import STREAMS
from hub.national.client import NationalClient
from hub.national.protocol import Task
from hub.national.sim import SimConfig, start_sim
from hub.projections import ViewStore, all_projections
from hub.projections.tables import Column, Kind, Table
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.testing.province import generate_province

__all__ = [
    "FIXTURE",
    "READ_MODELS",
    "ReadModels",
    "dump_read_models",
    "finished_history",
    "fixture_tables",
    "read_fixture",
    "read_midway",
    "unpack_data_dir",
    "unpack_midway",
]

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "history-v68e78eb"
LOG, VIEWS = "log.db.xz", "views.db.xz"
READ_MODELS = "read_models.json.xz"
MIDWAY_LOG, MIDWAY_FINISHED = "midway-log.db.xz", "midway-finished.json.xz"
#: How many batches of ten each stage of the older hub ran before it stopped part-way.
MIDWAY_BATCHES = {"judge": 14, "resolve": 8, "plan-national": 3, "feedback-verdicts": 5}
RECORDS, SEED = 400, 17
XZ = 9 | lzma.PRESET_EXTREME
RECEIVED_AT = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
FAULTS = SimConfig(
    reject_rate=0.03,
    fail_rate=0.08,
    duplicate_ack_rate=0.05,
    timeout_rate=0.02,
    timeout_ms=400,
    seed=SEED,
)

#: ``{table: {"projection", "columns": [[name, kind, nullable]], "key", "rows"}}``; rows sorted.
ReadModels = dict[str, dict[str, Any]]


# -- reading the fixture (what the tests use) -------------------------------------------------


def read_fixture(folder: Path = FIXTURE) -> ReadModels:
    """The read models the older hub built, as checked in."""
    tables: ReadModels = json.loads(lzma.decompress((folder / READ_MODELS).read_bytes()))
    return tables


def unpack_data_dir(target: Path, *, views: bool, folder: Path = FIXTURE) -> Path:
    """A fresh copy of the fixture's data directory in ``target``: the log, and with ``views``
    the older hub's ``views.db`` too (without it the read models start empty)."""
    target.mkdir(parents=True, exist_ok=True)
    target.chmod(0o700)
    names = [LOG, VIEWS] if views else [LOG]
    for name in names:
        out = target / name.removesuffix(".xz")
        out.write_bytes(lzma.decompress((folder / name).read_bytes()))
        out.chmod(0o600)
    return target


def read_midway(folder: Path = FIXTURE) -> dict[str, Any]:
    """What the older hub made of the midway log when it finished it (:func:`finished_history`)."""
    finished: dict[str, Any] = json.loads(lzma.decompress((folder / MIDWAY_FINISHED).read_bytes()))
    return finished


def unpack_midway(target: Path, folder: Path = FIXTURE) -> Path:
    """A fresh data directory holding the midway log (no read models)."""
    target.mkdir(parents=True, exist_ok=True)
    target.chmod(0o700)
    out = target / "log.db"
    out.write_bytes(lzma.decompress((folder / MIDWAY_LOG).read_bytes()))
    out.chmod(0o600)
    return target


def _plain(value: Any) -> Any:
    """Avro-ready payload values as JSON: times as ISO text, bytes as hex, the rest as text."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def finished_history(hub: EmbeddedHub) -> dict[str, Any]:
    """The history of a hub, canonical: per stream every event (envelope and payload, all but
    the ``recorded_at`` the store stamps) sorted by id; the registry; the ledger (but the time
    each delivery is next due, a clock reading). Two hubs that processed the same submissions
    correctly give equal values, however they batched the work."""
    codec = hub.codec
    streams: dict[str, list[dict[str, Any]]] = {}
    for stream in STREAMS:
        events = []
        for stored in hub.store.scan(stream):
            e = codec.decode_event(stream, stored.position, stored.body).event
            events.append(
                {
                    "event_id": e.event_id,
                    "event_type": e.event_type,
                    "key": e.key,
                    "correlation_id": e.correlation_id,
                    "occurred_at": e.occurred_at.isoformat(),
                    "causation_id": e.causation_id,
                    "standard_version": e.standard_version,
                    "producer": e.producer,
                    "payload": e.payload,
                }
            )
        streams[stream] = sorted(events, key=lambda x: str(x["event_id"]))
    registry = sorted(
        [
            e.identity_hash,
            e.record_id,
            e.record_type,
            e.version,
            e.content_hash,
            e.version_hash,
            e.updated_at,
            e.content,
        ]
        for e in hub.store.registry_entries()
    )
    ledger = sorted(
        [
            r.delivery_id,
            r.record_id,
            r.version,
            r.destination,
            r.record_type,
            r.state,
            r.attempt,
            r.idempotency_key,
            r.source_id,
            r.submission_id,
            r.content,
            list(r.reasons),
            r.national_id,
            r.operation,
        ]
        for r in hub.store.ledger_rows()
    )
    value = {"streams": streams, "registry": registry, "ledger": ledger}
    plain: dict[str, Any] = json.loads(json.dumps(value, ensure_ascii=False, default=_plain))
    return plain


def fixture_tables(models: ReadModels) -> list[Table]:
    """Each table as the fixture describes it: reading it this way does not depend on how the
    current code defines (or stores) the read model, only on its name and columns."""
    return [
        Table(
            name,
            tuple(Column(c, Kind(k), bool(n)) for c, k, n in spec["columns"]),
            tuple(spec["key"]),
        )
        for name, spec in models.items()
    ]


def canonical_rows(views: ViewStore, table: Table) -> list[list[Any]]:
    """Every row of ``table``, JSON-shaped and sorted (by key, then the whole row): equal read
    models give equal lists whatever order the backend returns them in."""
    rows = [list(r) for r in views.rows(table)]
    at = table.key_at
    rows.sort(key=lambda r: (_sort_key([r[i] for i in at]), _sort_key(r)))
    return rows


def _sort_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def dump_read_models(views: ViewStore, tables: list[Table], owners: dict[str, str]) -> ReadModels:
    """The canonical dump of ``tables`` (``owners`` names each table's projection)."""
    return {
        t.name: {
            "projection": owners[t.name],
            "columns": [[c.name, c.kind.value, c.nullable] for c in t.columns],
            "key": list(t.key),
            "rows": canonical_rows(views, t),
        }
        for t in sorted(tables, key=lambda t: t.name)
    }


# -- making the fixture (run by the older hub, once) -------------------------------------------


def _ingest_province(hub: EmbeddedHub, records: int, seed: int) -> list[Source]:
    province = generate_province(records, seed)
    sources = [
        Source(s.source_id, s.level, s.region_code, s.department, s.record_types)
        for s in province.sources
    ]
    hub.register_sources(sources)
    groups = groupby(province.submissions, key=lambda s: (s.source_id, s.record_type))
    for index, ((source_id, record_type), group) in enumerate(groups):
        hub.ingest(
            record_submissions(
                source_id,
                record_type,
                [s.record for s in group],
                batch_id=derive_id("history-fixture", seed, index),
                received_at=RECEIVED_AT,
            ),
            chunk=50,
        )
        hub.step()
    hub.run_until_idle()
    first = next(
        s
        for s in province.submissions
        if s.record_type == "inspection" and s.kind == "original" and s.defect is None
    )
    _special_cases(hub, sources, first.source_id, first.record)
    return sources


def _special_cases(
    hub: EmbeddedHub, sources: list[Source], owner_id: str, record: dict[str, Any]
) -> None:
    """Ownership refusals (update and retraction by another county), a retraction and a
    revival by the owner, and a submission by a disabled source."""
    owner = next(s for s in sources if s.source_id == owner_id)
    other = next(
        s
        for s in sources
        if s.level == "county"
        and s.region_code != owner.region_code
        and "inspection" in s.record_types
    )
    takeover = record | {
        "region_code": other.region_code,
        "inspection_result": "2",
        "result_description": "责令整改。",
        "updated_at": "2025-06-02T09:00:00+08:00",
    }
    retired = Source(
        "zj-retired-scjg", "county", owner.region_code, "旧系统", ("inspection",), disabled=True
    )
    hub.register_sources([retired])
    at = RECEIVED_AT + dt.timedelta(days=30)

    def send(source_id: str, tag: str, body: dict[str, Any], operation: str = "upsert") -> None:
        hub.ingest(
            record_submissions(
                source_id,
                "inspection",
                [body],
                batch_id=derive_id("history-fixture", "special", tag),
                received_at=at,
                operation=operation,
            )
        )
        hub.run_until_idle()

    send(other.source_id, "takeover", takeover)
    send(other.source_id, "foreign-retraction", takeover, operation="delete")
    send(retired.source_id, "retired", record)
    send(owner.source_id, "retraction", record, operation="delete")
    revived = record | {
        "result_description": "复查合格。",
        "updated_at": "2025-07-01T09:00:00+08:00",
    }
    send(owner.source_id, "revival", revived)


def make(out: Path, records: int = RECORDS, seed: int = SEED) -> dict[str, Any]:
    """Run the province through a hub in a scratch directory beside ``out`` and write the
    fixture into ``out``; the hub's status at the end."""
    work = out.parent / (out.name + ".work")
    shutil.rmtree(work, ignore_errors=True)
    settings = HubSettings(data_dir=work)
    sim = start_sim(dataclasses.replace(FAULTS, db_path=work / "national-sim.db"))
    policy = DeliveryPolicy(
        push_batch=50, reply_timeout_s=1.0, max_attempts=10, backoff_base_s=0.05, backoff_cap_s=0.5
    )
    try:
        client = NationalClient(sim.url, timeout_s=0.3, attempts=2, backoff_s=0.01)
        with EmbeddedHub(settings, national=client, delivery=policy) as hub:
            sim.issue_task(
                Task(
                    task_id="task-history-fixture-1",
                    kind="task",
                    region_code="330100",
                    record_type="inspection",
                    title="计量器具专项检查",
                    detail="请对辖区内眼镜店开展计量器具专项检查。",
                    issued_at="2026-01-05T09:00:00+08:00",
                )
            )
            _ingest_province(hub, records, seed)
            hub.run_until_idle()
            status = hub.status()
            projections = all_projections(hub.codec)
            owners = {t.name: p.name for p in projections for t in p.tables}
            tables = [t for p in projections for t in p.tables]
            models = dump_read_models(hub.views, tables, owners)
        client.close()
    finally:
        sim.stop()
    out.mkdir(parents=True, exist_ok=True)
    for name in (LOG, VIEWS):
        db_path = work / name.removesuffix(".xz")
        db = sqlite3.connect(db_path)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("VACUUM")
        db.close()
        (out / name).write_bytes(lzma.compress(db_path.read_bytes(), preset=XZ))
    text = json.dumps(models, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    (out / READ_MODELS).write_bytes(lzma.compress(text.encode(), preset=XZ))
    shutil.rmtree(work)
    return status


def make_midway(out: Path, records: int = 250, seed: int = 23) -> dict[str, Any]:
    """A log the older hub stopped part-way (no national endpoint, batches of ten, each stage
    run :data:`MIDWAY_BATCHES` times), and what that hub made of it when it finished."""
    # the per-stage engine, as the hub of 68e78eb ran it (its hub.runtime.loop is hub.engine.steps)
    from hub.engine.parts import staged_stages
    from hub.engine.steps import step

    work = out.parent / (out.name + ".midway")
    shutil.rmtree(work, ignore_errors=True)
    settings = HubSettings(data_dir=work, batch_size=10)
    province = generate_province(records, seed)
    with EmbeddedHub(settings) as hub:
        hub.register_sources(
            Source(s.source_id, s.level, s.region_code, s.department, s.record_types)
            for s in province.sources
        )
        groups = groupby(province.submissions, key=lambda s: (s.source_id, s.record_type))
        for index, ((source_id, record_type), group) in enumerate(groups):
            hub.ingest(
                record_submissions(
                    source_id,
                    record_type,
                    [s.record for s in group],
                    batch_id=derive_id("history-fixture-midway", seed, index),
                    received_at=RECEIVED_AT,
                ),
                chunk=50,
            )
        for stage in staged_stages(hub.validator, hub.codec):
            for _ in range(MIDWAY_BATCHES.get(stage.name, 0)):
                step(hub.store, hub.codec, stage, 10, hub.clock)
        midway = hub.status()
    db_path = work / "log.db"
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("VACUUM")
    db.close()
    out.mkdir(parents=True, exist_ok=True)
    (out / MIDWAY_LOG).write_bytes(lzma.compress(db_path.read_bytes(), preset=XZ))
    with EmbeddedHub(settings) as hub:
        hub.run_until_idle()
        finished = finished_history(hub)
    text = json.dumps(finished, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    (out / MIDWAY_FINISHED).write_bytes(lzma.compress(text.encode(), preset=XZ))
    shutil.rmtree(work)
    return {"midway": {k: midway[k] for k in ("lag", "streams")}}


def _lines(status: dict[str, Any]) -> Iterator[str]:
    keep = ("received", "accepted_new", "accepted_update", "duplicate", "stale", "rejected")
    yield json.dumps({k: status[k] for k in keep}, sort_keys=True)
    yield json.dumps(
        {k: status[k] for k in ("deliveries", "ownership_notices", "streams")}, sort_keys=True
    )


if __name__ == "__main__":
    if sys.argv[1] == "midway":
        print(json.dumps(make_midway(Path(sys.argv[2])), sort_keys=True))
    else:
        for line in _lines(make(Path(sys.argv[1]))):
            print(line)
