"""Who is asking, and may they: people's sign-in for the console and the query API.

A person is signed in by a session cookie (``hub_session``, from ``POST /v1/session``:
:mod:`hub.api.routes.session`) or by an account token (``Authorization: Bearer hubacc_...``,
made by ``hub accounts token``). A source's ingest token is not an account: it is looked up among
the sources only (:mod:`hub.api.source_auth`), and here among the accounts only, so it signs
nobody in.

- :func:`signed_in`: the FastAPI dependency giving the :class:`~hub.domain.accounts.Principal`;
  401 otherwise.
- :func:`require`: a dependency that also checks the role; 403 when it is not among those named.

Session ids and tokens are looked up by their SHA-256, never compared, stored, logged or echoed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from hub.api.actions import SESSION_COOKIE
from hub.api.login_bounds import LoginBounds
from hub.connectors.http_refusals import RefusedError
from hub.domain.accounts import ROLES, Principal, Role
from hub.domain.credentials import digest
from hub.storage.pool import StorePool

__all__ = [
    "MAX_SECRET_CHARS",
    "AccountsConfig",
    "RoleRefusedError",
    "SignInRequiredError",
    "SignedIn",
    "accounts_config",
    "require",
    "signed_in",
]

MAX_SECRET_CHARS = 200  # a token or a session id is ~50; anything longer is not one


class SignInRequiredError(RefusedError):
    """No session or account token, or one that is unknown, expired or disabled."""

    code = "API.SIGN_IN"
    status = 401


class RoleRefusedError(RefusedError):
    """Signed in, but the role may not do this."""

    code = "API.ROLE"
    status = 403


@dataclass
class AccountsConfig:
    """What :func:`~hub.api.routes.session.install_accounts` keeps on ``app.state.accounts``."""

    session_ttl_s: float
    bounds: LoginBounds
    clock: Callable[[], float] = field(default=time.time)


def accounts_config(request: Request) -> AccountsConfig:
    """The app's sign-in settings, its login bounds and its clock."""
    found = getattr(request.app.state, "accounts", None)
    if not isinstance(found, AccountsConfig):
        raise RuntimeError("install_accounts(app, settings) was not called on this app")
    return found


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
        if scheme.lower() != "bearer" or not token or len(token) > MAX_SECRET_CHARS:
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
        if len(session) <= MAX_SECRET_CHARS:
            found = stores.get().account_by_session(
                digest(session), accounts_config(request).clock()
            )
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
