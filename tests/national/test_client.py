"""The client adapter against scripted peers (``httpx.MockTransport``): when to retry, and how."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from hub.errors import ConfigError, PermanentDeliveryError, TransientDeliveryError
from hub.national.client import MAX_INLINE_WAIT_S, NationalClient
from hub.national.protocol import PushItem, PushReply, PushResult, PushStatus, Reason

from .conftest import MakeItem

Handler = Callable[[httpx.Request], httpx.Response]


class Peer:
    """A scripted peer: replies in turn (the last one repeats), and remembers the requests."""

    def __init__(self, *replies: httpx.Response | Exception | Handler) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies[min(len(self.requests), len(self.replies)) - 1]
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, httpx.Response):
            return reply
        return reply(request)

    def client(self, **options: float) -> NationalClient:
        settings: dict[str, float] = {"backoff_s": 0.001, **options}
        return NationalClient(
            "http://national.test/api",
            transport=httpx.MockTransport(self),
            timeout_s=settings.pop("timeout_s", 5.0),
            attempts=int(settings.pop("attempts", 3)),
            backoff_s=settings.pop("backoff_s"),
        )


def ack_all(request: httpx.Request) -> httpx.Response:
    """A well-behaved peer: accepts every item it is sent."""
    batch = json.loads(request.content)
    results = [
        PushResult(i["idempotency_key"], PushStatus.ACCEPTED, "N-" + i["idempotency_key"])
        for i in batch["items"]
    ]
    return httpx.Response(200, json=PushReply(batch["batch_id"], tuple(results)).to_json())


def reply_with(*results: PushResult, batch_id: str = "b1") -> httpx.Response:
    return httpx.Response(200, json=PushReply(batch_id, results).to_json())


def error(status: int, code: str = "NAT.X", **headers: str) -> httpx.Response:
    body = {"error": {"code": code, "message": "scripted"}}
    return httpx.Response(status, json=body, headers=headers)


def test_posts_the_batch_to_the_push_path(item: MakeItem) -> None:
    peer = Peer(ack_all)
    with peer.client() as client:
        results = client.push("b1", [item("r1"), item("r2")])
    assert [r.idempotency_key for r in results] == ["r1:1", "r2:1"]
    assert all(r.status is PushStatus.ACCEPTED for r in results)
    (request,) = peer.requests
    assert request.method == "POST"
    assert request.url == "http://national.test/api/v1/push"
    assert request.headers["content-type"].startswith("application/json")
    assert json.loads(request.content)["items"][0] == item("r1").to_json()


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_transient_status_is_retried_until_it_passes(item: MakeItem, status: int) -> None:
    peer = Peer(error(status), error(status), ack_all)
    with peer.client(attempts=3) as client:
        (result,) = client.push("b1", [item("r1")])
    assert result.acknowledged
    assert len(peer.requests) == 3


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("cut"),
        error(503, "NAT.UNAVAILABLE"),
    ],
)
def test_gives_up_after_attempts_with_a_transient_error(
    item: MakeItem, failure: httpx.Response | Exception
) -> None:
    peer = Peer(failure)
    with peer.client(attempts=4) as client, pytest.raises(TransientDeliveryError) as caught:
        client.push("b1", [item("r1")])
    assert len(peer.requests) == 4
    assert "after 4 tries" in str(caught.value)
    assert caught.value.retry_after > 0
    assert not isinstance(caught.value.__cause__, httpx.HTTPError)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 413, 422])
def test_other_4xx_is_permanent_at_once(item: MakeItem, status: int) -> None:
    peer = Peer(error(status, "NAT.MALFORMED_BATCH"), ack_all)
    with peer.client() as client, pytest.raises(PermanentDeliveryError) as caught:
        client.push("b1", [item("r1")])
    assert len(peer.requests) == 1
    assert f"HTTP {status} NAT.MALFORMED_BATCH" in str(caught.value)


def test_retry_after_is_honoured(item: MakeItem) -> None:
    peer = Peer(error(429, **{"Retry-After": "0.3"}), ack_all)
    began = time.monotonic()
    with peer.client(backoff_s=0.001) as client:
        client.push("b1", [item("r1")])
    assert time.monotonic() - began >= 0.3
    assert len(peer.requests) == 2


def test_retry_after_as_http_date(item: MakeItem) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    peer = Peer(error(503, **{"Retry-After": later}))
    with peer.client() as client, pytest.raises(TransientDeliveryError) as caught:
        client.push("b1", [item("r1")])
    assert 100 < caught.value.retry_after <= 120


def test_a_long_retry_after_goes_back_to_the_caller(item: MakeItem) -> None:
    peer = Peer(error(429, **{"Retry-After": str(int(MAX_INLINE_WAIT_S) + 50)}), ack_all)
    began = time.monotonic()
    with peer.client(attempts=5) as client, pytest.raises(TransientDeliveryError) as caught:
        client.push("b1", [item("r1")])
    assert time.monotonic() - began < 1
    assert len(peer.requests) == 1
    assert caught.value.retry_after == MAX_INLINE_WAIT_S + 50


@pytest.mark.parametrize(
    "reply",
    [
        httpx.Response(200, content=b"<html>gateway</html>"),
        httpx.Response(200, json={"batch_id": "b1"}),
        httpx.Response(200, json={"batch_id": "b1", "results": [{"status": "accepted"}]}),
        reply_with(batch_id="other"),
        reply_with(PushResult("r1:1", PushStatus.ACCEPTED, "N")),  # misses r2:1
        reply_with(
            PushResult("r1:1", PushStatus.ACCEPTED, "N"),
            PushResult("r2:1", PushStatus.ACCEPTED, "N"),
            PushResult("r9:1", PushStatus.ACCEPTED, "N"),  # never pushed
        ),
        httpx.Response(204),
        httpx.Response(302, headers={"Location": "http://elsewhere.test/"}),
    ],
)
def test_a_reply_that_does_not_answer_is_permanent(item: MakeItem, reply: httpx.Response) -> None:
    peer = Peer(reply, ack_all)
    with peer.client() as client, pytest.raises(PermanentDeliveryError):
        client.push("b1", [item("r1"), item("r2")])
    assert len(peer.requests) == 1


def test_repeated_results_are_merged_by_key(item: MakeItem) -> None:
    accepted = PushResult("r1:1", PushStatus.ACCEPTED, "N-1")
    rejected = PushResult("r2:1", PushStatus.REJECTED, None, (Reason("NAT.CONTENT_REJECTED", "x"),))
    peer = Peer(reply_with(rejected, accepted, rejected, accepted, accepted))
    with peer.client() as client:
        results = client.push("b1", [item("r1"), item("r2"), item("r1")])
    assert results == [accepted, rejected]


def test_an_acknowledgement_wins_over_an_earlier_rejection_of_the_same_key(
    item: MakeItem,
) -> None:
    too_early = PushResult("r1:2", PushStatus.REJECTED, None, (Reason("NAT.OUT_OF_ORDER", "x"),))
    accepted = PushResult("r1:2", PushStatus.ACCEPTED, "N")
    peer = Peer(reply_with(too_early, PushResult("r1:1", PushStatus.ACCEPTED, "M"), accepted))
    with peer.client() as client:
        results = client.push("b1", [item("r1", 2), item("r1", 1), item("r1", 2)])
    assert results[0] == accepted


def test_an_empty_batch_sends_nothing() -> None:
    peer = Peer(ack_all)
    with peer.client() as client:
        assert client.push("b1", []) == []
    assert peer.requests == []


def test_content_that_is_not_json_is_permanent(item: MakeItem) -> None:
    peer = Peer(ack_all)
    with peer.client() as client, pytest.raises(PermanentDeliveryError):
        client.push("b1", [item("r1", content={"amount": float("nan")})])
    assert peer.requests == []


def test_content_never_reaches_logs_or_errors(
    item: MakeItem, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "110101199003077777-张三"
    caplog.set_level(logging.DEBUG)
    peer = Peer(error(503), error(400))
    with peer.client() as client, pytest.raises(PermanentDeliveryError) as caught:
        client.push("b1", [item("r1", content={"id_number": secret})])
    assert "try 1 of 3 failed" in caplog.text
    assert secret not in caplog.text
    assert secret not in str(caught.value)


@pytest.mark.parametrize(
    "options",
    [
        {"attempts": 0},
        {"timeout_s": 0},
        {"backoff_s": -1},
        {"base_url": "ftp://national.test"},
        {"base_url": "national.test"},
        {"base_url": "http://national.test:99999"},
    ],
)
def test_unusable_settings_are_config_errors(options: dict[str, object]) -> None:
    base_url = str(options.pop("base_url", "http://national.test"))
    with pytest.raises(ConfigError):
        NationalClient(base_url, **options)  # type: ignore[arg-type]


def test_pushitem_content_is_kept_out_of_repr(item: MakeItem) -> None:
    assert "隐患" not in repr(item("r1"))
    assert isinstance(item("r1"), PushItem)
