"""What every request of the API goes through besides its route: the API's own counters, the
refusals' JSON replies, the strict query check, and Starlette's 404 and 405 in the hub's shape.

- :func:`install_middleware`: the ingest API's (``create_app``): :class:`ApiMetrics` on
  ``app.state.metrics``, every refusal and invalid parameter answered as ``{"error": {"code",
  "message"}}`` and counted by code, an unknown query parameter refused, every request counted
  by route and status.
- :func:`install_http_errors`: for any app that signs people in (``install_accounts``): the
  refusals' replies if it has none yet, and a 405 that names every method of the path.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from prometheus_client import CollectorRegistry, Counter
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from hub.connectors.http_refusals import RefusedError
from hub.console.pages import LENIENT_QUERY
from hub.reasons_zh import problem_zh

__all__ = ["ApiMetrics", "install_http_errors", "install_middleware"]


class ApiMetrics:
    """The API's counters, served with the hub's metrics at ``/metrics`` (``registry``)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "hub_api_requests", "API requests by route and status", ["route", "status"],
            registry=self.registry,
        )  # fmt: skip
        self.refused = Counter(
            "hub_api_refused", "API requests refused, by code", ["code"], registry=self.registry
        )
        self.records = Counter(
            "hub_api_records", "records stored as submissions", ["record_type"],
            registry=self.registry,
        )  # fmt: skip


def _metrics(request: Request) -> ApiMetrics:
    found = getattr(request.app.state, "metrics", None)
    if not isinstance(found, ApiMetrics):
        raise RuntimeError("install_middleware(app) was not called on this app")
    return found


def install_middleware(app: FastAPI) -> ApiMetrics:
    """The ingest API's counting, refusals and strict query on ``app``; its counters."""
    metrics = ApiMetrics()
    app.state.metrics = metrics
    app.add_exception_handler(RefusedError, _refused)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.middleware("http")(_strict_query)
    app.middleware("http")(_count)  # outside the strict query: its refusals are counted too
    return metrics


def install_http_errors(app: FastAPI) -> None:
    """The refusals' JSON replies (unless ``app`` has a handler already: the ingest API's, which
    counts them), and Starlette's 404 and 405 said in the hub's shape."""
    if RefusedError not in app.exception_handlers:
        app.add_exception_handler(RefusedError, _refused)
    app.add_exception_handler(StarletteHTTPException, _allow_every_method)


async def _refused(request: Request, exc: Exception) -> JSONResponse:
    """A refusal's reply; counted by code where the app counts (the ingest API)."""
    assert isinstance(exc, RefusedError)
    metrics = getattr(request.app.state, "metrics", None)
    if isinstance(metrics, ApiMetrics):
        metrics.refused.labels(exc.code).inc()
    return JSONResponse(exc.body(), status_code=exc.status)


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    _metrics(request).refused.labels("API.PARAMS").inc()
    found = exc.errors()[:5]
    zh = "；".join(f"{'.'.join(map(str, e['loc']))}：{problem_zh(e)}" for e in found)
    en = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in found)
    message = f"请求参数不符合要求：{zh} / {en}"
    body = {"error": {"code": "API.PARAMS", "message": message}}
    return JSONResponse(body, status_code=422)


async def _strict_query(request: Request, call_next: Any) -> Response:
    """An unknown query parameter is refused: a source that types ``?afer=`` must not
    silently read its feedback from the start again."""
    route = next(
        (r for r in request.app.router.routes if r.matches(request.scope)[0] == Match.FULL),
        None,
    )
    known = {p.alias for p in getattr(getattr(route, "dependant", None), "query_params", [])}
    unknown = sorted(set(request.query_params) - known)
    # a console page's address may carry anything (``?lang=en``, ``?utm_source=``): the
    # page reads what it knows and the API it calls checks it
    page = getattr(getattr(route, "endpoint", None), LENIENT_QUERY, False)
    if route is not None and unknown and not page:
        _metrics(request).refused.labels("API.PARAMS").inc()
        names = ", ".join(unknown)[:200]
        message = f"未知的查询参数：{names} / unknown query parameter(s): {names}"
        return JSONResponse({"error": {"code": "API.PARAMS", "message": message}}, 422)
    response: Response = await call_next(request)
    return response


async def _count(request: Request, call_next: Any) -> Response:
    response: Response = await call_next(request)
    route = request.scope.get("route")
    path = getattr(route, "path", "unmatched")
    _metrics(request).requests.labels(path, str(response.status_code)).inc()
    return response


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
