"""``/v1/session``: people signing in to the console and the query API, and out.

- ``POST /v1/session``: a name and a password (or the name and its account token in the
  password's place) start a session and set the ``hub_session`` cookie;
- ``GET /v1/session``: who is signed in; ``DELETE /v1/session``: sign out.
- :func:`install_accounts`: these routes, the login bounds and the refusals' replies on an app.

Bounds: a failed sign-in counts against the account's name and against the client's address;
after ``HUB_CONSOLE_LOGIN_FAILURES_PER_MINUTE`` of either in a minute, sign-ins are refused with
429 and ``Retry-After`` until the oldest failure is a minute old (:mod:`hub.api.login_bounds`).
The password is then not even checked, so guessing costs the guesser time, not the hub CPU; an
attempt counts as failed until it succeeds, so concurrent guesses do not slip through; at most two
Argon2 checks run at once.

Passwords are compared by Argon2 (constant time), an unknown name costs the same work as a wrong
password, and the reply is the same for both. Session ids are made here and stored only as their
SHA-256; the session cookie is HttpOnly, SameSite=Strict, Secure over https, and ends with the
session (``HUB_CONSOLE_SESSION_TTL_S``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import threading
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from hub.api.actions import SESSION_COOKIE, parse_json, require_json, require_same_origin
from hub.api.login_bounds import LoginBounds
from hub.api.middleware import install_http_errors
from hub.api.models import SessionInfo
from hub.api.roles import MAX_SECRET_CHARS, AccountsConfig, SignedIn, accounts_config
from hub.connectors.http_refusals import BadRequestError, BodyTooLargeError, RefusedError
from hub.domain.accounts import MAX_PASSWORD_CHARS, NAME_PATTERN
from hub.domain.credentials import TOKEN_PREFIX, digest, new_session_id, verify_password
from hub.settings import HubSettings
from hub.storage.account_rows import record_action

__all__ = ["SignInRefusedError", "TooManySignInsError", "install_accounts"]

#: a name of 40 and a password of 1024 characters fit, even with every character escaped as JSON
#: (a surrogate pair written as two ``\uXXXX``: 12 bytes a character)
_MAX_SIGN_IN_BYTES = 16 * 1024

log = logging.getLogger("hub.api.accounts")
#: Argon2 checks at once (each takes 64 MiB and tens of milliseconds of a core): a burst of
#: sign-ins queues here instead of exhausting the host's memory
_VERIFYING = threading.BoundedSemaphore(2)


class SignInRefusedError(RefusedError):
    """A name and password that do not sign in (which of the two is wrong is not said)."""

    code = "API.SIGN_IN.REFUSED"
    status = 401


class TooManySignInsError(RefusedError):
    code = "API.SIGN_IN.LIMIT"
    status = 429


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="seconds")


_SIGN_IN_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["name", "password"],
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 40},
                    "password": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": MAX_PASSWORD_CHARS,
                    },
                },
            }
        }
    },
}


def _error(status: int, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }


async def _sign_in_body(request: Request) -> tuple[str, str]:
    """``{"name", "password"}``, bounded; nothing of it is ever echoed (a refusal names the
    field, never its value). Same origin and declared JSON only (:mod:`hub.api.actions`)."""
    require_same_origin(request)
    require_json(request)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > _MAX_SIGN_IN_BYTES:
            raise BodyTooLargeError(
                f"登录请求超过 {_MAX_SIGN_IN_BYTES} 字节 / the body exceeds {_MAX_SIGN_IN_BYTES}"
                " bytes",
                max=_MAX_SIGN_IN_BYTES,
            )
    value = parse_json(bytes(body))
    if not isinstance(value, dict):
        raise BadRequestError('请求体应为 {"name", "password"} / the body must be an object')
    name, password = value.get("name"), value.get("password")
    for key, given in (("name", name), ("password", password)):
        if not isinstance(given, str) or not given:
            raise BadRequestError(f"缺少字段 {key} 或不是字符串 / {key} must be a non-empty string")
    assert isinstance(name, str) and isinstance(password, str)
    return name, password


def _is_token(secret: str) -> bool:
    return secret.startswith(TOKEN_PREFIX) and len(secret) <= MAX_SECRET_CHARS


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _sign_in(request: Request, name: str, password: str) -> JSONResponse:
    """Check the bounds, then the password (on a worker thread: Argon2 takes tens of ms)."""
    config = accounts_config(request)
    client = _client(request)
    keys = (f"account:{name[:60]}", f"client:{client}")
    now = config.clock()
    wait = config.bounds.attempt(keys, now)
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        log.warning("sign-in of %s from %s refused: too many failures", name[:60], client)
        error = TooManySignInsError(
            f"登录失败次数过多，请 {seconds} 秒后再试 / too many failed sign-ins: try again in"
            f" {seconds} s",
            retry_after=seconds,
        )
        return JSONResponse(error.body(), 429, headers={"Retry-After": str(seconds)})
    store = request.app.state.stores.get()
    found = store.account_secret(name) if NAME_PATTERN.match(name) else None
    account, stored = found if found is not None else (None, None)
    with _VERIFYING:
        ok = verify_password(stored, password[: MAX_PASSWORD_CHARS + 1])
    if not ok and account is not None and _is_token(password):
        # the page's field takes a password or the account's token (a --no-password account
        # signs in so); the Argon2 check above ran all the same, so a failure costs the same
        by_token = store.account_by_token(digest(password))
        ok = by_token is not None and by_token.name == account.name
    if not ok or account is None or account.disabled:
        log.warning("sign-in of %s from %s refused", name if account else "(unknown)", client)
        raise SignInRefusedError("账户名或密码错误 / wrong name or password")
    config.bounds.succeeded(keys, now)
    session = new_session_id()
    expires_at = now + config.session_ttl_s
    with store.transaction(durable=True) as tx:
        tx.start_session(digest(session), account.name, expires_at, now)
        record_action(tx, account.name, "session.start", account.name, {"client": client})
    log.info("%s (%s) signed in from %s", account.name, account.role, client)
    info = SessionInfo(**account.principal.to_dict(), expires_at=_iso(expires_at))
    response = JSONResponse(info.model_dump())
    response.set_cookie(
        SESSION_COOKIE,
        session,
        max_age=max(1, int(config.session_ttl_s)),
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return response


def _router() -> APIRouter:
    router = APIRouter(tags=["session"])

    @router.post(
        "/v1/session",
        response_model=SessionInfo,
        openapi_extra={"requestBody": _SIGN_IN_BODY},
        responses={
            400: _error(400, "malformed body"),
            401: _error(401, "wrong name or password"),
            403: _error(403, "from another origin"),
            413: _error(413, "body over the limit"),
            415: _error(415, "not Content-Type: application/json"),
            429: _error(429, "too many failed sign-ins (Retry-After)"),
        },
        summary="Sign in with a name and password: sets the hub_session cookie",
    )
    async def sign_in(request: Request) -> JSONResponse:
        name, password = await _sign_in_body(request)
        response: JSONResponse = await asyncio.to_thread(_sign_in, request, name, password)
        return response

    @router.get(
        "/v1/session",
        response_model=SessionInfo,
        responses={401: _error(401, "not signed in")},
        summary="Who is signed in",
    )
    def whoami(request: Request, principal: SignedIn) -> SessionInfo:
        expires_at = getattr(request.state, "session_expires_at", None)
        return SessionInfo(
            **principal.to_dict(), expires_at=None if expires_at is None else _iso(expires_at)
        )

    @router.delete(
        "/v1/session",
        responses={403: _error(403, "from another origin")},
        summary="Sign out: ends the session and clears the cookie",
    )
    def sign_out(request: Request) -> JSONResponse:
        require_same_origin(request)  # no body: the console's sign-out sends no Content-Type
        session = request.cookies.get(SESSION_COOKIE)
        ended = False
        if session and len(session) <= MAX_SECRET_CHARS:
            store = request.app.state.stores.get()
            found = store.account_by_session(digest(session), accounts_config(request).clock())
            with store.transaction(durable=True) as tx:
                ended = tx.end_session(digest(session))
                if ended and found is not None:
                    name = found[0].name
                    record_action(tx, name, "session.end", name, {"client": _client(request)})
        response = JSONResponse({"signed_out": ended})
        response.delete_cookie(
            SESSION_COOKIE,
            path="/",
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="strict",
        )
        return response

    return router


def install_accounts(app: FastAPI, settings: HubSettings) -> None:
    """Sign-in on ``app`` (whose ``app.state.stores`` is a :class:`StorePool`): the session
    routes, the login bounds, and the refusals' JSON replies if the app has none yet."""
    app.state.accounts = AccountsConfig(
        settings.console_session_ttl_s, LoginBounds(settings.console_login_failures_per_minute)
    )
    install_http_errors(app)
    app.include_router(_router())
