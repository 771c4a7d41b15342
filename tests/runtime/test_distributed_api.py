"""The ingest API in the distributed runtime: a batch is acknowledged by Kafka (acks=all) before
the 202, workers judge it, and the source reads its verdicts from the feedback endpoint; a retry
with the same idempotency key is answered from PostgreSQL and produces nothing twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.api.tokens import new_token, token_hash
from hub.backends import backend_for
from hub.engine.sink import KafkaSink
from hub.storage.pool import StorePool
from hub.testing.distributed import DistributedHarness
from hub.testing.sources import COUNTY


def test_a_batch_through_kafka_comes_back_as_feedback_once(
    tmp_path: Path, pg_url: str, kafka_bootstrap: str, inspection: dict[str, Any]
) -> None:
    harness = DistributedHarness(tmp_path, pg_url, kafka_bootstrap)
    stores = StorePool(backend_for(harness.settings).store)
    sink = KafkaSink(harness.settings, stores, harness.hub.codec)
    try:
        token = new_token()
        harness.register(COUNTY)
        with harness.hub.store.transaction() as tx:
            tx.set_token(COUNTY.source_id, token_hash(token))
        codec, standard = harness.hub.codec, harness.hub.standard
        app = create_app(harness.settings, standard, codec, stores, sink)
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "k-1"}
        broken = dict(inspection, action_no="JC-9", check_date="yesterday")
        body = {"records": [inspection, broken]}
        with TestClient(app) as client:
            first = client.post("/v1/records/inspection", json=body, headers=headers)
            assert first.status_code == 202, first.text
            again = client.post("/v1/records/inspection", json=body, headers=headers)
            assert again.json() == first.json()
            assert again.headers["Idempotent-Replayed"] == "true"
            ids = [s["submission_id"] for s in first.json()["submissions"]]
            harness.sent.update(ids)
            harness.run()
            items = client.get("/v1/feedback", headers=headers).json()["items"]
        verdicts = {i["submission_id"]: i["status"] for i in items if i["kind"] == "verdict"}
        assert verdicts == {ids[0]: "accepted_new", ids[1]: "rejected"}
        acks = [i["submission_id"] for i in items if i["kind"] == "national_ack"]
        assert acks == [ids[0]]  # the national platform's ack flows back to the source too
        status = harness.status()
        assert status["received"] == 2 and status["reconciled"]
    finally:
        sink.close()
        stores.close()
        harness.close()
