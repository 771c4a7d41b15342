"""Queues end to end on SQLite and PostgreSQL: a national platform that refuses every push makes
a delivery dead; an operator re-drives it (first while the fault lasts: it dies again, with new
events; then after the fault is cleared: acked), and ``hub trace`` shows who did it; a
quarantined message is released once the standard pack has its schema, and one that still does
not decode stays, with the new reason."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from hub.cli import cli
from hub.connectors.submissions import record_submissions
from hub.domain.accounts import Account
from hub.domain.values import Quarantined
from hub.events import load_codec
from hub.events.streams import DELIVERIES, FEEDBACK, SUBMISSIONS, VERDICTS
from hub.national.client import NationalClient
from hub.national.sim import RunningSim, SimConfig, start_sim
from hub.query.queues import QueueActionError, queues, redrive, release
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.storage.chain import JOURNAL
from hub.storage.journal import ACTION
from hub.testing.harness import FAST_DELIVERY
from hub.testing.sources import COUNTY

MakeSettings = Callable[..., HubSettings]
SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> MakeSettings:
    """Settings of one hub on the backend under test (PostgreSQL: a fresh database)."""
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None

    def make(**extra: Any) -> HubSettings:
        if url is not None:
            extra["database_url"] = SecretStr(url)
        return HubSettings(data_dir=tmp_path / "hub", national_tasks_interval_s=60, **extra)

    return make


@pytest.fixture
def sim() -> Iterator[RunningSim]:
    running = start_sim(SimConfig())
    yield running
    running.stop()


def _hub(settings: HubSettings, national_url: str | None = None) -> EmbeddedHub:
    client = (
        None
        if national_url is None
        else NationalClient(national_url, timeout_s=2.0, attempts=1, backoff_s=0.01)
    )
    hub = EmbeddedHub(settings, national=client, delivery=FAST_DELIVERY)
    with hub.store.transaction() as tx:
        for name in ("zhangsan", "lisi", "wangwu"):
            tx.put_account(Account(name, "operator"))
        tx.put_account(Account("shenji", "auditor"))
        tx.put_account(Account("gone", "operator", disabled=True))
    return hub


def _submit(hub: EmbeddedHub, records: list[dict[str, Any]], batch: str) -> None:
    hub.register_sources([COUNTY])
    events = record_submissions(
        COUNTY.source_id,
        "inspection",
        records,
        batch_id=batch,
        received_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    hub.ingest(list(events))


def _cli(settings: HubSettings, *args: str) -> Any:
    env = (
        {"HUB_DATABASE_URL": settings.database_url.get_secret_value()}
        if settings.database_url
        else {}
    )
    return CliRunner().invoke(cli, [*args, "--data-dir", str(settings.data_dir)], env=env)


def _deliveries(hub: EmbeddedHub) -> list[dict[str, Any]]:
    codec = hub.codec
    return [
        {"type": s.event_type, **codec.decode_event(DELIVERIES, s.position, s.body).payload}
        for s in hub.store.scan(DELIVERIES)
    ]


def test_a_dead_delivery_redriven_after_the_fault_is_cleared_is_acked(
    settings: MakeSettings, sim: RunningSim, inspection: dict[str, Any]
) -> None:
    s = settings()
    refusing = sim.url + "/gone"  # every push answered 404: refused for good, dead at once
    with _hub(s, refusing) as hub:
        _submit(hub, [inspection], "b1")
        hub.run_until_idle(timeout_s=60)
        assert hub.store.ledger_counts()["dead"] == 1
        seen = queues(hub.store, hub.views, settings=s)
        [dead] = seen.deliveries
        assert dead.state == "dead" and dead.attempt == 1 and "refused" in dead.reasons[0]
        assert seen.ledger["dead"] == 1 and seen.to_dict()["deliveries"][0]["redrives"] == 0
        assert "content" not in json.dumps(seen.to_dict())
        lag = hub.status()["lag"]  # the same lag as hub status shows
        assert (seen.stage_lag, seen.projection_lag) == (lag["stages"], lag["projections"])
        # re-driven while the platform still refuses: dies again, with events of its own
        first = redrive(hub.store, [dead.delivery_id], "lisi")
        assert first.redriven == [dead.delivery_id] and first.moved == 1
        hub.run_until_idle(timeout_s=60)
        assert hub.store.ledger_counts()["dead"] == 1
    with _hub(s, sim.url) as hub:  # the fault cleared (the platform's address fixed)
        again = redrive(hub.store, [dead.delivery_id, "nope:1:national"], "zhangsan")
        assert again.redriven == [dead.delivery_id] and again.unknown == ["nope:1:national"]
        retried = redrive(hub.store, None, "zhangsan")  # the same command again: nothing moves
        assert retried.moved == 0 and retried.redriven == []
        hub.run_until_idle(timeout_s=60)
        hub.projector.run_until_current()
        counts = hub.store.ledger_counts()
        assert counts.get("dead", 0) == 0 and counts["acked"] == 1
        assert [a.record_id for a in sim.accepted()] == [dead.record_id]
        redriven = redrive(hub.store, [dead.delivery_id], "zhangsan")
        assert redriven.not_dead == {dead.delivery_id: "acked"}  # acked: nothing to re-drive
        events = _deliveries(hub)
        kinds = [e["type"] for e in events]
        assert kinds.count("delivery.redriven") == 2 and kinds.count("delivery.dead") == 2
        assert kinds.count("delivery.sent") == 3 and kinds[-1] == "delivery.acked"
        assert len({(e["state"], e["attempt"], e["redrives"]) for e in events}) == len(events)
        who = [e["actor"] for e in events if e["type"] == "delivery.redriven"]
        assert who == ["lisi", "zhangsan"]
        feedback = [
            hub.codec.decode_event(FEEDBACK, x.position, x.body).payload["kind"]
            for x in hub.store.scan(FEEDBACK)
        ]
        assert feedback.count("delivery_dead") == 2 and feedback.count("national_ack") == 1
    trace = _cli(s, "trace", dead.record_id)
    assert trace.exit_code == 0, trace.output
    assert "delivery.redriven" in trace.output and "by=zhangsan" in trace.output
    assert "by=lisi" in trace.output and "delivery.acked" in trace.output
    audit = _cli(s, "audit", "verify")
    assert audit.exit_code == 0, audit.output


def test_a_dead_version_superseded_by_a_newer_one_goes_out_first_then_the_newer(
    settings: MakeSettings, sim: RunningSim, inspection: dict[str, Any]
) -> None:
    """Version 2 waits behind dead version 1 (the platform takes n only after n - 1): the
    re-drive sends 1, then 2 follows; each once, in order."""
    s = settings()
    newer = inspection | {"result_description": "复查", "updated_at": "2025-03-12T09:00:00+08:00"}
    with _hub(s, sim.url + "/gone") as hub:
        _submit(hub, [inspection], "b1")
        hub.run_until_idle(timeout_s=60)
        _submit(hub, [newer], "b2")
        hub.run_until_idle(settle_deliveries=False, timeout_s=60)
        waiting = queues(hub.store, hub.views, settings=s, states=("dead", "pending"))
        assert [(d.version, d.state) for d in waiting.deliveries] == [(2, "pending"), (1, "dead")]
        pages = [
            queues(hub.store, hub.views, settings=s, states=("dead", "pending"), limit=1, offset=o)
            for o in (0, 1, 2)
        ]
        assert [[d.version for d in p.deliveries] for p in pages] == [[2], [1], []]
    with _hub(s, sim.url) as hub:
        hub.run_until_idle(settle_deliveries=False, timeout_s=60)
        assert hub.store.ledger_counts()["pending"] == 1  # still behind the dead version
        assert redrive(hub.store, None, "zhangsan").moved == 1
        hub.run_until_idle(timeout_s=60)
        assert hub.store.ledger_counts()["acked"] == 2
    assert [a.version for a in sim.accepted()] == [1, 2]
    assert sim.stats().out_of_order == 0


def test_redrive_refuses_bad_input_before_any_work(settings: MakeSettings) -> None:
    with _hub(settings()) as hub:
        for actor in ("", " ", "a" * 65, "bad\nname", "张三"):
            with pytest.raises(QueueActionError, match="操作人"):
                redrive(hub.store, None, actor)
        for actor, why in (
            ("shenji", "not an operator"),
            ("gone", "disabled"),
            ("nobody", "no such"),
        ):
            with pytest.raises(QueueActionError, match=why):
                redrive(hub.store, None, actor)
            with pytest.raises(QueueActionError, match=why):
                release(hub.store, ["a/0/1"], actor)
        with pytest.raises(QueueActionError, match="最多"):
            redrive(hub.store, ["x"] * 10_001, "zhangsan")
        with pytest.raises(QueueActionError, match="第 2 个"):
            redrive(hub.store, ["ok", "\x00"], "zhangsan")
        assert redrive(hub.store, None, "zhangsan").moved == 0  # nothing dead: nothing moves


def _newer_pack(tmp_path: Path) -> Path:
    """The shipped pack plus a SubmissionReceived v3 (one more field, with a default): what a
    newer connector writes before this hub's pack has it."""
    pack = tmp_path / "pack"
    shutil.copytree(SCHEMAS, pack)
    schema = json.loads((pack / "events/submission_received_v2.avsc").read_text("utf-8"))
    schema["fields"].append(
        {"name": "client_note", "type": ["null", "string"], "default": None, "doc": "测试"}
    )
    (pack / "events/submission_received_v3.avsc").write_text(json.dumps(schema), "utf-8")
    return pack


def test_release_of_a_message_that_now_decodes_and_of_one_that_does_not(
    settings: MakeSettings, tmp_path: Path, inspection: dict[str, Any]
) -> None:
    pack = _newer_pack(tmp_path)
    newer = load_codec(pack)
    [event] = record_submissions(
        COUNTY.source_id,
        "inspection",
        [inspection],
        batch_id="b-new",
        received_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    body = newer.encode_event(event, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    good = Quarantined("hub.submissions/0/7", SUBMISSIONS, "unknown schema", b"gz", body)
    junk = Quarantined("hub.submissions/0/8", SUBMISSIONS, "not single-object", None, b"junk")
    old = settings()
    with _hub(old) as hub:
        hub.register_sources([COUNTY])
        with hub.store.transaction() as tx:
            assert tx.quarantine([good, junk]) == 2
        # the hub's own pack still lacks the schema: both stay, with the reason found now
        first = release(hub.store, [good.origin, junk.origin, "x/0/1"], "wangwu", settings=old)
        assert set(first.still_quarantined) == {good.origin, junk.origin}
        assert first.unknown == ["x/0/1"] and not first.released
        assert "fingerprint" in first.still_quarantined[good.origin]
        listed = queues(hub.store, hub.views, settings=old).to_dict()
        assert [q["origin"] for q in listed["quarantine"]] == [good.origin, junk.origin]
        assert listed["quarantine"][0]["reason"] == first.still_quarantined[good.origin]
        assert listed["quarantine"][0]["bytes"] == len(body)
    new = settings(standard_dir=pack)  # the standard pack gained the schema
    with _hub(new) as hub:
        second = release(hub.store, [good.origin, junk.origin], "wangwu", settings=new)
        assert second.released == {good.origin: event.event_id}
        assert list(second.still_quarantined) == [junk.origin]
        assert [q.origin for q in hub.store.quarantined()] == [junk.origin]
        again = release(hub.store, [good.origin], "wangwu", settings=new)  # retried: a no-op
        assert again.unknown == [good.origin]
        hub.run_until_idle(settle_deliveries=False, timeout_s=60)
        hub.projector.run_until_current()
        verdicts = [
            hub.codec.decode_event(VERDICTS, v.position, v.body).payload
            for v in hub.store.scan(VERDICTS)
        ]
        assert [v["submission_id"] for v in verdicts] == [event.event_id]
        assert verdicts[0]["outcome"] == "accepted_new"
        feedback = [
            hub.codec.decode_event(FEEDBACK, x.position, x.body).payload
            for x in hub.store.scan(FEEDBACK)
        ]
        releases = [f for f in feedback if f["kind"] == "quarantine_release"]
        # first try: two still quarantined; second: one released, and the junk's event is the
        # first one's (same origin, reason and operator: a retried command adds nothing)
        assert [f["status"] for f in releases] == [
            "still_quarantined",
            "still_quarantined",
            "released",
        ]
        assert all(any("wangwu" in m for m in f["messages"]) for f in releases)
        assert releases[2]["source_id"] == COUNTY.source_id
    trace = _cli(new, "trace", event.event_id)
    assert trace.exit_code == 0, trace.output
    assert "feedback.quarantine_release" in trace.output and "verdict." in trace.output


def test_the_commands_list_redrive_and_release(
    settings: MakeSettings, sim: RunningSim, inspection: dict[str, Any]
) -> None:
    s = settings()
    with _hub(s, sim.url + "/gone") as hub:
        _submit(hub, [inspection], "b1")
        hub.run_until_idle(timeout_s=60)
        with hub.store.transaction() as tx:
            tx.quarantine([Quarantined("hub.submissions/1/3", SUBMISSIONS, "bad", None, b"x")])
    listed = _cli(s, "deliveries", "list", "--json")
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.stdout)["deliveries"]
    assert row["state"] == "dead" and "refused" in row["reasons"][0] and "content" not in row
    text = _cli(s, "deliveries", "list", "--state", "dead")
    assert text.exit_code == 0 and row["delivery_id"] in text.output and "dead" in text.output
    assert "no deliveries" in _cli(s, "deliveries", "list", "--state", "pending").output
    both = _cli(s, "deliveries", "redrive", "--all-dead", "--id", "x", "--by", "zhangsan")
    assert both.exit_code == 2  # one or the other
    refused = _cli(s, "deliveries", "redrive", "--all-dead", "--by", "shenji")
    assert refused.exit_code == 2 and "not an operator" in refused.output
    done = _cli(s, "deliveries", "redrive", "--all-dead", "--by", "zhangsan", "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["redriven"] == [row["delivery_id"]]
    nothing = _cli(s, "deliveries", "redrive", "--all-dead", "--by", "zhangsan")
    assert nothing.exit_code == 0 and "nothing re-driven" in nothing.output
    named = _cli(s, "deliveries", "redrive", "--id", row["delivery_id"], "--by", "zhangsan")
    assert named.exit_code == 1 and "not re-driven, pending" in named.output
    quarantined = _cli(s, "quarantine", "list", "--json")
    assert quarantined.exit_code == 0, quarantined.output
    assert json.loads(quarantined.stdout) == {
        "quarantined": 1,
        "quarantine": [
            {"origin": "hub.submissions/1/3", "stream": SUBMISSIONS, "reason": "bad", "bytes": 1}
        ],
    }
    kept = _cli(s, "quarantine", "release", "hub.submissions/1/3", "--by", "zhangsan")
    assert kept.exit_code == 1 and "still quarantined" in kept.output
    assert "hub.submissions/1/3" in _cli(s, "quarantine", "list").output
    with _hub(s) as hub:
        entries = [
            json.loads(e.body)
            for e in hub.store.chained(JOURNAL, 0, 1000)
            if e.event_type == ACTION
        ]
    assert [(e["action"], e["detail"]["count"]) for e in entries] == [
        ("deliveries.redrive", 1),
        ("quarantine.release", 1),
    ]
    assert _cli(s, "audit", "verify").exit_code == 0
