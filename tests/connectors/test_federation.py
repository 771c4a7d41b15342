"""Hub-to-hub federation on a real broker: a city hub (``hub worker`` on Kafka and PostgreSQL)
and a provincial hub (embedded) whose federation connector reads the city's record history.
The province deduplicates the city's records against its own, keeps the city's provenance (a
trace at the province names the city's record, version and version hash), and a retraction at
the city retracts the record at the province."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from hub.api.server import ApiServer
from hub.api.tokens import new_token, token_hash
from hub.audit.trace import trace
from hub.cli import cli
from hub.connectors.federation import Federation
from hub.kafka.wire import SingleObjectFormat
from hub.testing.distributed import DistributedHarness
from hub.testing.harness import EmbeddedHarness
from hub.testing.sources import CITY, COUNTY, OTHER_COUNTY, PROVINCE
from tests.pg import fresh_database


def _federate(province: EmbeddedHarness, city: DistributedHarness, expect: int) -> int:
    """Run the connector until ``expect`` versions were read (the city's relay publishes them
    a moment after its workers commit); the number of new submissions."""
    connector = Federation(
        province.hub.settings,
        province.hub.store,
        province.hub.codec,
        SingleObjectFormat(),
        source_id=CITY.source_id,
        origin_hub="guangzhou",
        bootstrap=city.settings.kafka_bootstrap or "",
        prefix=city.settings.kafka_topic_prefix,
    )
    read = new = 0
    deadline = time.monotonic() + 60
    while read < expect:
        assert time.monotonic() < deadline, f"read {read} of {expect} versions"
        got, stored = connector.run(until_idle=True)
        read, new = read + got, new + stored
    return new


def _feedback_down(
    province: EmbeddedHarness, city: DistributedHarness
) -> dict[str, list[tuple[str, str]]]:
    """Serve the province's API, let the city's upstream connector read it (twice: the second
    read adds nothing); the upstream feedback each city source got."""
    token = new_token()
    with province.hub.store.transaction() as tx:
        tx.set_token(CITY.source_id, token_hash(token))
    server = ApiServer(province.hub.settings.model_copy(update={"api_port": 0}))
    url = server.start()
    try:  # the command, twice: the second read adds nothing
        args = ["connect", "upstream", "--hub-name", "guangdong", "--url", url, "--once", "--json"]
        env = {
            "HUB_DATABASE_URL": city.settings.database_url.get_secret_value(),  # type: ignore[union-attr]
            "HUB_DATA_DIR": str(city.hub.data_dir),
            "HUB_UPSTREAM_TOKEN": token,
        }
        first = CliRunner().invoke(cli, args, env=env)
        assert first.exit_code == 0, first.output
        assert token not in first.output
        reports = [
            json.loads(first.output),
            json.loads(CliRunner().invoke(cli, args, env=env).output),
        ]
        assert reports[0]["read"] >= reports[0]["new"] > 0 and reports[1]["new"] == 0
    finally:
        server.stop()
    got: dict[str, list[tuple[str, str]]] = {}
    for f in city.feedback():
        if f["upstream"] == "guangdong":
            got.setdefault(f["source_id"], []).append((f["kind"], f["status"]))
    return got


def test_a_city_hub_feeds_the_provincial_hub_with_its_provenance(
    tmp_path: Path, pg_server: str, kafka_bootstrap: str, inspection: dict[str, Any]
) -> None:
    a = inspection
    b = dict(inspection, inspection_time="2025-03-09T09:30:00+08:00", region_code="440104")
    with fresh_database(pg_server, "hub_city") as city_url:
        city = DistributedHarness(tmp_path / "city", city_url, kafka_bootstrap)
        province = EmbeddedHarness(tmp_path / "province")
        try:
            city.register(COUNTY, OTHER_COUNTY)
            province.register(CITY, PROVINCE)  # the city hub is a city-level source here
            city.submit(COUNTY.source_id, "inspection", [a])
            city.submit(OTHER_COUNTY.source_id, "inspection", [b])
            city.run()
            province.submit(PROVINCE.source_id, "inspection", [a])  # the province had A too
            province.run()

            assert _federate(province, city, expect=2) == 2
            province.run()
            outcomes = sorted(v["outcome"] for v in province.verdicts().values())
            assert outcomes == ["accepted_new", "accepted_new", "duplicate"]
            assert province.status()["canonical_records"] == 2

            city_b = next(v for v in city.versions() if v["source_id"] == OTHER_COUNTY.source_id)
            entries = trace(province.hub.views, f"{CITY.source_id}:{city_b['record_id']}")
            [received] = [e for e in entries if e.stream == "submissions"]
            assert received.detail["origin"] == {
                "hub": "guangzhou",
                "record_id": city_b["record_id"],
                "version": 1,
                "version_hash": city_b["version_hash"],
                "source_id": OTHER_COUNTY.source_id,
                "submission_id": city_b["submission_id"],
            }
            assert any(e.stream == "records" for e in entries)  # the province's own version

            city.submit(OTHER_COUNTY.source_id, "inspection", [b], operation="delete")
            city.run()
            assert _federate(province, city, expect=1) == 1
            province.run()
            mine = [v for v in province.versions() if v["source_id"] == CITY.source_id]
            assert [(v["version"], v["retracted"]) for v in mine] == [(1, False), (2, True)]
            assert province.status()["reconciled"]

            # the way down: the city reads its feedback at the province, for its own sources
            down = _feedback_down(province, city)
            assert down[OTHER_COUNTY.source_id] == [
                ("verdict", "accepted_new"),
                ("national_ack", "acked"),
                ("verdict", "accepted_update"),
                ("national_ack", "acked"),
            ]
            assert down[COUNTY.source_id] == [("verdict", "duplicate")]

            # the command: the same consumer group, so nothing is left to read
            args = ["connect", "federation", "--source", CITY.source_id, "--hub-name",
                    "guangzhou", "--bootstrap", kafka_bootstrap, "--prefix",
                    city.settings.kafka_topic_prefix, "--once", "--json",
                    "--data-dir", str(tmp_path / "province")]  # fmt: skip
            shown = CliRunner().invoke(cli, args, env={"HUB_DATABASE_URL": ""})
            assert shown.exit_code == 0, shown.output
            assert json.loads(shown.output) == {
                "source": CITY.source_id, "hub": "guangzhou", "read": 0, "new": 0,
            }  # fmt: skip
        finally:
            province.close()
            city.close()
