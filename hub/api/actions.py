"""What a state-changing request (an action, signing in or out) must be: from the hub's own
pages, declared JSON, and a body of bounded size and depth.

Against a cross-site page making a signed-in browser act (CSRF), two checks, each enough on
its own against a browser:

- the body must be ``Content-Type: application/json``: a cross-site page can send JSON only
  after a CORS preflight, which the hub never answers (``text/plain`` and forms need none);
- an ``Origin`` that is not the hub's own (the request's ``Host``), or a
  ``Sec-Fetch-Site`` of ``cross-site`` or ``same-site`` (a sibling host under the same site), is
  refused. A request without either header (a script, ``curl`` with a bearer token) is let
  through: a browser names the ``Origin`` of every cross-origin ``POST`` and ``DELETE``, and
  could not have sent ``application/json`` across origins anyway.

The body is parsed by orjson, which refuses nesting over 1,024 levels itself (Python's ``json``
recursed until ``RecursionError``, a 500), then held to :data:`MAX_ACTION_DEPTH` levels.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import orjson
from fastapi import Request

from hub.bounds import shape_over
from hub.connectors.http_refusals import BadRequestError, RefusedError, UnsupportedMediaTypeError

__all__ = [
    "MAX_ACTION_DEPTH",
    "SESSION_COOKIE",
    "CrossOriginError",
    "parse_json",
    "require_json",
    "require_same_origin",
]

#: an action's body is an object of lists of strings: two levels; a few more are tolerated
MAX_ACTION_DEPTH = 8
#: keys in all of a body's objects (an action's has one or two)
_MAX_ACTION_KEYS = 100

SESSION_COOKIE = "hub_session"  # the console's session (hub.api.roles)


class CrossOriginError(RefusedError):
    """A state-changing request from another site."""

    code = "V1.CROSS_ORIGIN"
    status = 403


def _host(scheme: str, netloc: str) -> str:
    """``netloc`` without the scheme's default port, lower-cased."""
    netloc = netloc.strip().lower()
    default = {"http": ":80", "https": ":443"}.get(scheme.lower(), "")
    return netloc[: -len(default)] if default and netloc.endswith(default) else netloc


def _own_host(request: Request) -> str:
    """The host the browser addressed (``Host``). The scheme is not compared: behind a proxy
    that ends TLS the hub sees http while the page's origin is https."""
    return _host(request.url.scheme, request.headers.get("host") or request.url.netloc)


def require_same_origin(request: Request) -> None:
    """Refuse (403 ``V1.CROSS_ORIGIN``) a request another site's page may have made."""
    fetch_site = request.headers.get("sec-fetch-site", "").strip().lower()
    if fetch_site in ("cross-site", "same-site"):
        raise CrossOriginError(
            f"拒绝来自其他站点的请求（Sec-Fetch-Site: {fetch_site}） / a request from another"
            f" site is refused (Sec-Fetch-Site: {fetch_site})"
        )
    origin = request.headers.get("origin")
    if origin is None:
        return
    try:
        parts = urlsplit(origin.strip()[:300])
        given = _host(parts.scheme, parts.netloc)
    except ValueError:  # "http://[::1" is not a URL
        given = ""
    if not given or given != _own_host(request):
        own = _own_host(request)[:100]
        raise CrossOriginError(
            f"拒绝来自其他来源的请求（Origin 应为本 hub：{own}） / a request from another origin"
            f" is refused (Origin must be this hub's: {own})"
        )


def require_json(request: Request) -> None:
    """Refuse (415 ``API.CONTENT_TYPE``) a body that is not declared ``application/json``."""
    declared = request.headers.get("content-type", "")
    media = declared.split(";", 1)[0].strip().lower()
    if media != "application/json":
        raise UnsupportedMediaTypeError(
            f"请求体须为 Content-Type: application/json（收到 {media[:60] or '无'}） / the body"
            f" must be Content-Type: application/json (got {media[:60] or 'none'})"
        )


def parse_json(body: bytes) -> Any:
    """``body`` as JSON, or 400 ``API.MALFORMED`` for what is not JSON or nests too deep."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        reason = str(exc.msg)[:120]
        raise BadRequestError(
            f"请求体不是 JSON（{reason}） / the body is not JSON ({reason})"
        ) from None
    over = shape_over(value, _MAX_ACTION_KEYS, MAX_ACTION_DEPTH)
    if over is not None:
        what = "层嵌套" if over.limit == "depth" else "个键"
        en = "levels of nesting" if over.limit == "depth" else "keys"
        raise BadRequestError(
            f"请求体超过 {over.max} {what} / the body has more than {over.max} {en}",
            limit=over.limit,
            max=over.max,
        )
    return value
