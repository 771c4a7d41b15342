"""The reviewer's findings on the console's API, each refused now: cross-site actions (CSRF),
deep JSON, a forged X-Forwarded-For, token sign-in, Chinese-first refusals, lenient pages,
region codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.api.server import ApiServer
from hub.backends import backend_for
from hub.settings import HubSettings
from hub.storage.chain import JOURNAL
from tests.api.conftest import Api
from tests.api.test_accounts import PASSWORDS, console, sign_in

OWN = {"Origin": "http://testserver"}


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[tuple[Api, dict[str, str]]]:
    with console(HubSettings(data_dir=tmp_path / "hub")) as found:
        yield found


def _chinese_first(message: str) -> bool:
    return "\u4e00" <= message[0] <= "\u9fff" and " / " in message


def test_actions_refuse_other_content_types_and_other_origins(
    hub: tuple[Api, dict[str, str]],
) -> None:
    api, tokens = hub
    client = api.client
    assert sign_in(client, "op").status_code == 200  # the session cookie, as a browser has it
    # what a cross-site no-cors fetch can send: text/plain, no preflight
    plain = client.post(
        "/v1/deliveries/redrive", content=b"{}", headers={"Content-Type": "text/plain"}
    )
    assert plain.status_code == 415, plain.text
    assert plain.json()["error"]["code"] == "API.CONTENT_TYPE"
    for headers in (
        {"Origin": "http://127.0.0.2:8080"},
        {"Origin": "null"},  # a sandboxed frame, a file: page
        {"Origin": "http://[::1"},  # not a URL
        {"Origin": "http://testserver:8081"},  # another port: another origin
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", **OWN},
    ):
        refused = client.post("/v1/deliveries/redrive", json={"delivery_ids": []}, headers=headers)
        assert refused.status_code == 403, (headers, refused.text)
        error = refused.json()["error"]
        assert error["code"] == "V1.CROSS_ORIGIN" and _chinese_first(error["message"])
    # "all dead" must be said: {} names nothing, and is refused
    empty = client.post("/v1/deliveries/redrive", json={}, headers=OWN)
    assert empty.status_code == 422 and "delivery_ids" in empty.text
    ok = client.post("/v1/deliveries/redrive", json={"delivery_ids": []}, headers=OWN)
    assert ok.status_code == 200, ok.text
    # behind a proxy that ends TLS the page is https while the hub sees http: the host decides
    tls = {"Origin": "https://testserver:443"}
    assert (
        client.post("/v1/deliveries/redrive", json={"delivery_ids": []}, headers=tls).status_code
        == 200
    )
    every = client.post("/v1/deliveries/redrive", json={"delivery_ids": None}, headers=OWN)
    assert every.status_code == 200 and every.json()["moved"] == 0
    # the quarantine release and signing in and out: the same guard
    release = client.post(
        "/v1/quarantine/release", content=b'{"origins": []}', headers={"Content-Type": "text/plain"}
    )
    assert release.status_code == 415
    body = json.dumps({"name": "op", "password": PASSWORDS["op"]})
    assert client.post("/v1/session", content=body).status_code == 415  # no Content-Type
    foreign = {"Origin": "http://127.0.0.2", "Content-Type": "application/json"}
    assert client.post("/v1/session", content=body, headers=foreign).status_code == 403
    assert client.delete("/v1/session", headers={"Origin": "http://127.0.0.2"}).status_code == 403
    assert client.get("/v1/session").status_code == 200  # still signed in
    # a script with a bearer token and no cookie need not name an Origin
    client.cookies.clear()
    bearer = {"Authorization": f"Bearer {tokens['op']}"}
    assert (
        client.post("/v1/deliveries/redrive", json={"delivery_ids": []}, headers=bearer).status_code
        == 200
    )


def test_deep_json_is_a_400_in_chinese_first_not_a_500(hub: tuple[Api, dict[str, str]]) -> None:
    api, tokens = hub
    deep = b"[" * 100_000 + b"]" * 100_000
    headers = {"Authorization": f"Bearer {tokens['op']}", "Content-Type": "application/json"}
    for path, body in (
        ("/v1/quarantine/release", deep),
        ("/v1/deliveries/redrive", deep),
        ("/v1/session", deep[:5000] + deep[-5000:]),  # under the sign-in's 16 KiB
    ):
        reply = api.client.post(path, content=body, headers=headers)
        assert reply.status_code == 400, (path, reply.text[:200])
        error = reply.json()["error"]
        assert error["code"] == "API.MALFORMED" and _chinese_first(error["message"])
    # under orjson's own bound, still deeper than an action's body may be
    nested = b'{"origins": ' + b"[" * 50 + b"]" * 50 + b"}"
    reply = api.client.post("/v1/quarantine/release", content=nested, headers=headers)
    assert reply.status_code == 400 and reply.json()["error"]["limit"] == "depth"


def test_the_password_field_takes_the_accounts_token(hub: tuple[Api, dict[str, str]]) -> None:
    api, tokens = hub
    signed = sign_in(api.client, "xh", tokens["xh"])
    assert signed.status_code == 200 and signed.json()["name"] == "xh"
    assert api.client.get("/v1/session").json()["name"] == "xh"
    api.client.cookies.clear()
    # another account's token is a wrong password: the same reply
    wrong = sign_in(api.client, "au", tokens["xh"])
    assert wrong.status_code == 401
    assert wrong.json() == sign_in(api.client, "au", "not-the-password").json()
    assert sign_in(api.client, "off", tokens["off"]).status_code == 401  # disabled
    for _ in range(2):  # token guesses count as failures too: five from this client now
        assert sign_in(api.client, "au", "hubacc_guess").status_code == 401
    assert sign_in(api.client, "au", tokens["au"]).status_code == 429


def test_refusals_of_parameters_and_paths_are_chinese_first(
    hub: tuple[Api, dict[str, str]],
) -> None:
    api, tokens = hub
    bearer = {"Authorization": f"Bearer {tokens['au']}"}
    unknown = api.client.get("/v1/queues?x=1", headers=bearer)
    assert unknown.status_code == 422
    error = unknown.json()["error"]
    assert error["code"] == "API.PARAMS" and error["message"].startswith("未知的查询参数：x / ")
    bad = api.client.get("/v1/queues?limit=5000", headers=bearer)
    assert bad.status_code == 422
    message = bad.json()["error"]["message"]
    assert message.startswith("请求参数不符合要求：query.limit：应小于或等于 1000 / ")
    assert "less than or equal to 1000" in message
    missing = api.client.get("/v1/no-such-thing", headers=bearer)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "API.NOT_FOUND"
    assert _chinese_first(missing.json()["error"]["message"])
    method = api.client.put("/v1/session", headers=bearer)
    assert method.status_code == 405 and "GET" in method.headers["allow"]
    assert method.json()["error"]["code"] == "API.METHOD"


def test_console_pages_take_any_query_and_a_long_trace_query(
    hub: tuple[Api, dict[str, str]],
) -> None:
    api, _ = hub
    for path in ("/?lang=en", "/signin?next=/queues", "/trace?q=rec-x&utm_source=mail"):
        page = api.client.get(path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert api.client.get("/trace", params={"q": "x" * 300}).status_code == 200


def test_region_codes_are_ascii_digits_of_the_table(hub: tuple[Api, dict[str, str]]) -> None:
    api, tokens = hub
    bearer = {"Authorization": f"Bearer {tokens['au']}"}
    assert api.client.get("/v1/regions?parent=330100", headers=bearer).status_code == 200
    wide = api.client.get("/v1/regions", params={"parent": "３３０１００"}, headers=bearer)
    assert wide.status_code == 422
    absent = api.client.get("/v1/regions?parent=990000", headers=bearer)
    assert absent.status_code == 404, absent.text  # well-formed: not found (the fuzzer agrees)
    assert absent.json()["error"]["message"].startswith("990000 不在行政区划表中")


def _journaled_clients(settings: HubSettings) -> list[Any]:
    store = backend_for(settings).store()
    try:
        return [
            json.loads(e.body)["detail"].get("client")
            for e in store.chained(JOURNAL, 0, 1000)
            if e.event_type == "action"
        ]
    finally:
        store.close()


def test_x_forwarded_for_names_no_client_over_a_real_server(tmp_path: Path) -> None:
    settings = HubSettings(data_dir=tmp_path / "hub", api_host="127.0.0.1", api_port=0)
    with console(settings):
        server = ApiServer(settings)
        url = server.start()
        try:
            with httpx.Client(base_url=url) as client:
                signed = client.post(
                    "/v1/session",
                    json={"name": "op", "password": PASSWORDS["op"]},
                    headers={"X-Forwarded-For": "203.0.113.7"},
                )
                assert signed.status_code == 200
                assert _journaled_clients(settings) == ["127.0.0.1"]
                replies = [
                    client.post(
                        "/v1/session",
                        json={"name": f"a{i}", "password": "guess-guess-guess"},
                        headers={"X-Forwarded-For": f"203.0.113.{i}"},
                    ).status_code
                    for i in range(settings.console_login_failures_per_minute + 1)
                ]
            assert replies[-1] == 429 and set(replies[:-1]) == {401}
        finally:
            server.stop()
