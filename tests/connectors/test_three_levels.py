"""End to end: a county through its front-end database, a city over the HTTP API and the province
by file send overlapping records; one canonical record per real record results, and each source
reads its own verdicts, and no other source's, from the feedback endpoint."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from hub.connectors.files import file_submissions
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.testing.sources import CITY, COUNTY, PROVINCE
from tests.api.conftest import make_api
from tests.connectors.test_frontdb import T0, Exchange, county_poller


def _record(inspection: dict[str, Any], day: int) -> dict[str, Any]:
    return dict(inspection, inspection_time=f"2025-03-0{day}T09:30:00+08:00")


def test_three_levels_three_connectors_one_record_each(
    tmp_path: Path, pg_url: str, inspection: dict[str, Any]
) -> None:
    a, b, c = (_record(inspection, day) for day in (6, 7, 8))
    settings = HubSettings(data_dir=tmp_path / "hub")
    api = make_api(settings)
    client = next(api)
    exchange = Exchange(pg_url, inspection)
    try:
        # the county's exchange table holds A and B
        exchange.write(a, "i", T0)
        exchange.write(b, "i", T0 + dt.timedelta(seconds=1))
        with EmbeddedHub(settings) as hub:
            poller = county_poller(settings, hub, pg_url)
            assert poller.poll() == (2, 2)
            poller.close()
        client.process()

        # the city posts A (the county's) and C over HTTP
        city = client.post(CITY.source_id, "inspection", [a, c]).json()["submissions"]
        client.process()

        # the province ingests a file with B and C
        path = tmp_path / "province.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in (b, c)))
        with EmbeddedHub(settings) as hub:
            events = list(
                file_submissions(
                    PROVINCE.source_id, "inspection", path, received_at=dt.datetime.now(dt.UTC)
                )
            )
            assert hub.ingest(events).received == 2
        client.process()

        with EmbeddedHub(settings) as hub:
            status = hub.status()
        assert status["canonical_records"] == 3 and status["reconciled"]
        assert (status["accepted_new"], status["duplicate"]) == (3, 3)

        seen: dict[str, list[tuple[str, str]]] = {}
        for source in (COUNTY, CITY, PROVINCE):
            reply = client.client.get("/v1/feedback", headers=client.auth(source.source_id))
            items = [i for i in reply.json()["items"] if i["kind"] == "verdict"]
            seen[source.source_id] = [(i["submission_id"], i["status"]) for i in items]
        assert [s for _, s in seen[COUNTY.source_id]] == ["accepted_new", "accepted_new"]
        assert seen[CITY.source_id] == [
            (city[0]["submission_id"], "duplicate"),
            (city[1]["submission_id"], "accepted_new"),
        ]
        assert sorted(s for _, s in seen[PROVINCE.source_id]) == ["duplicate", "duplicate"]
        everyone = [sid for items in seen.values() for sid, _ in items]
        assert len(everyone) == len(set(everyone)) == 6  # nobody sees another's feedback
    finally:
        api.close()
