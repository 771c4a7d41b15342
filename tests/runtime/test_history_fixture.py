"""History written by an older hub (commit 68e78eb, before the fused engine) stays readable.

The fixture (``tests/fixtures/history-v68e78eb``, made by :mod:`tests.history_fixture`) is a
data directory that hub wrote: a province of 405 submissions through the whole loop, delivered
to the national simulator with faults, ownership refusals, a retraction and a revival, a disabled
source, a national task. The current code must find nothing left to do in it, verify it, and
rebuild from its log the very read models the older hub had built, table by table. And a log that
hub left part-way (each stage at another position) must be finished into the very history the
older hub made of it: the same events with the same ids, the same registry and ledger.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hub.audit import verify
from hub.events.streams import STREAMS
from hub.national.client import NationalClient
from hub.national.sim import SimConfig, start_sim
from hub.projections import ViewStore
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from tests.history_fixture import (
    ReadModels,
    canonical_rows,
    finished_history,
    fixture_tables,
    read_fixture,
    read_midway,
    unpack_data_dir,
    unpack_midway,
)
from tests.processes import hub_env, run_hub

RECEIVED = 405  # what the older hub reported: the fixture is the whole of it


@pytest.fixture(scope="module")
def expected() -> ReadModels:
    return read_fixture()


def differences(views: ViewStore, expected: ReadModels) -> dict[str, str]:
    """Per table whose rows differ from the fixture's: how (counts and a few keys)."""
    out: dict[str, str] = {}
    for table in fixture_tables(expected):
        want = expected[table.name]["rows"]
        got = json.loads(json.dumps(canonical_rows(views, table), ensure_ascii=False))
        if got == want:
            continue
        at = table.key_at
        by_key = {json.dumps([r[i] for i in at]): r for r in want}
        got_keys = {json.dumps([r[i] for i in at]): r for r in got}
        missing = sorted(set(by_key) - set(got_keys))
        extra = sorted(set(got_keys) - set(by_key))
        changed = sorted(k for k in by_key.keys() & got_keys.keys() if by_key[k] != got_keys[k])
        columns = sorted(
            {
                name
                for k in changed
                for name, a, b in zip(table.names, by_key[k], got_keys[k], strict=True)
                if a != b
            }
        )
        out[table.name] = (
            f"{len(want)} rows expected, {len(got)} read; missing {missing[:3]} ({len(missing)}),"
            f" not in the fixture {extra[:3]} ({len(extra)}), changed {changed[:3]}"
            f" ({len(changed)}) in columns {columns}"
        )
    return out


def heads(hub: EmbeddedHub) -> dict[str, Any]:
    return {
        "streams": {s: hub.store.head(s) for s in STREAMS},
        "chains": {n: (h.position, h.chain, h.count) for n, h in hub.store.chain_heads().items()},
        "ledger": sorted((r.delivery_id, r.state, r.attempt) for r in hub.store.ledger_rows()),
        "registry": sorted(
            (e.identity_hash, e.record_id, e.version, e.version_hash)
            for e in hub.store.registry_entries()
        ),
    }


def test_the_fixture_covers_what_it_claims(expected: ReadModels) -> None:
    """The fixture itself: a real run's read models, with each case the tests lean on."""
    outcomes = {
        tuple(r[:2]): r[2] for r in expected["source_outcomes"]["rows"] if r[2]
    }  # (source, outcome) -> submissions
    by_outcome: dict[str, int] = {}
    for (_, outcome), n in outcomes.items():
        by_outcome[outcome] = by_outcome.get(outcome, 0) + n
    assert sum(by_outcome.values()) == RECEIVED
    assert all(by_outcome.get(o, 0) > 5 for o in ("accepted_update", "duplicate", "stale"))
    names = expected["provenance"]["columns"]
    event_type = [c[0] for c in names].index("event_type")
    kinds = {r[event_type] for r in expected["provenance"]["rows"]}
    assert {"delivery.acked", "delivery.rejected", "delivery.retrying"} <= kinds
    assert {"feedback.ownership", "feedback.task", "feedback.national_rejection"} <= kinds
    versions = expected["record_versions"]
    retracted = [c[0] for c in versions["columns"]].index("retracted")
    assert any(r[retracted] for r in versions["rows"])


def test_an_upgraded_hub_finds_nothing_left_to_do_and_verifies_the_history(
    tmp_path: Path, expected: ReadModels
) -> None:
    """The older hub's data directory as it was (log and read models), opened by this code and
    run with a national endpoint: no event, delivery or push is added, the audit passes, and
    the read models it kept are the fixture's."""
    data_dir = unpack_data_dir(tmp_path / "hub", views=True)
    settings = HubSettings(data_dir=data_dir)
    with start_sim(SimConfig()) as sim:
        client = NationalClient(sim.url, timeout_s=2)
        try:
            with EmbeddedHub(settings, national=client) as hub:
                before = heads(hub)
                hub.run_until_idle(timeout_s=120)
                assert heads(hub) == before
                status = hub.status()
                assert differences(hub.views, expected) == {}
        finally:
            client.close()
        assert sim.accepted() == [] and sim.stats().requests == 0
    assert status["received"] == RECEIVED and status["in_flight"] == 0 and status["reconciled"]
    assert status["deliveries"]["pending"] == 0
    verified = run_hub(hub_env(data_dir), "audit", "verify", "--json", check=False, timeout=120)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    report = json.loads(verified.stdout)
    assert report["intact"] and report["findings"] == []
    assert report["events_checked"]["submissions"] == RECEIVED
    diffed = [
        run_hub(hub_env(data_dir), "replay", name, "--diff", "--json", check=False)
        for name in sorted({spec["projection"] for spec in expected.values()})
    ]
    assert [(d.returncode, json.loads(d.stdout)["identical"]) for d in diffed] == [(0, True)] * len(
        diffed
    ), [d.stdout for d in diffed]


def test_replaying_the_older_history_rebuilds_identical_read_models(
    tmp_path: Path, expected: ReadModels
) -> None:
    """From the log alone: ``hub replay`` of every projection builds the older hub's read models,
    row for row, and adds nothing to the log."""
    data_dir = unpack_data_dir(tmp_path / "hub", views=False)
    env = hub_env(data_dir)
    listed = run_hub(env, "replay", "--list").stdout.split()
    assert set(listed) >= {spec["projection"] for spec in expected.values()}
    for name in listed:
        run_hub(env, "replay", name, timeout=120)
    with EmbeddedHub(HubSettings(data_dir=data_dir)) as hub:
        before = heads(hub)
        assert differences(hub.views, expected) == {}
        hub.run_until_idle(timeout_s=120)  # the stages: nothing left for them either
        assert heads(hub) == before
        assert differences(hub.views, expected) == {}


def test_projecting_the_older_history_from_scratch_gives_identical_read_models(
    tmp_path: Path, expected: ReadModels
) -> None:
    """From the log alone, the running hub's own projector (not ``hub replay``) builds the same."""
    data_dir = unpack_data_dir(tmp_path / "hub", views=False)
    with EmbeddedHub(HubSettings(data_dir=data_dir)) as hub:
        before = heads(hub)
        hub.run_until_idle(timeout_s=120)
        assert heads(hub) == before
        assert differences(hub.views, expected) == {}


def changed_fields(want: dict[str, Any], got: dict[str, Any]) -> set[str]:
    """The envelope fields, and the payload's (``payload.x``), in which two events differ."""
    fields = {f for f in want if f != "payload" and want[f] != got.get(f)}
    mine, theirs = got.get("payload") or {}, want["payload"]
    names = theirs.keys() | mine.keys()
    return fields | {f"payload.{k}" for k in names if theirs.get(k) != mine.get(k)}


def history_differences(got: dict[str, Any], want: dict[str, Any]) -> dict[str, str]:
    """Per stream (and the registry, the ledger) how ``got`` differs from ``want``."""
    out: dict[str, str] = {}
    for stream, events in want["streams"].items():
        mine = {e["event_id"]: e for e in got["streams"].get(stream, [])}
        theirs = {e["event_id"]: e for e in events}
        missing, extra = sorted(theirs.keys() - mine.keys()), sorted(mine.keys() - theirs.keys())
        # a field a newer schema added (null by default) is absent from the older hub's events
        # and null in ours: equal, as Avro resolution reads the older events (changed_fields)
        changed = sorted(
            i for i in theirs.keys() & mine.keys() if changed_fields(theirs[i], mine[i])
        )
        fields = sorted({f for i in changed for f in changed_fields(theirs[i], mine[i])})
        if missing or extra or changed:
            out[stream] = (
                f"{len(events)} events expected, {len(mine)} made; missing {missing[:3]}"
                f" ({len(missing)}), new {extra[:3]} ({len(extra)}), changed {changed[:3]}"
                f" ({len(changed)}) in {fields}"
            )
    for part in ("registry", "ledger"):
        if got[part] != want[part]:
            out[part] = f"{len(want[part])} rows expected, {len(got[part])} made; they differ"
    return out


def test_a_log_the_older_hub_left_midway_is_finished_into_the_same_history(
    tmp_path: Path,
) -> None:
    """The older hub stopped with its stages at different positions (in batches of ten); this
    code, with its own batching, must finish the work with exactly the events the older hub made
    when it finished (ids, envelopes, payloads), the same registry and ledger, and an audit that
    passes."""
    expected = read_midway()
    data_dir = unpack_midway(tmp_path / "hub")
    with EmbeddedHub(HubSettings(data_dir=data_dir)) as hub:
        before = {s: hub.store.head(s) for s in STREAMS}
        assert before != {s: len(e) for s, e in expected["streams"].items()}  # work was left
        hub.run_until_idle(timeout_s=120)
        assert history_differences(finished_history(hub), expected) == {}
        status = hub.status()
        assert verify(hub.store, hub.views, hub.codec) == []
    assert status["received"] == len(expected["streams"]["submissions"])
    assert status["in_flight"] == 0 and status["reconciled"]
