"""``hub demo``: a realistic province through the whole loop, national simulator included.

The province's bureaus (provincial, city, county) submit entities, inspections, penalties,
lightning reports and hazards, with cross-level duplicates, updates, stale updates and invalid
records; the national simulator injects faults (5xx, timeouts after acceptance, duplicate acks,
rejections). The demo prints the reconciliation, the delivery summary, and ids worth tracing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from itertools import groupby
from typing import Any

from hub.connectors.submissions import record_submissions
from hub.domain.values import DeliveryPolicy, Source
from hub.events import derive_id
from hub.national.client import NationalClient
from hub.national.sim import SimConfig, start_sim
from hub.projections import ViewStore
from hub.projections.provenance import PROVENANCE
from hub.projections.records import CURRENT
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.testing.province import generate_province

__all__ = ["examples", "run_demo"]

#: Faults of the demo's national simulator: every path of the delivery protocol gets exercised.
DEMO_FAULTS = SimConfig(
    reject_rate=0.02, fail_rate=0.05, duplicate_ack_rate=0.02, timeout_rate=0.01, timeout_ms=400
)


def examples(views: ViewStore) -> dict[str, Any]:
    """Ids worth tracing: a record with several versions and cross-level duplicates, a rejected
    submission, a record the national platform rejected."""
    columns = ("recorded_at", "event_id", "record_id", "submission_id", "source_id")

    def first(event_type: str, at: int) -> str | None:
        rows = views.rows(PROVENANCE, columns=columns, where={"event_type": [event_type]})
        return str(min(rows)[at]) if rows else None

    sources: dict[str, set[str]] = {}
    for _, _, record_id, _, source_id in views.rows(
        PROVENANCE, columns=columns, where={"event_type": ["verdict.duplicate"]}
    ):
        sources.setdefault(record_id, set()).add(source_id)
    versions: dict[str, int] = dict(
        views.rows(CURRENT, columns=("record_id", "version"), where={"record_id": sorted(sources)})
        if sources
        else []
    )
    best = sorted(sources, key=lambda r: (-versions.get(r, 0), -len(sources[r]), r))
    return {
        "record_with_versions_and_duplicates": best[0] if best else None,
        "rejected_submission": first("verdict.rejected", 3),
        "record_rejected_by_national": first("delivery.rejected", 2),
    }


def run_demo(settings: HubSettings, records: int, seed: int) -> dict[str, Any]:
    province = generate_province(records, seed)
    sim = start_sim(
        dataclasses.replace(DEMO_FAULTS, seed=seed, db_path=settings.data_dir / "national-sim.db")
    )
    policy = DeliveryPolicy(
        push_batch=200, reply_timeout_s=1.0, max_attempts=10, backoff_base_s=0.05, backoff_cap_s=0.5
    )
    try:
        client = NationalClient(sim.url, timeout_s=0.3, attempts=2, backoff_s=0.01)
        with EmbeddedHub(settings, national=client, delivery=policy) as hub:
            hub.lock()
            hub.register_sources(
                Source(s.source_id, s.level, s.region_code, s.department, s.record_types)
                for s in province.sources
            )
            received_at = dt.datetime.now(dt.UTC)
            groups = groupby(province.submissions, key=lambda s: (s.source_id, s.record_type))
            for index, ((source_id, record_type), group) in enumerate(groups):
                batch = [s.record for s in group]
                hub.ingest(
                    record_submissions(
                        source_id,
                        record_type,
                        batch,
                        batch_id=derive_id("demo", seed, index),
                        received_at=received_at,
                    )
                )
                hub.step()
            hub.run_until_idle()
            summary = hub.status()
            summary["examples"] = examples(hub.views)
            summary["national"] = dataclasses.asdict(sim.stats())
            summary["province"] = {
                "code": province.code,
                "name": province.name,
                "sources": len(province.sources),
            }
            summary["data_dir"] = str(settings.data_dir)
            client.close()
    finally:
        sim.stop()
    return summary
