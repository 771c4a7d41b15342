"""A province through the whole loop, quickly: the demo's world (``hub.testing.province``) with a
national simulator that only rejects (no timeouts or 5xx to wait out), on either backend. The
map, the scorecards and the query API are tested over it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from itertools import groupby

from hub.connectors.submissions import record_submissions
from hub.domain.values import Source
from hub.events import derive_id
from hub.national.client import NationalClient
from hub.national.sim import SimConfig, start_sim
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.testing.harness import FAST_DELIVERY
from hub.testing.province import generate_province

__all__ = ["load_province"]


def load_province(settings: HubSettings, records: int, seed: int = 3) -> None:
    """Submit the province's ``records`` submissions and run the hub until every delivery is
    final (some rejected by the national simulator)."""
    province = generate_province(records, seed)
    sim = start_sim(SimConfig(reject_rate=0.05, seed=seed))
    client = NationalClient(sim.url, timeout_s=2.0, attempts=2, backoff_s=0.01)
    try:
        delivery = dataclasses.replace(FAST_DELIVERY, push_batch=200)
        with EmbeddedHub(settings, national=client, delivery=delivery) as hub:
            hub.register_sources(
                Source(s.source_id, s.level, s.region_code, s.department, s.record_types)
                for s in province.sources
            )
            received_at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
            groups = groupby(province.submissions, key=lambda s: (s.source_id, s.record_type))
            for index, ((source_id, record_type), group) in enumerate(groups):
                hub.ingest(
                    record_submissions(
                        source_id,
                        record_type,
                        [s.record for s in group],
                        batch_id=derive_id("province", seed, index),
                        received_at=received_at,
                    )
                )
            hub.run_until_idle(timeout_s=120)
            hub.projector.run_until_current()
    finally:
        client.close()
        sim.stop()
