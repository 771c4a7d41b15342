"""``hub demo``: a realistic province through the whole loop, national simulator included.

The province's bureaus (provincial, city, county) submit entities, inspections, penalties,
lightning reports and hazards, with cross-level duplicates, updates, stale updates and invalid
records; the national simulator injects faults (5xx, timeouts after acceptance, duplicate acks,
rejections). The demo prints the reconciliation, the delivery summary, and ids worth tracing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from itertools import groupby
from typing import Any

from connectors.files import record_submissions
from hub.events import derive_id
from hub.national.client import NationalClient
from hub.national.sim import SimConfig, start_sim
from hub.processing.delivery import DeliveryPolicy
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.storage.ports import Source
from hub.testing.province import generate_province

__all__ = ["examples", "run_demo"]

#: Faults of the demo's national simulator: every path of the delivery protocol gets exercised.
DEMO_FAULTS = SimConfig(
    reject_rate=0.02, fail_rate=0.05, duplicate_ack_rate=0.02, timeout_rate=0.01, timeout_ms=400
)


def examples(views: sqlite3.Connection) -> dict[str, Any]:
    """Ids worth tracing: a record with several versions and cross-level duplicates, a rejected
    submission."""
    row = views.execute(
        "SELECT c.record_id, c.version, COUNT(DISTINCT p.source_id) FROM records_current c"
        " JOIN provenance p ON p.record_id = c.record_id AND p.event_type = 'verdict.duplicate'"
        " GROUP BY c.record_id ORDER BY c.version DESC, COUNT(DISTINCT p.source_id) DESC,"
        " c.record_id LIMIT 1"
    ).fetchone()
    rejected = views.execute(
        "SELECT submission_id FROM provenance WHERE event_type = 'verdict.rejected'"
        " ORDER BY recorded_at, event_id LIMIT 1"
    ).fetchone()
    national_rejection = views.execute(
        "SELECT record_id FROM provenance WHERE event_type = 'delivery.rejected'"
        " ORDER BY recorded_at, event_id LIMIT 1"
    ).fetchone()
    return {
        "record_with_versions_and_duplicates": row[0] if row else None,
        "rejected_submission": rejected[0] if rejected else None,
        "record_rejected_by_national": national_rejection[0] if national_rejection else None,
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
            summary["examples"] = examples(hub.views.db)
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
