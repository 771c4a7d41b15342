"""The fused step writes the history the staged engine wrote: same streams, same event ids, same
bytes, same registry and ledger, whatever the batch sizes; and it catches up with events a
per-stage step left before taking new submissions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from itertools import groupby
from pathlib import Path
from typing import Any

import pytest

from hub.connectors.submissions import record_submissions
from hub.domain.values import Source
from hub.engine.parts import staged_stages
from hub.engine.stages import Stage
from hub.engine.steps import step
from hub.events import Event
from hub.events.streams import DELIVERIES, FEEDBACK, RECORDS, STREAMS, VALIDATED, VERDICTS
from hub.national.sim import SimConfig
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.testing.harness import EmbeddedHarness
from hub.testing.province import generate_province

NOW = 1_800_000_000.0


def _province(records: int) -> tuple[list[Source], list[list[Event]]]:
    province = generate_province(records, seed=7)
    sources = [
        Source(s.source_id, s.level, s.region_code, s.department, s.record_types)
        for s in province.sources
    ]
    received = dt.datetime.fromtimestamp(NOW, dt.UTC)
    batches = [
        list(
            record_submissions(
                sid, rt, [s.record for s in g], batch_id=f"b{i}", received_at=received
            )
        )
        for i, ((sid, rt), g) in enumerate(
            groupby(province.submissions, key=lambda s: (s.source_id, s.record_type))
        )
    ]
    return sources, batches


def _run(
    data_dir: Path,
    batches: list[list[Event]],
    sources: list[Source],
    batch_size: int,
    stages: Callable[[EmbeddedHub], list[Stage]] | None = None,
) -> dict[str, Any]:
    hub = EmbeddedHub(HubSettings(data_dir=data_dir, batch_size=batch_size), clock=lambda: NOW)
    try:
        if stages is not None:
            hub.stages = stages(hub)
        hub.register_sources(sources)
        for batch in batches:
            hub.ingest(batch)
        hub.run_until_idle()
        history = {s: {e.event_id: bytes(e.body) for e in hub.store.scan(s)} for s in STREAMS}
        return {
            "history": history,
            "registry": sorted(map(repr, hub.store.registry_entries())),
            "ledger": sorted(map(repr, hub.store.ledger_rows())),
            "status": {k: v for k, v in hub.status().items() if k != "lag"},
        }
    finally:
        hub.close()


def test_the_fused_step_writes_the_staged_engines_history_byte_for_byte(tmp_path: Path) -> None:
    sources, batches = _province(1500)
    staged = _run(
        tmp_path / "staged",
        batches,
        sources,
        batch_size=97,
        stages=lambda hub: staged_stages(hub.validator, hub.codec),
    )
    fused = _run(tmp_path / "fused", batches, sources, batch_size=1000)
    for stream in STREAMS:
        assert fused["history"][stream].keys() == staged["history"][stream].keys(), stream
        assert fused["history"][stream] == staged["history"][stream], stream
    assert len(fused["history"][RECORDS]) > 1000
    assert len(fused["history"][FEEDBACK]) >= len(fused["history"][VERDICTS])
    assert fused["registry"] == staged["registry"]
    assert fused["ledger"] == staged["ledger"]
    assert fused["status"] == staged["status"]
    outcomes = fused["status"]
    assert outcomes["reconciled"] and outcomes["duplicate"] and outcomes["rejected"]


@pytest.mark.parametrize("behind", ["resolve", "plan-national", "feedback-verdicts"])
def test_a_follower_left_behind_catches_up_before_new_submissions(
    tmp_path: Path, behind: str
) -> None:
    """Events an older hub (or a per-stage step) wrote and a follower has not read yet are
    processed by that follower first; nothing is processed twice or skipped."""
    sources, batches = _province(400)
    clean = _run(tmp_path / "clean", batches, sources, batch_size=1000)

    hub = EmbeddedHub(HubSettings(data_dir=tmp_path / "mixed", batch_size=50), clock=lambda: NOW)
    try:
        hub.register_sources(sources)
        half = len(batches) // 2
        for batch in batches[:half]:
            hub.ingest(batch)
        staged = {s.name: s for s in staged_stages(hub.validator, hub.codec)}
        order = ["judge", "resolve", "plan-national", "feedback-verdicts"]
        # the previous version's stages ran up to, not including, ``behind``
        for name in order[: order.index(behind)]:
            while step(hub.store, hub.codec, staged[name], 50, hub.clock):
                pass
        lagging = staged[behind].input
        assert hub.store.head(lagging) > 0
        for batch in batches[half:]:
            hub.ingest(batch)
        hub.run_until_idle()
        history = {s: {e.event_id: bytes(e.body) for e in hub.store.scan(s)} for s in STREAMS}
        lag = hub.status()["lag"]["stages"]
    finally:
        hub.close()
    assert history == clean["history"]
    assert set(lag) == {
        "judge",
        "resolve",
        "plan-national",
        "feedback-verdicts",
        "feedback-deliveries",
    }
    assert all(v == 0 for v in lag.values()), lag
    for stream in (VALIDATED, RECORDS, DELIVERIES):
        assert history[stream]


def test_the_sender_tells_the_sources_of_outcomes_without_a_stage_reading_deliveries(
    tmp_path: Path,
) -> None:
    """Acks and rejections reach the sources as the staged engine's feedback-deliveries stage
    made them (same ids, same bytes), and that stage is never behind: the sender moved it."""
    sources, batches = _province(300)

    def run(name: str, stages: Callable[[EmbeddedHub], list[Stage]] | None) -> dict[str, Any]:
        harness = EmbeddedHarness(tmp_path / name, SimConfig(reject_rate=0.1), batch_size=200)
        harness.hub.clock = harness.hub.sender.clock = lambda: NOW  # type: ignore[union-attr]
        try:
            if stages is not None:
                harness.hub.stages = stages(harness.hub)
            harness.register(*sources)
            for batch in batches:
                harness.ingest(batch)
            seen = []
            while harness.hub.step():
                seen.append(dict(harness.hub.status()["lag"]["stages"]))
            harness.hub.run_until_idle()
            store = harness.hub.store
            return {
                "feedback": {e.event_id: bytes(e.body) for e in store.scan(FEEDBACK)},
                "lag": harness.hub.status()["lag"]["stages"],
                "seen": seen,
                "ledger": store.ledger_counts(),
            }
        finally:
            harness.close()

    staged = run("staged", lambda hub: staged_stages(hub.validator, hub.codec))
    fused = run("fused", None)
    assert fused["ledger"].get("acked") and fused["ledger"].get("rejected")
    assert fused["ledger"] == staged["ledger"]
    assert fused["feedback"] == staged["feedback"]
    assert all(v == 0 for v in fused["lag"].values()), fused["lag"]
    # the delivery feedback stage never had anything to read on the fused engine
    assert all(s["feedback-deliveries"] == 0 for s in fused["seen"])
