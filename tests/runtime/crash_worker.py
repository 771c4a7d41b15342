"""Killable processes for the crash tests.

``ingest`` registers the province's sources and ingests its submissions in small, durable chunks
with deterministic batch ids, so a rerun after SIGKILL re-sends the same submissions and the log
receives each once. ``up`` is ``hub up`` with the same arguments. Either arms the kill switch of
:mod:`tests.runtime.kill_inside` first when ``HUB_TEST_KILL_AFTER_APPENDS`` is set.

Usage: python -m tests.runtime.crash_worker ingest DATA_DIR RECORDS SEED
       python -m tests.runtime.crash_worker up [hub up options]
"""

from __future__ import annotations

import datetime as dt
import sys
from itertools import groupby
from pathlib import Path

from hub.connectors.submissions import record_submissions
from hub.domain.values import Source
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.testing.province import generate_province
from tests.runtime.kill_inside import arm_from_environment

RECEIVED_AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def ingest_province(hub: EmbeddedHub, records: int, seed: int, chunk: int = 7) -> None:
    province = generate_province(records, seed)
    hub.register_sources(
        Source(s.source_id, s.level, s.region_code, s.department, s.record_types)
        for s in province.sources
    )
    groups = groupby(province.submissions, key=lambda s: (s.source_id, s.record_type))
    for index, ((source_id, record_type), group) in enumerate(groups):
        events = record_submissions(
            source_id,
            record_type,
            [s.record for s in group],
            batch_id=f"crash-{seed}-{index}",
            received_at=RECEIVED_AT,
        )
        hub.ingest(events, chunk=chunk)


def main(argv: list[str]) -> None:
    arm_from_environment()
    match argv:
        case ["ingest", data_dir, records, seed]:
            with EmbeddedHub(HubSettings(data_dir=Path(data_dir))) as hub:
                ingest_province(hub, int(records), int(seed))
        case ["up", *options]:
            from hub.cli import cli

            cli(["up", *options], prog_name="hub")
        case _:
            raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
