"""People's sign-in (issue 15) through the real app, on SQLite and on PostgreSQL: passwords,
account tokens, sessions that expire and end, bounded failures, roles enforced by ``require``,
a viewer's area, and a source's ingest token that signs nobody in."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from hub.api.actions import SESSION_COOKIE
from hub.api.roles import require, signed_in
from hub.api.routes.session import install_accounts
from hub.backends import backend_for
from hub.domain.accounts import Account, Principal
from hub.domain.credentials import digest, hash_password, new_token
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.storage.chain import JOURNAL
from hub.storage.pool import StorePool
from hub.testing.sources import COUNTY
from tests.api.conftest import Api, make_api

PASSWORDS = {
    "op": "operator-password-1",
    "au": "auditor-password-1",
    "xh": "viewer-password-1",  # a viewer of 西湖区
    "off": "disabled-password-1",
}
ACCOUNTS = (
    Account("op", "operator", None, False, "2026-01-01T00:00:00+00:00"),
    Account("au", "auditor", None, False, "2026-01-01T00:00:00+00:00"),
    Account("xh", "viewer", "330106", False, "2026-01-01T00:00:00+00:00"),
    Account("off", "operator", None, True, "2026-01-01T00:00:00+00:00"),
)
_HASHES = {name: hash_password(p) for name, p in PASSWORDS.items()}


@contextmanager
def console(settings: HubSettings) -> Iterator[tuple[Api, dict[str, str]]]:
    """The app with the accounts above (passwords set, a token each), plus routes that use
    :func:`require` and :func:`signed_in` as the /v1 routers will."""
    tokens = {a.name: new_token() for a in ACCOUNTS}
    with EmbeddedHub(settings):  # the schema (PostgreSQL migrations) before the accounts
        pass
    store = backend_for(settings).store()
    with store.transaction() as tx:
        for account in ACCOUNTS:
            tx.put_account(account)
            tx.set_account_password(account.name, _HASHES[account.name])
            tx.set_account_token(account.name, digest(tokens[account.name]))
    store.close()
    api_iter = make_api(settings)
    api = next(api_iter)
    app: Any = api.client.app

    @app.post("/t/act")
    def act(who: Annotated[Principal, Depends(require("operator"))]) -> dict[str, str]:
        return {"acted": who.name}

    @app.get("/t/audit")
    def audit(who: Annotated[Principal, Depends(require("auditor"))]) -> dict[str, str]:
        return {"audited": who.name}

    @app.get("/t/read")
    def read(who: Annotated[Principal, Depends(require("operator", "auditor", "viewer"))]) -> Any:
        regions = ["330106", "330102", "330200", "330000"]
        return {"regions": [r for r in regions if who.covers(r)], "personal": who.sees_personal}

    @app.get("/t/plain")
    def plain(who: Annotated[Principal, Depends(signed_in)]) -> dict[str, str]:
        return {"name": who.name}

    try:
        yield api, tokens
    finally:
        next(api_iter, None)


def _settings(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, **extra: Any
) -> HubSettings:
    if backend == "postgresql":
        extra["database_url"] = SecretStr(request.getfixturevalue("pg_url"))
    return HubSettings(data_dir=tmp_path / "hub", **extra)


@pytest.fixture(params=["sqlite", "postgresql"])
def signed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Api, dict[str, str]]]:
    with console(_settings(request.param, request, tmp_path)) as found:
        yield found


@pytest.fixture
def signed_sqlite(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Api, dict[str, str]]]:
    """For what does not depend on the backend (the bounds are in memory, bodies are refused
    before any lookup): SQLite only, to keep the suite fast (Argon2 is slow on purpose)."""
    with console(_settings("sqlite", request, tmp_path)) as found:
        yield found


def sign_in(client: TestClient, name: str, password: str | None = None) -> Any:
    return client.post("/v1/session", json={"name": name, "password": password or PASSWORDS[name]})


def test_sign_in_sets_a_strict_http_only_cookie_and_says_who(
    signed: tuple[Api, dict[str, str]],
) -> None:
    api, _ = signed
    reply = sign_in(api.client, "xh")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert {k: body[k] for k in ("name", "role", "region")} == {
        "name": "xh",
        "role": "viewer",
        "region": "330106",
    }
    assert body["expires_at"].endswith("+00:00")
    cookie = reply.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Max-Age=28800" in cookie and "Secure" not in cookie  # plain http here
    session = api.client.cookies[SESSION_COOKIE]
    assert session not in reply.text and PASSWORDS["xh"] not in reply.text
    again = api.client.get("/v1/session")
    assert again.status_code == 200 and again.json() == body
    assert api.client.get("/t/read").json() == {"regions": ["330106"], "personal": False}


def test_over_https_the_cookie_is_secure(signed_sqlite: tuple[Api, dict[str, str]]) -> None:
    api, _ = signed_sqlite
    with TestClient(api.client.app, base_url="https://testserver") as https:
        reply = sign_in(https, "op")
        assert reply.status_code == 200
        assert "Secure" in reply.headers["set-cookie"]


def test_a_wrong_password_and_an_unknown_name_are_refused_alike(
    signed: tuple[Api, dict[str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    api, _ = signed
    caplog.set_level(logging.DEBUG)
    wrong = sign_in(api.client, "op", "not-the-password")
    unknown = sign_in(api.client, "nobody", "not-the-password")
    disabled = sign_in(api.client, "off")
    for reply in (wrong, unknown, disabled):
        assert reply.status_code == 401
        assert reply.json() == wrong.json()
        assert SESSION_COOKIE not in reply.headers.get("set-cookie", "")
    assert wrong.json()["error"]["code"] == "API.SIGN_IN.REFUSED"
    assert "not-the-password" not in caplog.text and PASSWORDS["off"] not in caplog.text
    assert api.client.get("/v1/session").status_code == 401


def test_failed_sign_ins_are_bounded_per_account_and_per_client(
    signed_sqlite: tuple[Api, dict[str, str]],
) -> None:
    api, _ = signed_sqlite
    app: Any = api.client.app
    now = [1_000_000.0]
    app.state.accounts.clock = lambda: now[0]
    for _ in range(5):
        assert sign_in(api.client, "op", "guess-guess-guess").status_code == 401
    locked = sign_in(api.client, "op")  # even the right password: not checked now
    assert locked.status_code == 429
    assert 0 < int(locked.headers["retry-after"]) <= 60
    assert locked.json()["error"]["code"] == "API.SIGN_IN.LIMIT"
    # another client is refused for this account too, but may sign in as another
    with TestClient(app, client=("127.0.0.2", 40000)) as other:
        assert sign_in(other, "op").status_code == 429
        assert sign_in(other, "au").status_code == 200
        # per client: five names guessed from one address lock that address out
        for name in ("a1", "a2", "a3", "a4", "a5"):
            assert sign_in(other, name, "guess-guess-guess").status_code == 401
        assert sign_in(other, "xh").status_code == 429
    now[0] += 61  # a minute later the failures are forgotten
    assert sign_in(api.client, "op").status_code == 200


def test_a_session_expires(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """A one-second session on the app's clock (SQLite: the storage side of expiry is in the
    contract, on both backends)."""
    settings = _settings("sqlite", request, tmp_path, console_session_ttl_s=1.0)
    with console(settings) as (api, _):
        app: Any = api.client.app
        now = [time.time()]
        app.state.accounts.clock = lambda: now[0]
        reply = sign_in(api.client, "au")
        assert reply.status_code == 200 and "Max-Age=1" in reply.headers["set-cookie"]
        now[0] += 0.9
        assert api.client.get("/v1/session").status_code == 200
        now[0] += 0.2
        expired = api.client.get("/v1/session")
        assert expired.status_code == 401 and "expired" in expired.json()["error"]["message"]
        assert api.client.get("/t/plain").status_code == 401
        store = backend_for(api.settings).store()
        with store.transaction() as tx:  # what the next sign-in does on its way
            assert tx.end_expired_sessions(now[0]) == 1
        store.close()


def test_signing_out_ends_the_session_and_is_journaled(
    signed: tuple[Api, dict[str, str]],
) -> None:
    api, _ = signed
    assert sign_in(api.client, "op").status_code == 200
    session = api.client.cookies[SESSION_COOKIE]
    out = api.client.delete("/v1/session")
    assert out.status_code == 200 and out.json() == {"signed_out": True}
    assert f'{SESSION_COOKIE}=""' in out.headers["set-cookie"]
    assert api.client.get("/v1/session").status_code == 401
    api.client.cookies.set(SESSION_COOKIE, session)  # the old cookie, kept by someone
    assert api.client.get("/v1/session").status_code == 401
    api.client.cookies.clear()
    assert api.client.delete("/v1/session").json() == {"signed_out": False}
    store = backend_for(api.settings).store()
    actions = [
        (json.loads(e.body)["action"], e.key)
        for e in store.chained(JOURNAL, 0, 1000)
        if e.event_type == "action"
    ]
    store.close()
    assert actions == [("session.start", "op"), ("session.end", "op")]


def test_an_account_token_signs_in_and_a_source_token_does_not(
    signed: tuple[Api, dict[str, str]],
) -> None:
    api, tokens = signed
    bearer = {"Authorization": f"Bearer {tokens['au']}"}
    who = api.client.get("/v1/session", headers=bearer)
    assert who.status_code == 200
    assert who.json() == {"name": "au", "role": "auditor", "region": None, "expires_at": None}
    assert api.client.get("/t/audit", headers=bearer).json() == {"audited": "au"}
    source = {"Authorization": f"Bearer {api.tokens[COUNTY.source_id]}"}
    for path in ("/v1/session", "/t/plain", "/t/read"):
        refused = api.client.get(path, headers=source)
        assert refused.status_code == 401, path
        assert refused.json()["error"]["code"] == "API.SIGN_IN"
    # nor does an account's token submit records or read a source's feedback
    assert api.client.get("/v1/feedback", headers=bearer).status_code == 401
    assert api.client.get("/v1/feedback", headers=source).status_code == 200
    disabled = {"Authorization": f"Bearer {tokens['off']}"}
    assert api.client.get("/v1/session", headers=disabled).status_code == 401
    for header in ("Basic abc", "Bearer", "Bearer " + "x" * 5000):
        assert api.client.get("/v1/session", headers={"Authorization": header}).status_code == 401


def test_roles_are_enforced_by_require(signed: tuple[Api, dict[str, str]]) -> None:
    api, tokens = signed

    def status(name: str | None, method: str, path: str) -> int:
        headers = {"Authorization": f"Bearer {tokens[name]}"} if name else {}
        return api.client.request(method, path, headers=headers).status_code

    assert status("op", "POST", "/t/act") == 200
    assert status("au", "POST", "/t/act") == 403  # the auditor changes nothing
    assert status("xh", "POST", "/t/act") == 403
    assert status(None, "POST", "/t/act") == 401
    assert status("au", "GET", "/t/audit") == 200
    assert status("op", "GET", "/t/audit") == 403  # the operator does not audit itself
    assert status("xh", "GET", "/t/audit") == 403
    refused = api.client.post("/t/act", headers={"Authorization": f"Bearer {tokens['au']}"})
    assert refused.json()["error"]["code"] == "API.ROLE"
    read = {
        name: api.client.get("/t/read", headers={"Authorization": f"Bearer {tokens[name]}"}).json()
        for name in ("op", "au", "xh")
    }
    assert (
        read["op"]
        == read["au"]
        == {
            "regions": ["330106", "330102", "330200", "330000"],
            "personal": True,
        }
    )
    assert read["xh"] == {"regions": ["330106"], "personal": False}
    with pytest.raises(ValueError, match="roles"):
        require("admin")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="roles"):
        require()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        (b"[1, 2]", 400),
        (b'{"name": "op"}', 400),
        (b'{"name": "op", "password": 12345678901234}', 400),
        (b'{"name": "op", "password": ""}', 400),
        (b'{"name": "op", "password": "' + b"p" * 20000 + b'"}', 413),
        (b'{"name": "' + "名".encode() * 50 + b'", "password": "secret-secret-1"}', 401),
    ],
)
def test_hostile_sign_in_bodies_are_refused_without_echoing_them(
    signed_sqlite: tuple[Api, dict[str, str]], body: bytes, status: int
) -> None:
    api, _ = signed_sqlite
    reply = api.client.post(
        "/v1/session", content=body, headers={"Content-Type": "application/json"}
    )
    assert reply.status_code == status, reply.text
    assert "secret-secret-1" not in reply.text and "ppppp" not in reply.text
    assert reply.json()["error"]["code"].startswith("API.")


def test_the_session_routes_are_in_the_openapi_document(
    signed_sqlite: tuple[Api, dict[str, str]],
) -> None:
    api, _ = signed_sqlite
    document = api.client.get("/openapi.json").json()
    assert set(document["paths"]["/v1/session"]) == {"get", "post", "delete"}
    schemes = document["components"]["securitySchemes"]
    assert schemes["session"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "POST /v1/session",
    }


def test_concurrent_guesses_do_not_slip_past_the_bound(
    signed_sqlite: tuple[Api, dict[str, str]],
) -> None:
    """Ten guesses at once: five are checked (and fail), the others are refused unchecked."""
    api, _ = signed_sqlite
    with ThreadPoolExecutor(10) as pool:
        codes = list(
            pool.map(
                lambda _: sign_in(api.client, "au", "guess-guess-guess").status_code, range(10)
            )
        )
    assert sorted(codes) == [401] * 5 + [429] * 5


def test_install_accounts_on_an_app_of_its_own(tmp_path: Path) -> None:
    """The console's or another app: refusals as JSON even without the ingest API's handler,
    and a 405's Allow names every method of the path."""
    settings = HubSettings(data_dir=tmp_path / "hub")
    app = FastAPI()
    stores = StorePool(backend_for(settings).store)
    app.state.stores = stores
    install_accounts(app, settings)
    try:
        with TestClient(app) as client:
            refused = client.get("/v1/session")
            assert refused.status_code == 401
            assert refused.json()["error"]["code"] == "API.SIGN_IN"
            other = client.put("/v1/session")
            assert other.status_code == 405
            assert other.headers["allow"] == "DELETE, GET, POST"
            assert client.get("/nowhere").status_code == 404
    finally:
        stores.close()
