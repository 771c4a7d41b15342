"""The wire bytes of every message, pinned; hostile JSON is refused with the documented error.

The expected values were produced by the hand-written codec that preceded the pydantic models, and
are checked in as literals: the messages' bytes (key order included) and the refusal of every case
of a deterministic corpus of malformed values (``wire_faults.json``, one outcome per case, in the
order :func:`cases` yields them). A case the old codec crashed on (a ``status`` that is an array or
an object) is now refused like any other malformed status.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.errors import PermanentDeliveryError, TransientDeliveryError
from hub.national.client import NationalClient
from hub.national.protocol import (
    ErrorBody,
    PushBatch,
    PushItem,
    PushReply,
    PushResult,
    PushStatus,
    Reason,
    Task,
    TaskPage,
)
from hub.national.sim.messages import AcceptedEntry, SimStats
from hub.national.wire import ProtocolError, decode_body, encode_body

ITEM = PushItem(
    "r1:2",
    "r1",
    2,
    "hazard",
    "src-330100",
    {"名称": "检查", "n": [1, None, True, 2.5], "k": {"z": 1, "a": '\u2028"\\'}},
)
DELETE = PushItem("r1:3", "r1", 3, "hazard", "src-330100", None, "delete")
REASON = Reason("NAT.CONTENT_REJECTED", "content rejected (simulated by --reject-rate)")
TASK = Task(
    "T-1", "task", "440106", "inspection", "双随机抽查", "天河区餐饮", "2026-11-20T09:00:00+08:00"
)
CLUE = Task("R-1", "risk_clue", "440104", None, "风险线索", "", "2026-11-21T09:00:00+08:00")
NATIONAL_ID = "SIMNAT-0123456789abcdef"

MESSAGES: dict[str, Any] = {
    "reason": REASON,
    "item": ITEM,
    "item_delete": DELETE,
    "batch": PushBatch("b-1", (ITEM, DELETE)),
    "batch_empty": PushBatch("b-empty", ()),
    "result_accepted": PushResult("r1:2", PushStatus.ACCEPTED, NATIONAL_ID),
    "result_duplicate": PushResult("r1:2", PushStatus.DUPLICATE, NATIONAL_ID),
    "result_rejected": PushResult(
        "r1:3",
        PushStatus.REJECTED,
        reasons=(REASON, Reason("NAT.OUT_OF_ORDER", "version 2 has not arrived")),
    ),
    "reply": PushReply(
        "b-1",
        (
            PushResult("r1:2", PushStatus.ACCEPTED, "N-1"),
            PushResult("r1:3", PushStatus.REJECTED, None, (REASON,)),
        ),
    ),
    "error": ErrorBody("NAT.TOO_LARGE", "the body exceeds 33554432 bytes"),
    "accepted_entry": AcceptedEntry("r1:1", "r1", 1, "N-1", "2025-03-01T00:00:00.000Z"),
    "accepted_entry_delete": AcceptedEntry(
        "r1:2", "r1", 2, "N-2", "2025-03-01T00:00:01.000Z", "delete"
    ),
    "stats": SimStats(
        requests=3, items=5, accepted=2, duplicates=1, rejected=2, failed_requests=1, out_of_order=1
    ),
    "stats_zero": SimStats(),
    "task": TASK,
    "risk_clue": CLUE,
    "task_page": TaskPage((TASK, CLUE), 7),
    "task_page_empty": TaskPage((), 0),
}

WIRE = {
    "reason": '{"code":"NAT.CONTENT_REJECTED","message":"content rejected (simulated by --reject-rate)"}',  # noqa: E501
    "item": '{"idempotency_key":"r1:2","record_id":"r1","version":2,"record_type":"hazard","source_id":"src-330100","content":{"名称":"检查","n":[1,null,true,2.5],"k":{"z":1,"a":"\u2028\\"\\\\"}}}',  # noqa: E501
    "item_delete": '{"idempotency_key":"r1:3","record_id":"r1","version":3,"record_type":"hazard","source_id":"src-330100","content":null,"operation":"delete"}',  # noqa: E501
    "batch": '{"batch_id":"b-1","items":[{"idempotency_key":"r1:2","record_id":"r1","version":2,"record_type":"hazard","source_id":"src-330100","content":{"名称":"检查","n":[1,null,true,2.5],"k":{"z":1,"a":"\u2028\\"\\\\"}}},{"idempotency_key":"r1:3","record_id":"r1","version":3,"record_type":"hazard","source_id":"src-330100","content":null,"operation":"delete"}]}',  # noqa: E501
    "batch_empty": '{"batch_id":"b-empty","items":[]}',
    "result_accepted": '{"idempotency_key":"r1:2","status":"accepted","national_id":"SIMNAT-0123456789abcdef","reasons":[]}',  # noqa: E501
    "result_duplicate": '{"idempotency_key":"r1:2","status":"duplicate","national_id":"SIMNAT-0123456789abcdef","reasons":[]}',  # noqa: E501
    "result_rejected": '{"idempotency_key":"r1:3","status":"rejected","national_id":null,"reasons":[{"code":"NAT.CONTENT_REJECTED","message":"content rejected (simulated by --reject-rate)"},{"code":"NAT.OUT_OF_ORDER","message":"version 2 has not arrived"}]}',  # noqa: E501
    "reply": '{"batch_id":"b-1","results":[{"idempotency_key":"r1:2","status":"accepted","national_id":"N-1","reasons":[]},{"idempotency_key":"r1:3","status":"rejected","national_id":null,"reasons":[{"code":"NAT.CONTENT_REJECTED","message":"content rejected (simulated by --reject-rate)"}]}]}',  # noqa: E501
    "error": '{"error":{"code":"NAT.TOO_LARGE","message":"the body exceeds 33554432 bytes"}}',
    "accepted_entry": '{"idempotency_key":"r1:1","record_id":"r1","version":1,"national_id":"N-1","accepted_at":"2025-03-01T00:00:00.000Z","operation":"upsert"}',  # noqa: E501
    "accepted_entry_delete": '{"idempotency_key":"r1:2","record_id":"r1","version":2,"national_id":"N-2","accepted_at":"2025-03-01T00:00:01.000Z","operation":"delete"}',  # noqa: E501
    "stats": '{"requests":3,"items":5,"accepted":2,"duplicates":1,"rejected":2,"failed_requests":1,"out_of_order":1}',  # noqa: E501
    "stats_zero": '{"requests":0,"items":0,"accepted":0,"duplicates":0,"rejected":0,"failed_requests":0,"out_of_order":0}',  # noqa: E501
    "task": '{"task_id":"T-1","kind":"task","region_code":"440106","record_type":"inspection","title":"双随机抽查","detail":"天河区餐饮","issued_at":"2026-11-20T09:00:00+08:00"}',  # noqa: E501
    "risk_clue": '{"task_id":"R-1","kind":"risk_clue","region_code":"440104","record_type":null,"title":"风险线索","detail":"","issued_at":"2026-11-21T09:00:00+08:00"}',  # noqa: E501
    "task_page": '{"items":[{"task_id":"T-1","kind":"task","region_code":"440106","record_type":"inspection","title":"双随机抽查","detail":"天河区餐饮","issued_at":"2026-11-20T09:00:00+08:00"},{"task_id":"R-1","kind":"risk_clue","region_code":"440104","record_type":null,"title":"风险线索","detail":"","issued_at":"2026-11-21T09:00:00+08:00"}],"next_cursor":7}',  # noqa: E501
    "task_page_empty": '{"items":[],"next_cursor":0}',
}


@pytest.mark.parametrize("name", list(MESSAGES))
def test_wire_bytes_are_pinned(name: str) -> None:
    message = MESSAGES[name]
    assert encode_body(message.to_json()) == WIRE[name].encode("utf-8")
    # and the bytes decode to the same message, which encodes to the same bytes again
    again = type(message).from_json(decode_body(WIRE[name].encode("utf-8")))
    assert again == message
    assert encode_body(again.to_json()) == WIRE[name].encode("utf-8")


def test_every_message_type_is_pinned() -> None:
    assert {type(m) for m in MESSAGES.values()} == {
        Reason,
        PushItem,
        PushBatch,
        PushResult,
        PushReply,
        ErrorBody,
        AcceptedEntry,
        SimStats,
        Task,
        TaskPage,
    }


# -- hostile values, message by message ------------------------------------------------------------

DECODERS: dict[str, Any] = {
    cls.__name__: cls
    for cls in (
        Reason,
        PushItem,
        PushBatch,
        PushResult,
        PushReply,
        ErrorBody,
        AcceptedEntry,
        SimStats,
        Task,
        TaskPage,
    )
}

BAD = [
    None,
    "",
    "x",
    0,
    -1,
    1,
    2.0,
    True,
    [],
    {},
    [1],
    {"a": 1},
    "accepted",
    "rejected",
    "delete",
    "task",
]

REASON = {"code": "NAT.CONTENT_REJECTED", "message": "no"}
ITEM = {
    "idempotency_key": "r1:2",
    "record_id": "r1",
    "version": 2,
    "record_type": "hazard",
    "source_id": "src",
    "content": {"名称": "检查"},
}
RESULT = {"idempotency_key": "r1:2", "status": "rejected", "national_id": None, "reasons": [REASON]}
TASK = {
    "task_id": "T-1",
    "kind": "task",
    "region_code": "440106",
    "record_type": None,
    "title": "抽查",
    "detail": "",
    "issued_at": "2026-11-20T09:00:00+08:00",
}
VALID: dict[str, Any] = {
    "Reason": REASON,
    "PushItem": {**ITEM, "operation": "delete"},
    "PushBatch": {"batch_id": "b-1", "items": [ITEM]},
    "PushResult": RESULT,
    "PushReply": {
        "batch_id": "b-1",
        "results": [RESULT, {**RESULT, "status": "accepted", "national_id": "N", "reasons": []}],
    },
    "ErrorBody": {"error": {"code": "NAT.X", "message": "m"}},
    "AcceptedEntry": {
        "idempotency_key": "r1:1",
        "record_id": "r1",
        "version": 1,
        "national_id": "N",
        "accepted_at": "2025-03-01T00:00:00.000Z",
        "operation": "upsert",
    },
    "SimStats": {
        "requests": 3,
        "items": 5,
        "accepted": 2,
        "duplicates": 1,
        "rejected": 2,
        "failed_requests": 0,
        "out_of_order": 1,
    },
    "Task": TASK,
    "TaskPage": {"items": [TASK], "next_cursor": 4},
}
NESTED = {"items", "results", "reasons", "error"}


def _variants(value: Any, depth: int) -> Iterator[Any]:
    """One fault, and (at the top) two faults, in a JSON object."""
    yield from ([], "s", 1, None, True)
    if not isinstance(value, dict):
        return
    keys = list(value)
    for key in keys:
        yield {k: v for k, v in value.items() if k != key}
        for bad in BAD:
            yield {**value, key: bad}
        inner = value[key]
        if key in NESTED and depth < 2:
            if isinstance(inner, list) and inner:
                for sub in _variants(inner[0], depth + 1):
                    yield {**value, key: [sub, *inner[1:]]}
            elif isinstance(inner, dict):
                for sub in _variants(inner, depth + 1):
                    yield {**value, key: sub}
    yield {**value, "extra": {"x": 1}}
    if depth == 0:
        for i, a in enumerate(keys):
            for b in keys[i + 1 :]:
                for bad_a in (None, "", 7):
                    for bad_b in (None, [], -1):
                        yield {**value, a: bad_a, b: bad_b}
                yield {k: v for k, v in value.items() if k not in (a, b)}


def cases() -> Iterator[tuple[str, str]]:
    """(message type, JSON text) pairs, deterministic and without repeats."""
    seen: set[tuple[str, str]] = set()
    for name, value in VALID.items():
        for variant in [value, *_variants(value, 0)]:
            case = (name, json.dumps(variant, ensure_ascii=False, sort_keys=False))
            if case not in seen:
                seen.add(case)
                yield case


FAULTS = Path(__file__).with_name("wire_faults.json")


def outcome(name: str, text: str) -> str:
    """``ok <digest of the re-encoded bytes>`` or ``refused <the ProtocolError's text>``."""
    try:
        message = DECODERS[name].from_json(json.loads(text))
    except ProtocolError as exc:
        return f"refused {exc}"
    digest = hashlib.sha256(encode_body(message.to_json())).hexdigest()[:16]
    return f"ok {digest}"


def test_hostile_values_get_the_documented_refusal() -> None:
    expected = json.loads(FAULTS.read_text(encoding="utf-8"))
    got = [outcome(name, text) for name, text in cases()]
    assert len(got) == len(expected)
    wrong = [
        (name, text, want, have)
        for (name, text), want, have in zip(cases(), expected, got, strict=True)
        if want != have
    ]
    assert wrong == []


# -- hostile replies, through the client -----------------------------------------------------------

_RESULT = '{"idempotency_key": "r1:1", "status": %s, "national_id": null, "reasons": []}'
_MALFORMED = "[DELIVERY.PERMANENT] national push b1: malformed reply: "
_TASKS_MALFORMED = "[DELIVERY.PERMANENT] national tasks: malformed reply: "


@pytest.mark.parametrize(
    ("body", "push_error", "tasks_error"),
    [
        (b"", "body is not UTF-8 JSON: JSONDecodeError", "body is not UTF-8 JSON: JSONDecodeError"),
        (b"\xff\xfe", "body is not UTF-8 JSON: UnicodeDecodeError", None),
        (b"\xef\xbb\xbf{}", "body is not UTF-8 JSON: JSONDecodeError", None),
        (b"{", "body is not UTF-8 JSON: JSONDecodeError", None),
        (b"[" * 100_000 + b"]" * 100_000, "body is not UTF-8 JSON: RecursionError", None),
        (b"null", "reply must be a JSON object", "task page must be a JSON object"),
        (b'"x"', "reply must be a JSON object", "task page must be a JSON object"),
        (b"NaN", "NaN is not JSON", "NaN is not JSON"),
        (b'{"batch_id": "b1", "results": [], "x": Infinity}', "Infinity is not JSON", None),
        (b'{"batch_id": 1e400, "results": []}', "reply.batch_id must be a non-empty string", None),
        # the old codec crashed on these two (TypeError: unhashable type)
        (
            b'{"batch_id": "b1", "results": [' + (_RESULT % '["accepted"]').encode() + b"]}",
            "result.status must be accepted, duplicate or rejected",
            "task page.items must be a JSON array",
        ),
        (
            b'{"batch_id": "b1", "results": [' + (_RESULT % '{"a": 1}').encode() + b"]}",
            "result.status must be accepted, duplicate or rejected",
            None,
        ),
        (
            b'{"batch_id": "b1", "results": [{"idempotency_key": "r1:1", "status": "rejected",'
            b' "national_id": null, "reasons": [{"code": "X", "message": 5}]}]}',
            "reason.message must be a non-empty string",
            None,
        ),
        (
            b'{"items": [{"task_id": "T"}], "next_cursor": 1}',
            None,
            "task.kind must be a non-empty string",
        ),
        (
            b'{"items": [], "next_cursor": -1}',
            None,
            "task page.next_cursor must be an integer >= 0",
        ),
    ],
)
def test_a_hostile_reply_is_a_permanent_delivery_error(
    body: bytes, push_error: str | None, tasks_error: str | None
) -> None:
    item = PushItem("r1:1", "r1", 1, "hazard", "s", {"a": 1})
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    with NationalClient("http://n.test", transport=transport, attempts=1, backoff_s=0) as client:
        if push_error is not None:
            with pytest.raises(PermanentDeliveryError) as push:
                client.push("b1", [item])
            assert str(push.value) == _MALFORMED + push_error
        if tasks_error is not None:
            with pytest.raises(PermanentDeliveryError) as tasks:
                client.tasks(0)
            assert str(tasks.value) == _TASKS_MALFORMED + tasks_error


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b'{"error": {"code": "NAT.X", "message": "m"}}', "HTTP 400 NAT.X: m"),
        (b'{"error": {"code": ["NAT.X"], "message": "m"}}', "HTTP 400"),
        (b'{"error": {"code": "NAT.X"}}', "HTTP 400"),
        (b'{"error": "NAT.X"}', "HTTP 400"),
        (b"[]", "HTTP 400"),
        (b"\xff", "HTTP 400"),
    ],
)
def test_a_hostile_error_reply_is_named_by_its_status_alone(body: bytes, said: str) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(400, content=body))
    item = PushItem("r1:1", "r1", 1, "hazard", "s", {"a": 1})
    client = NationalClient("http://n.test", transport=transport, attempts=1, backoff_s=0)
    with client, pytest.raises(PermanentDeliveryError) as refused:
        client.push("b1", [item])
    assert str(refused.value) == f"[DELIVERY.PERMANENT] national push b1 refused: {said}"
    # a 5xx is worth a retry, whatever its body says
    transport = httpx.MockTransport(lambda request: httpx.Response(503, content=body))
    client = NationalClient("http://n.test", transport=transport, attempts=1, backoff_s=0)
    with client, pytest.raises(TransientDeliveryError):
        client.push("b1", [item])
