"""The queues over /v1 on both backends: a dead delivery listed with its reason and re-driven by
an operator (the event names who), a quarantined message listed without its body and released;
an auditor and a viewer never act (403), and a hostile body is refused before any work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from hub.connectors.submissions import record_submissions
from hub.domain.values import Quarantined
from hub.events.streams import DELIVERIES, SUBMISSIONS
from hub.national.client import NationalClient
from hub.national.sim import SimConfig, start_sim
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.testing.harness import FAST_DELIVERY
from hub.testing.sources import COUNTY
from tests.query.api import served
from tests.query.signin import headers

OPERATOR = headers("operator")


@pytest.fixture(params=["sqlite", "postgresql"])
def dead(
    request: pytest.FixtureRequest, tmp_path: Path, inspection: dict[str, Any]
) -> Iterator[tuple[HubSettings, TestClient]]:
    """A hub with one dead delivery (the national platform refused the push for good) and one
    quarantined message, served with the /v1 routes."""
    extra: dict[str, Any] = {}
    if request.param == "postgresql":
        extra["database_url"] = SecretStr(request.getfixturevalue("pg_url"))
    settings = HubSettings(data_dir=tmp_path / "hub", national_tasks_interval_s=60, **extra)
    sim = start_sim(SimConfig())
    client = NationalClient(sim.url + "/gone", timeout_s=2.0, attempts=1, backoff_s=0.01)
    try:
        with EmbeddedHub(settings, national=client, delivery=FAST_DELIVERY) as hub:
            hub.register_sources([COUNTY])
            hub.ingest(
                record_submissions(
                    COUNTY.source_id,
                    "inspection",
                    [inspection],
                    batch_id="b1",
                    received_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                )
            )
            hub.run_until_idle(timeout_s=60)
            with hub.store.transaction() as tx:
                junk = Quarantined("hub.submissions/0/7", SUBMISSIONS, "not Avro", None, b"\x00x")
                tx.quarantine([junk])
            assert hub.store.ledger_counts()["dead"] == 1
    finally:
        client.close()
        sim.stop()
    with served(settings) as api:
        yield settings, api


def test_queues_list_the_dead_delivery_and_the_quarantine(
    dead: tuple[HubSettings, TestClient],
) -> None:
    _, api = dead
    body = api.get("/v1/queues", headers=headers("auditor")).json()
    assert body["ledger"]["dead"] == 1
    [row] = body["deliveries"]
    assert row["state"] == "dead" and row["reasons"] and "content" not in row
    assert body["quarantined"] == 1
    assert body["quarantine"] == [
        {"origin": "hub.submissions/0/7", "stream": "submissions", "reason": "not Avro", "bytes": 2}
    ]
    assert set(body["lag"]) == {"stages", "projections"}
    assert api.get("/v1/queues", headers=headers("viewer", "440106")).status_code == 403
    bad = api.get("/v1/queues?state=gone", headers=OPERATOR)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "API.PARAMS"


def test_only_an_operator_redrives_and_the_history_names_who(
    dead: tuple[HubSettings, TestClient],
) -> None:
    settings, api = dead
    [row] = api.get("/v1/queues", headers=OPERATOR).json()["deliveries"]
    body = {"delivery_ids": [row["delivery_id"]]}
    for who in (headers("auditor"), headers("viewer", "440106")):
        refused = api.post("/v1/deliveries/redrive", json=body, headers=who)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "API.ROLE"
    assert api.post("/v1/deliveries/redrive", json=body).status_code == 401
    done = api.post("/v1/deliveries/redrive", json=body, headers=OPERATOR)
    assert done.status_code == 200, done.text
    assert done.json() == {
        "actor": "op",
        "redriven": [row["delivery_id"]],
        "moved": 1,
        "not_dead": {},
        "unknown": [],
    }
    with EmbeddedHub(settings) as hub:
        assert hub.store.ledger_counts().get("dead", 0) == 0
        redriven = [
            hub.codec.decode_event(DELIVERIES, s.position, s.body)
            for s in hub.store.scan(DELIVERIES)
            if s.event_type == "delivery.redriven"
        ]
    assert [e.payload["actor"] for e in redriven] == ["op"]
    again = api.post("/v1/deliveries/redrive", json={"delivery_ids": None}, headers=OPERATOR)
    assert again.json()["moved"] == 0  # nothing dead any more


def test_release_reads_the_message_again(dead: tuple[HubSettings, TestClient]) -> None:
    _, api = dead
    body = {"origins": ["hub.submissions/0/7", "nowhere/0/1"]}
    assert (
        api.post("/v1/quarantine/release", json=body, headers=headers("auditor")).status_code == 403
    )
    done = api.post("/v1/quarantine/release", json=body, headers=OPERATOR).json()
    assert done["actor"] == "op" and done["unknown"] == ["nowhere/0/1"]
    assert list(done["still_quarantined"]) == ["hub.submissions/0/7"]
    assert done["released"] == {}


HOSTILE = (
    (b"not json", 400, "API.MALFORMED"),
    (b'{"delivery_ids": "abc"}', 422, "V1.QUERY"),
    (b'{"delivery_ids": [""]}', 422, "V1.QUERY"),
    (b'{"delivery_ids": ["a\\u0000b"]}', 422, "V1.QUERY"),
    (b'{"delivery_ids": null, "more": 1}', 422, "V1.QUERY"),
    (b'{"delivery_ids": [' + b'"x",' * 10_001 + b'"y"]}', 422, "V1.QUERY"),
    (b'{"delivery_ids": ["' + b"x" * (2 << 20) + b'"]}', 413, "API.LIMIT.BODY"),
)


def test_hostile_bodies_are_refused_before_any_work(dead: tuple[HubSettings, TestClient]) -> None:
    settings, api = dead
    for body, status, code in HOSTILE:
        reply = api.post(
            "/v1/deliveries/redrive",
            content=body,
            headers={**OPERATOR, "Content-Type": "application/json"},
        )
        assert reply.status_code == status, reply.text[:200]
        error = reply.json()["error"]
        assert error["code"] == code and len(error["message"]) < 2000
    with EmbeddedHub(settings) as hub:
        assert hub.store.ledger_counts()["dead"] == 1  # nothing moved
