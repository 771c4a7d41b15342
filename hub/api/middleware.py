"""What every request of the API goes through besides its route: the API's own counters, the
refusals' JSON replies, the strict query check.

- :func:`install_middleware`: the ingest API's (``create_app``): :class:`ApiMetrics` on
  ``app.state.metrics``, every refusal and invalid parameter answered as ``{"error": {"code",
  "message"}}`` and counted by code, an unknown query parameter refused, every request counted
  by route and status.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CollectorRegistry, Counter
from starlette.routing import Match

from hub.api.refusals import RefusedError
from hub.console.pages import LENIENT_QUERY
from hub.reasons_zh import problem_zh

__all__ = ["ApiMetrics", "install_middleware"]


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


async def _refused(request: Request, exc: Exception) -> JSONResponse:
    """A refusal's reply, counted by code."""
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
