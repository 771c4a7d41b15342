"""A submission on a source's own inbound topic (``in.<S>``) naming another source is stored
and rejected with SOURCE.TOPIC, deterministically on replay; one naming S is processed exactly as
from the submissions topic (the fused step a worker runs, fed as Kafka would feed it)."""

from __future__ import annotations

import datetime as dt
from itertools import groupby
from pathlib import Path

import orjson

from hub.connectors.submissions import record_submissions
from hub.domain.values import Source
from hub.engine.steps import Delivered, step_delivered
from hub.events import DecodedEvent, Event
from hub.events.streams import SUBMISSIONS, VERDICTS
from hub.processing.inbound import source_of_topic, topic_checked
from hub.processing.judge import judge
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.testing.province import generate_province

NOW = 1_800_000_000.0


def _province(records: int) -> tuple[list[Source], list[Event]]:
    province = generate_province(records, seed=11)
    sources = [
        Source(s.source_id, s.level, s.region_code, s.department, s.record_types)
        for s in province.sources
    ]
    received = dt.datetime.fromtimestamp(NOW, dt.UTC)
    events = [
        e
        for i, ((sid, rt), g) in enumerate(
            groupby(province.submissions, key=lambda s: (s.source_id, s.record_type))
        )
        for e in record_submissions(
            sid, rt, [s.record for s in g], batch_id=f"b{i}", received_at=received
        )
    ]
    return sources, events


def _run(data_dir: Path, sources: list[Source], delivered: list[tuple[str, Event]]) -> EmbeddedHub:
    """The fused step on these (topic, submission) pairs, as a worker runs it."""
    hub = EmbeddedHub(HubSettings(data_dir=data_dir), clock=lambda: NOW)
    hub.register_sources(sources)
    (fused,) = [s for s in hub.stages if s.input == SUBMISSIONS]
    recorded = dt.datetime.fromtimestamp(NOW, dt.UTC)

    def admit(origin: str, event: DecodedEvent) -> DecodedEvent:
        topic = origin.rsplit("/", 2)[0]
        source = source_of_topic("hub.", topic)
        return event if source is None else topic_checked(event, topic, source)

    messages = [
        Delivered(f"{topic}/0/{i}", e.key.encode(), hub.codec.encode_event(e, recorded))
        for i, (topic, e) in enumerate(delivered)
    ]
    step_delivered(hub.store, hub.codec, fused, messages, lambda: NOW, keep_input=True, admit=admit)
    return hub


def _verdicts(hub: EmbeddedHub) -> dict[str, dict[str, object]]:
    out = {}
    for stored in hub.store.scan(VERDICTS):
        p = hub.codec.decode_event(VERDICTS, stored.position, stored.body).payload
        out[p["submission_id"]] = p
    return out


def test_a_submission_naming_another_source_on_an_inbound_topic_is_kept_and_rejected(
    tmp_path: Path,
) -> None:
    sources, events = _province(400)
    by_source = {e.payload["source_id"] for e in events}
    a, b = sorted(by_source)[:2]
    own = [e for e in events if e.payload["source_id"] == a]
    forged = [e for e in events if e.payload["source_id"] == b]
    assert len(own) > 10 and len(forged) > 10
    delivered = [(f"hub.in.{a}", e) for e in own] + [(f"hub.in.{a}", e) for e in forged]
    hub = _run(tmp_path / "inbound", sources, delivered)
    try:
        verdicts = _verdicts(hub)
        stored = [
            hub.codec.decode_event(SUBMISSIONS, s.position, s.body)
            for s in hub.store.scan(SUBMISSIONS)
        ]
        assert len(stored) == len(own) + len(forged)  # every one kept in the log
        marked = [s for s in stored if s.payload["problem"]]
        assert len(marked) == len(forged)
        original_ids = {e.event_id for e in forged}
        for sub in marked:
            assert sub.event_id not in original_ids  # ids of its own: no pre-empting
            assert sub.payload["source_id"] == b  # what it claimed, kept as evidence
            problem = orjson.loads(sub.payload["problem"])
            assert problem == {
                "rule": "SOURCE.TOPIC",
                "params": {"topic": f"hub.in.{a}", "claimed": b},
            }
            verdict = verdicts[sub.payload["submission_id"]]
            assert verdict["outcome"] == "rejected"
            (violation,) = verdict["violations"]  # type: ignore[misc]
            assert violation["rule"] == "SOURCE.TOPIC"
            assert violation["message_zh"] == f"提交来源 {b} 与主题 hub.in.{a} 不符"
            # replayed: the same verdict, from the stored submission alone
            source = next(s for s in sources if s.source_id == b)
            again = judge(sub, hub.validator, hub.codec, source)
            assert again.payload["violations"] == verdict["violations"]
        # the source's own submissions: exactly as from the submissions topic
        plain = _run(tmp_path / "plain", sources, [("hub.submissions", e) for e in own])
        try:
            assert {k: v for k, v in verdicts.items() if k in {e.event_id for e in own}} == (
                _verdicts(plain)
            )
            accepted = [v for v in _verdicts(plain).values() if v["outcome"] != "rejected"]
            assert accepted  # not all rejected: the comparison means something
        finally:
            plain.close()
    finally:
        hub.close()


def test_only_inbound_topics_name_a_source() -> None:
    assert source_of_topic("zj.", "zj.in.zj-hz-scjg") == "zj-hz-scjg"
    assert source_of_topic("zj.", "zj.submissions") is None
    assert source_of_topic("zj.", "zj.in.") is None
    assert source_of_topic("zj.", "hub.in.zj-hz-scjg") is None
