"""The protocol's messages: every one survives a JSON round trip; malformed input is refused."""

from __future__ import annotations

from typing import Any

import pytest

from hub.national.protocol import (
    ErrorBody,
    PushBatch,
    PushItem,
    PushReply,
    PushResult,
    PushStatus,
    Reason,
    idempotency_key,
)
from hub.national.sim.messages import AcceptedEntry, SimStats
from hub.national.wire import ProtocolError, decode_body, encode_body

ITEM = PushItem("r1:2", "r1", 2, "hazard", "src", {"名称": "检查", "n": [1, None, True]})
REJECTED = PushResult("r1:2", PushStatus.REJECTED, None, (Reason("NAT.CONTENT_REJECTED", "no"),))


@pytest.mark.parametrize(
    "message",
    [
        ITEM,
        PushBatch("b-1", (ITEM, ITEM)),
        PushBatch("b-empty", ()),
        PushResult("r1:2", PushStatus.ACCEPTED, "N-1"),
        REJECTED,
        PushReply("b-1", (REJECTED, PushResult("r2:1", PushStatus.DUPLICATE, "N-2"))),
        ErrorBody("NAT.TOO_LARGE", "too large"),
        AcceptedEntry("r1:1", "r1", 1, "N-1", "2025-03-01T00:00:00.000Z"),
        SimStats(requests=3, items=5, accepted=2, duplicates=1, rejected=2, out_of_order=1),
    ],
)
def test_round_trip_through_bytes(message: Any) -> None:
    again = type(message).from_json(decode_body(encode_body(message.to_json())))
    assert again == message


def test_key_names_the_version() -> None:
    assert idempotency_key("rec-9", 3) == "rec-9:3"


@pytest.mark.parametrize(
    "value",
    [
        [],
        {"items": []},
        {"batch_id": "", "items": []},
        {"batch_id": "b", "items": {}},
        {"batch_id": "b", "items": [{"idempotency_key": "r:1"}]},
        {"batch_id": "b", "items": [{**ITEM.to_json(), "version": 0}]},
        {"batch_id": "b", "items": [{**ITEM.to_json(), "version": True}]},
        {"batch_id": "b", "items": [{**ITEM.to_json(), "version": 2.0}]},
        {"batch_id": "b", "items": [{k: v for k, v in ITEM.to_json().items() if k != "content"}]},
    ],
)
def test_malformed_batches_are_refused(value: Any) -> None:
    with pytest.raises(ProtocolError):
        PushBatch.from_json(value)


@pytest.mark.parametrize(
    "value",
    [
        {"idempotency_key": "k", "status": "ok", "national_id": None, "reasons": []},
        {"idempotency_key": "k", "status": None, "national_id": None, "reasons": []},
        {"idempotency_key": "k", "status": "accepted", "national_id": 7, "reasons": []},
        {"idempotency_key": "k", "status": "accepted", "national_id": None},
        {"idempotency_key": "k", "status": "rejected", "national_id": None, "reasons": []},
    ],
)
def test_malformed_results_are_refused(value: Any) -> None:
    with pytest.raises(ProtocolError):
        PushResult.from_json(value)


def test_bodies_are_strict_json() -> None:
    with pytest.raises(ProtocolError):
        decode_body(b'{"x": NaN}')
    with pytest.raises(ProtocolError):
        decode_body(b"\xff")
    with pytest.raises(ProtocolError):
        encode_body({"x": float("nan")})
    with pytest.raises(ProtocolError):
        encode_body({"x": {1, 2}})


def test_only_out_of_order_alone_is_not_final() -> None:
    out_of_order = PushResult(
        "k", PushStatus.REJECTED, reasons=(Reason("NAT.OUT_OF_ORDER", "wait"),)
    )
    assert not out_of_order.final and not out_of_order.acknowledged
    assert REJECTED.final and not REJECTED.acknowledged
    assert PushResult("k", PushStatus.DUPLICATE, "N").acknowledged
