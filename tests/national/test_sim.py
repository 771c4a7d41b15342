"""The client against the real test peer on loopback: the protocol's promises, fault by fault."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from hub.errors import ConfigError, PermanentDeliveryError, StorageError, TransientDeliveryError
from hub.national.client import NationalClient
from hub.national.protocol import REASON_CONTENT_REJECTED, REASON_OUT_OF_ORDER, PushStatus
from hub.national.sim import SimConfig, start_sim
from hub.national.sim.faults import rejects_content
from hub.national.sim.handler import MAX_BODY_BYTES
from hub.national.sim.messages import SimStats

from .conftest import MakeItem, StartSim


def test_accepts_once_then_answers_duplicate(start: StartSim, item: MakeItem) -> None:
    sim = start()
    with NationalClient(sim.url) as client:
        (first,) = client.push("b1", [item("r1")])
        (again,) = client.push("b2", [item("r1")])
    assert first.status is PushStatus.ACCEPTED and first.national_id
    assert again.status is PushStatus.DUPLICATE and again.national_id == first.national_id
    assert [e.idempotency_key for e in sim.accepted()] == ["r1:1"]
    assert sim.stats() == SimStats(requests=2, items=2, accepted=1, duplicates=1)


def test_test_peer_endpoints_over_http(start: StartSim, item: MakeItem) -> None:
    sim = start()
    with NationalClient(sim.url) as client:
        client.push("b1", [item("r1"), item("r1", 2), item("r0")])
    assert httpx.get(sim.url + "/v1/healthz").json() == {"status": "ok"}
    accepted = httpx.get(sim.url + "/v1/accepted").json()["accepted"]
    assert [e["idempotency_key"] for e in accepted] == ["r1:1", "r1:2", "r0:1"]
    assert set(accepted[0]) == {
        "idempotency_key",
        "record_id",
        "version",
        "national_id",
        "accepted_at",
        "operation",
    }
    assert {e["operation"] for e in accepted} == {"upsert"}
    assert httpx.get(sim.url + "/v1/stats").json() == sim.stats().to_json()
    assert httpx.get(sim.url + "/v1/nothing").status_code == 404
    assert httpx.get(sim.url + "/v1/push").status_code == 405


def test_rejection_by_rate_is_deterministic_and_final(start: StartSim, item: MakeItem) -> None:
    items = [item(f"rec-{n}") for n in range(60)]
    expected = [i.idempotency_key for i in items if rejects_content(i.idempotency_key, 0.3)]
    assert 0 < len(expected) < len(items)
    seen = []
    for seed in (1, 2):  # the seed drives the other faults, never content rejection
        with NationalClient(start(reject_rate=0.3, seed=seed).url) as client:
            first = client.push("b1", items)
            again = client.push("b2", items)
        seen.append([r.idempotency_key for r in first if r.status is PushStatus.REJECTED])
        assert {r.reasons[0].code for r in first if not r.acknowledged} == {REASON_CONTENT_REJECTED}
        # A re-push changes nothing: accepted keys are duplicates, rejected ones rejected alike.
        assert [(r.acknowledged, r.reasons) for r in again] == [
            (r.acknowledged, r.reasons) for r in first
        ]
        assert all(r.final for r in again)
    assert seen == [expected, expected]


def test_out_of_order_is_rejected_then_accepted(start: StartSim, item: MakeItem) -> None:
    sim = start()
    with NationalClient(sim.url) as client:
        (early,) = client.push("b1", [item("r1", 2)])
        assert early.status is PushStatus.REJECTED and not early.final
        assert [r.code for r in early.reasons] == [REASON_OUT_OF_ORDER]
        first, second = client.push("b2", [item("r1", 1), item("r1", 2)])
    assert first.status is PushStatus.ACCEPTED and second.status is PushStatus.ACCEPTED
    assert [(e.record_id, e.version) for e in sim.accepted()] == [("r1", 1), ("r1", 2)]
    assert sim.stats().out_of_order == 1


def test_a_content_rejection_lets_the_next_version_in(start: StartSim, item: MakeItem) -> None:
    record = next(
        f"rec-{n}"
        for n in range(1000)
        if rejects_content(f"rec-{n}:1", 0.5) and not rejects_content(f"rec-{n}:2", 0.5)
    )
    sim = start(reject_rate=0.5)
    with NationalClient(sim.url) as client:
        v1, v2 = client.push("b1", [item(record, 1), item(record, 2)])
    assert v1.status is PushStatus.REJECTED and v2.status is PushStatus.ACCEPTED
    assert sim.stats().out_of_order == 0


def test_a_lost_reply_is_answered_duplicate_on_the_retry(start: StartSim, item: MakeItem) -> None:
    # seed 9 with timeout_rate 0.5: the first push's reply is held, the second's is not.
    sim = start(timeout_rate=0.5, timeout_ms=3000, seed=9)
    with NationalClient(sim.url, timeout_s=0.3, attempts=2, backoff_s=0.01) as client:
        (result,) = client.push("b1", [item("r1")])
    assert result.status is PushStatus.DUPLICATE
    stats = sim.stats()
    assert (stats.requests, stats.accepted, stats.duplicates) == (2, 1, 1)
    assert [e.idempotency_key for e in sim.accepted()] == ["r1:1"]


def test_timeouts_to_the_end_raise_transient_and_accept_once(
    start: StartSim, item: MakeItem, tmp_path: Path
) -> None:
    db = tmp_path / "national.sqlite3"
    sim = start(timeout_rate=1.0, timeout_ms=3000, db_path=db)
    began = time.monotonic()
    client = NationalClient(sim.url, timeout_s=0.3, attempts=3, backoff_s=0.01)
    with client, pytest.raises(TransientDeliveryError, match="timed out"):
        client.push("b1", [item("r1")])
    assert time.monotonic() - began < 2.5
    stats = sim.stats()
    assert (stats.requests, stats.accepted, stats.duplicates) == (3, 1, 2)
    sim.stop()  # cuts the held replies short
    with NationalClient(start(db_path=db).url) as client:
        (result,) = client.push("b2", [item("r1")])
    assert result.status is PushStatus.DUPLICATE


def test_duplicate_acks_are_merged(start: StartSim, item: MakeItem) -> None:
    sim = start(duplicate_ack_rate=1.0)
    items = [item("r1"), item("r2"), item("r3")]
    with NationalClient(sim.url) as client:
        results = client.push("b1", items)
        raw = httpx.post(sim.url + "/v1/push", json={"batch_id": "b2", "items": []}).json()
    assert [r.idempotency_key for r in results] == ["r1:1", "r2:1", "r3:1"]
    assert raw == {"batch_id": "b2", "results": []}
    reply = httpx.post(
        sim.url + "/v1/push", json={"batch_id": "b3", "items": [items[0].to_json()]}
    ).json()
    assert [r["status"] for r in reply["results"]] == ["duplicate", "duplicate"]


def test_fail_rate_one_exhausts_the_attempts(start: StartSim, item: MakeItem) -> None:
    sim = start(fail_rate=1.0)
    client = NationalClient(sim.url, attempts=3, backoff_s=0.01)
    with client, pytest.raises(TransientDeliveryError, match=r"503 NAT\.UNAVAILABLE"):
        client.push("b1", [item("r1")])
    assert sim.stats() == SimStats(requests=3, failed_requests=3)
    assert sim.accepted() == []


def test_state_survives_a_restart(start: StartSim, item: MakeItem, tmp_path: Path) -> None:
    db = tmp_path / "national.sqlite3"
    first = start(db_path=db, reject_rate=0.5)
    items = [item(f"rec-{n}") for n in range(10)]
    with NationalClient(first.url) as client:
        before = client.push("b1", items)
    accepted, stats = first.accepted(), first.stats()
    first.stop()
    second = start(db_path=db)  # no reject rate now: earlier rejections still stand
    assert second.accepted() == accepted and second.stats() == stats
    with NationalClient(second.url) as client:
        after = client.push("b2", items)
    assert [r.status for r in after] == [
        PushStatus.DUPLICATE if r.acknowledged else PushStatus.REJECTED for r in before
    ]


def test_concurrent_re_pushes_accept_a_key_once(start: StartSim, item: MakeItem) -> None:
    sim = start(latency_ms=50)
    statuses: list[PushStatus] = []
    with NationalClient(sim.url) as client:

        def push() -> None:
            statuses.extend(r.status for r in client.push("b", [item("r1")]))

        threads = [threading.Thread(target=push) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(statuses) == [PushStatus.ACCEPTED] + [PushStatus.DUPLICATE] * 7
    assert sim.stats().accepted == 1


def test_latency_is_applied(start: StartSim, item: MakeItem) -> None:
    sim = start(latency_ms=200)
    began = time.monotonic()
    with NationalClient(sim.url) as client:
        client.push("b1", [item("r1")])
    assert time.monotonic() - began >= 0.2


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"batch_id": "b", "items": [{"idempotency_key": "r1:1"}]}',
        b'{"batch_id": "b", "items": [{"idempotency_key": "r1:7", "record_id": "r1", '
        b'"version": 1, "record_type": "t", "source_id": "s", "content": {}}]}',
    ],
)
def test_malformed_batches_get_400(start: StartSim, body: bytes) -> None:
    sim = start()
    reply = httpx.post(sim.url + "/v1/push", content=body)
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == "NAT.MALFORMED_BATCH"
    assert sim.stats() == SimStats(requests=1, failed_requests=1)


def test_an_oversized_batch_is_permanent(start: StartSim, item: MakeItem) -> None:
    sim = start()
    with NationalClient(sim.url, timeout_s=10) as client, pytest.raises(PermanentDeliveryError):
        client.push("b1", [item("r1", content="x" * (MAX_BODY_BYTES + 1))])
    assert sim.stats() == SimStats(requests=1, failed_requests=1)


def test_content_is_never_logged_returned_or_stored(
    start: StartSim, item: MakeItem, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "110101199003077777-张三"
    caplog.set_level("DEBUG")
    sim = start(db_path=tmp_path / "national.sqlite3", duplicate_ack_rate=0.5)
    texts = []
    with NationalClient(sim.url) as client:
        for n in range(3):
            results = client.push(f"b{n}", [item("r1", content={"id_number": secret})])
            texts.append(repr(results))
    texts += [httpx.get(sim.url + path).text for path in ("/v1/accepted", "/v1/stats")]
    sim.stop()
    assert "b0" in caplog.text  # the sim does log its work...
    assert all(secret not in text for text in [caplog.text, *texts])  # ...but never content
    for path in tmp_path.iterdir():
        assert secret.encode() not in path.read_bytes()


def test_a_busy_port_is_a_config_error(start: StartSim) -> None:
    sim = start()
    with pytest.raises(ConfigError, match="cannot listen"):
        start_sim(SimConfig(port=sim.port))


@pytest.mark.parametrize(
    "settings", [{"reject_rate": 1.5}, {"fail_rate": -0.1}, {"latency_ms": -1}, {"port": 70000}]
)
def test_impossible_settings_are_config_errors(settings: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        SimConfig(**settings)  # type: ignore[arg-type]


def test_an_unusable_database_is_a_storage_error(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(StorageError, match="cannot open"):
        start_sim(SimConfig(db_path=tmp_path / "a-file" / "national.sqlite3"))


def test_a_missing_folder_for_its_database_is_created(tmp_path: Path) -> None:
    sim = start_sim(SimConfig(db_path=tmp_path / "new" / "national.sqlite3"))
    sim.stop()
    assert (tmp_path / "new" / "national.sqlite3").exists()
