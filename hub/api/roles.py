"""Who is asking, and may they: people's sign-in for the console and the query API.

A person is signed in by a session cookie (``hub_session``, from ``POST /v1/session`` with a name
and a password, or the name and its account token in the password's place) or by an account
token (``Authorization: Bearer hubacc_...``, made by ``hub accounts token``). A source's ingest
token is not an account: it is looked up among the sources only, and here among the accounts
only, so it signs nobody in.

- :func:`signed_in`: the FastAPI dependency giving the :class:`~hub.domain.accounts.Principal`;
  401 otherwise.
- :func:`require`: a dependency that also checks the role; 403 when it is not among those named.
- :func:`install_accounts`: ``POST``, ``GET`` and ``DELETE /v1/session`` on an app.

Bounds: a failed sign-in counts against the account's name and against the client's address;
after ``HUB_CONSOLE_LOGIN_FAILURES_PER_MINUTE`` of either in a minute, sign-ins are refused with
429 and ``Retry-After`` until the oldest failure is a minute old. The password is then not even
checked, so guessing costs the guesser time, not the hub CPU; an attempt counts as failed until
it succeeds, so concurrent guesses do not slip through; at most two Argon2 checks run at once.

Passwords are compared by Argon2 (constant time), an unknown name costs the same work as a wrong
password, and the reply is the same for both. Session ids and tokens are looked up by their
SHA-256, never compared, stored, logged or echoed; the session cookie is HttpOnly,
SameSite=Strict, Secure over https, and ends with the session (``HUB_CONSOLE_SESSION_TTL_S``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.api.actions import SESSION_COOKIE, parse_json, require_json, require_same_origin
from hub.connectors.http_refusals import BadRequestError, BodyTooLargeError, RefusedError
from hub.domain.accounts import MAX_PASSWORD_CHARS, NAME_PATTERN, ROLES, Principal, Role
from hub.domain.credentials import TOKEN_PREFIX, digest, new_session_id, verify_password
from hub.settings import HubSettings
from hub.storage.account_rows import record_action
from hub.storage.pool import StorePool

__all__ = [
    "SESSION_COOKIE",
    "LoginBounds",
    "RoleRefusedError",
    "SessionInfo",
    "SignInRefusedError",
    "SignInRequiredError",
    "TooManySignInsError",
    "install_accounts",
    "require",
    "signed_in",
]

#: a name of 40 and a password of 1024 characters fit, even with every character escaped as JSON
#: (a surrogate pair written as two ``\uXXXX``: 12 bytes a character)
_MAX_SIGN_IN_BYTES = 16 * 1024
_MAX_SECRET_CHARS = 200  # a token or a session id is ~50; anything longer is not one

log = logging.getLogger("hub.api.accounts")
#: Argon2 checks at once (each takes 64 MiB and tens of milliseconds of a core): a burst of
#: sign-ins queues here instead of exhausting the host's memory
_VERIFYING = threading.BoundedSemaphore(2)


class SignInRequiredError(RefusedError):
    """No session or account token, or one that is unknown, expired or disabled."""

    code = "API.SIGN_IN"
    status = 401


class SignInRefusedError(RefusedError):
    """A name and password that do not sign in (which of the two is wrong is not said)."""

    code = "API.SIGN_IN.REFUSED"
    status = 401


class RoleRefusedError(RefusedError):
    """Signed in, but the role may not do this."""

    code = "API.ROLE"
    status = 403


class TooManySignInsError(RefusedError):
    code = "API.SIGN_IN.LIMIT"
    status = 429


class SessionInfo(BaseModel):
    name: str
    role: str = Field(description="operator, auditor or viewer")
    region: str | None = Field(description="a viewer's GB/T 2260 region; null: every region")
    expires_at: str | None = Field(description="ISO 8601 UTC; null: signed in by a token")


class LoginBounds:
    """Sign-in attempts per key (``account:NAME``, ``client:ADDRESS``) in a sliding minute,
    thread-safe, bounded in memory (the oldest keys are forgotten past ``max_keys``).

    An attempt counts as a failure from the moment it is let through (:meth:`attempt`) until it
    succeeds (:meth:`succeeded`), so concurrent guesses cannot slip past the bound while their
    passwords are still being checked."""

    def __init__(self, per_minute: int, window_s: float = 60.0, max_keys: int = 10_000) -> None:
        self.per_minute = per_minute
        self.window_s = window_s
        self.max_keys = max_keys
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def attempt(self, keys: Sequence[str], now: float) -> float | None:
        """Let an attempt through (None), counting it against every key; or the seconds until
        one may be tried again under all of them (nothing counted)."""
        with self._lock:
            wait = 0.0
            for key in keys:
                times = self._recent(key, now)
                if len(times) >= self.per_minute:
                    wait = max(wait, times[0] + self.window_s - now)
            if wait > 0:
                return wait
            for key in keys:
                times = self._recent(key, now)
                times.append(now)
                self._failures[key] = times
                self._failures.move_to_end(key)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)
            return None

    def succeeded(self, keys: Sequence[str], at: float) -> None:
        """The attempt made ``at`` signed in: the account's failures are forgotten; the
        client's other failures stay (one right password does not excuse other names' guesses)."""
        with self._lock:
            account, *others = keys
            self._failures.pop(account, None)
            for key in others:
                times = self._failures.get(key)
                if times is not None and at in times:
                    times.remove(at)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times


@dataclass
class AccountsConfig:
    """What :func:`install_accounts` keeps on ``app.state.accounts``."""

    session_ttl_s: float
    bounds: LoginBounds
    clock: Callable[[], float] = field(default=time.time)


def _config(request: Request) -> AccountsConfig:
    found = getattr(request.app.state, "accounts", None)
    if not isinstance(found, AccountsConfig):
        raise RuntimeError("install_accounts(app, settings) was not called on this app")
    return found


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="seconds")


_bearer = HTTPBearer(
    auto_error=False, scheme_name="account_token", description="hub accounts token NAME"
)
_cookie = APIKeyCookie(
    name=SESSION_COOKIE, auto_error=False, scheme_name="session", description="POST /v1/session"
)


def signed_in(
    request: Request,
    _token: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
    _session: Annotated[str | None, Depends(_cookie)] = None,
) -> Principal:
    """The person making the request: by ``Authorization: Bearer <account token>`` or the
    ``hub_session`` cookie (the parameters only document both in the OpenAPI; the request is
    read here, so this can be called with a request alone). 401 otherwise."""
    stores: StorePool = request.app.state.stores
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or len(token) > _MAX_SECRET_CHARS:
            raise SignInRequiredError("请使用 Bearer 账户令牌 / use Authorization: Bearer <token>")
        account = stores.get().account_by_token(digest(token))
        if account is None or account.disabled:
            raise SignInRequiredError(
                "令牌不属于任何有效账户（数据源令牌不能登录） / the token belongs to no enabled"
                " account (a source's token does not sign in)"
            )
        request.state.principal = account.principal
        request.state.session_expires_at = None
        return account.principal
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        found = None
        if len(session) <= _MAX_SECRET_CHARS:
            found = stores.get().account_by_session(digest(session), _config(request).clock())
        if found is None or found[0].disabled:
            raise SignInRequiredError(
                "会话已过期或无效，请重新登录 / the session expired or is unknown: sign in again"
            )
        account, expires_at = found
        request.state.principal = account.principal
        request.state.session_expires_at = expires_at
        return account.principal
    raise SignInRequiredError("请先登录 / sign in first (POST /v1/session or a bearer token)")


SignedIn = Annotated[Principal, Depends(signed_in)]


def require(*roles: Role) -> Callable[..., Principal]:
    """A dependency: the signed-in principal if its role is one of ``roles``; 403 otherwise."""
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise ValueError(f"require() needs roles among {ROLES}, got {roles}")
    wanted = frozenset(roles)

    def dependency(principal: SignedIn) -> Principal:
        if principal.role not in wanted:
            raise RoleRefusedError(
                f"角色 {principal.role} 无权执行此操作（需要 {'、'.join(sorted(wanted))}）"
                f" / the {principal.role} role may not do this (needs {', '.join(sorted(wanted))})"
            )
        return principal

    return dependency


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
    return secret.startswith(TOKEN_PREFIX) and len(secret) <= _MAX_SECRET_CHARS


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _sign_in(request: Request, name: str, password: str) -> JSONResponse:
    """Check the bounds, then the password (on a worker thread: Argon2 takes tens of ms)."""
    config = _config(request)
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
        if session and len(session) <= _MAX_SECRET_CHARS:
            store = request.app.state.stores.get()
            found = store.account_by_session(digest(session), _config(request).clock())
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
    if RefusedError not in app.exception_handlers:

        async def refused(_request: Request, exc: Exception) -> JSONResponse:
            assert isinstance(exc, RefusedError)
            return JSONResponse(exc.body(), status_code=exc.status)

        app.add_exception_handler(RefusedError, refused)
    app.add_exception_handler(StarletteHTTPException, _allow_every_method)
    app.include_router(_router())


async def _allow_every_method(request: Request, exc: Exception) -> Response:
    """A 405's ``Allow`` names every method of the path (Starlette names only those of the first
    route that matched it, and ``/v1/session`` has three routes); other errors as FastAPI does."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        methods = sorted(
            {
                method
                for route in request.app.router.routes
                if isinstance(route, APIRoute) and route.path_regex.match(request.url.path)
                for method in route.methods
            }
        )
        if methods:
            exc = StarletteHTTPException(405, exc.detail, headers={"Allow": ", ".join(methods)})
    said = _HTTP_ZH.get(exc.status_code)
    if said is not None and exc.detail in ("Not Found", "Method Not Allowed"):
        code, zh = said
        message = f"{zh} / {exc.detail}: {request.method} {request.url.path[:200]}"
        return JSONResponse(
            {"error": {"code": code, "message": message}},
            status_code=exc.status_code,
            headers=exc.headers,
        )
    return await http_exception_handler(request, exc)


#: Starlette's own 404 and 405 (no route, no such method), said Chinese first in the hub's shape
_HTTP_ZH = {404: ("API.NOT_FOUND", "没有这个地址"), 405: ("API.METHOD", "此地址不接受该方法")}
