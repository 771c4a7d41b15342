"""The front-end database connector in the distributed runtime: rows go to Kafka (acks=all)
before the watermark moves in PostgreSQL; workers judge them; a re-poll produces nothing new."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from hub.connectors.frontdb import FrontDb, row_submission
from hub.testing.distributed import DistributedHarness
from hub.testing.sources import COUNTY
from tests.connectors.test_frontdb import T0, Exchange


def test_rows_reach_the_workers_through_kafka(
    tmp_path: Path, pg_server: str, pg_url: str, kafka_bootstrap: str, inspection: dict[str, Any]
) -> None:
    from tests.pg import fresh_database

    exchange = Exchange(pg_url, inspection)
    exchange.write(inspection, "i", T0)
    exchange.write(inspection, "d", T0 + dt.timedelta(seconds=1))
    with fresh_database(pg_server, "hub_fdb") as hub_url:
        harness = DistributedHarness(tmp_path, hub_url, kafka_bootstrap)
        try:
            harness.register(COUNTY)
            poller = FrontDb(
                harness.settings,
                harness.hub.store,
                harness.hub.codec,
                source_id=COUNTY.source_id,
                record_type="inspection",
                url=pg_url,
                table="cd_inspection",
            )
            assert poller.poll() == (2, 2)
            now = dt.datetime.now(dt.UTC)
            harness.sent.update(
                row_submission(COUNTY.source_id, "inspection", "cd_inspection", row, now).event_id
                for row in poller.read(None)
            )
            assert poller.poll() == (0, 2)  # the overlap re-sends them: Kafka cannot tell
            poller.close()
            harness.run()
            outcomes = sorted(v["outcome"] for v in harness.verdicts().values())
            assert outcomes == ["accepted_new", "accepted_update"]
            assert [v["retracted"] for v in harness.versions()] == [False, True]
            assert harness.status()["received"] == 2  # the re-sent rows were claimed once
        finally:
            harness.close()
