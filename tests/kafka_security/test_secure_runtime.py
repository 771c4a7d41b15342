"""The runtime contract with the workers on SASL_SSL: ``hub worker`` processes (faust), the
relay, the Kafka ingest, the API's sink and the topic admin all authenticate as the hub's own
principal (SCRAM-SHA-512 over TLS, the CA checked, hostnames verified) on a broker that denies
what no ACL allows, with only the grants of ``hub acl sync``. A client option forgotten anywhere
would leave a worker unable to connect, and the suite would time out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.api.tokens import new_token, token_hash
from hub.backends import backend_for
from hub.engine.sink import KafkaSink
from hub.kafka.acl import hub_grants, sync_acls
from hub.national.sim import SimConfig
from hub.settings import HubSettings
from hub.standard import load_standard
from hub.storage.pool import StorePool
from hub.testing.contracts.runtime import MakeHarness, RuntimeContract
from hub.testing.distributed import DistributedHarness
from hub.testing.sources import COUNTY
from tests.kafka import SecureBroker
from tests.pg import fresh_database


def secure_harness(
    data_dir: Path, url: str, broker: SecureBroker, sim: SimConfig | None = None
) -> DistributedHarness:
    """A distributed harness whose workers and clients are the hub's principal on SASL_SSL,
    with only the grants of hub acl sync (made as admin on the harness's own topics)."""
    admin_env = broker.env("admin")
    types = load_standard().types

    def grant(settings: HubSettings) -> None:
        admin = HubSettings.model_validate(
            {
                **settings.model_dump(),
                "kafka_sasl_username": admin_env["HUB_KAFKA_SASL_USERNAME"],
                "kafka_sasl_password": admin_env["HUB_KAFKA_SASL_PASSWORD"],
            }
        )
        sync_acls(admin, hub_grants(admin, "hub", types))

    harness = DistributedHarness(
        data_dir, url, broker.bootstrap, sim, kafka_env=broker.env("hub"), prepare=grant
    )
    assert harness.settings.kafka_security_protocol == "SASL_SSL"
    assert harness.env["HUB_KAFKA_SASL_USERNAME"] == "hub"
    return harness


class TestDistributedRuntimeOnSaslSsl(RuntimeContract):
    @pytest.fixture
    def make_harness(
        self, tmp_path: Path, pg_server: str, secure_kafka: SecureBroker
    ) -> Iterator[MakeHarness]:
        with ExitStack() as stack:

            def make(sim: SimConfig | None = None) -> DistributedHarness:
                url = stack.enter_context(fresh_database(pg_server, "hub_kafka_sec"))
                harness = secure_harness(tmp_path / url.rpartition("/")[2], url, secure_kafka, sim)
                stack.callback(harness.close)
                return harness

            yield make


def test_the_ingest_api_sends_over_sasl_ssl(
    tmp_path: Path, pg_url: str, secure_kafka: SecureBroker, inspection: dict[str, Any]
) -> None:
    """The API's Kafka sink (its long-lived producer) as the hub's principal: 202 only after
    the secured broker acknowledged the batch, and the workers' verdicts come back."""
    harness = secure_harness(tmp_path, pg_url, secure_kafka)
    stores = StorePool(backend_for(harness.settings).store)
    sink = KafkaSink(harness.settings, stores, harness.hub.codec)
    try:
        token = new_token()
        harness.register(COUNTY)
        with harness.hub.store.transaction() as tx:
            tx.set_token(COUNTY.source_id, token_hash(token))
        app = create_app(harness.settings, harness.hub.standard, harness.hub.codec, stores, sink)
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "sec-1"}
        with TestClient(app) as client:
            reply = client.post(
                "/v1/records/inspection", json={"records": [inspection]}, headers=headers
            )
            assert reply.status_code == 202, reply.text
            ids = [s["submission_id"] for s in reply.json()["submissions"]]
            harness.sent.update(ids)
            harness.run()
            items = client.get("/v1/feedback", headers=headers).json()["items"]
        assert [(i["submission_id"], i["status"]) for i in items if i["kind"] == "verdict"] == [
            (ids[0], "accepted_new")
        ]
    finally:
        sink.close()
        stores.close()
        harness.close()
    # the worker's own log (faust, aiokafka, the relay: INFO and up) never shows the password
    logs = sorted(harness.hub.data_dir.glob("worker-*.log"))
    assert logs
    text = "".join(log.read_text(encoding="utf-8", errors="replace") for log in logs)
    assert "hub worker: group" in text  # the worker's stderr is in it
    assert secure_kafka.password("hub") not in text
