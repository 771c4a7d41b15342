"""The operator's console: 一张图, scorecards (监管的监管), queues, trace, 一企一档 and 一码追溯,
status, sign-in. A small static front end (HTML, JS modules, CSS) served from this package; the
pages read the ``/v1`` query API with the session cookie, so they show exactly what the API
lets the signed-in person see.

Works on an isolated network: every script, style and boundary file is served from
``static/`` (ECharts from its npm package, boundaries from a PyPI package; see the READMEs
there), and the Content-Security-Policy allows only ``'self'``, so a page that tried to load
anything from elsewhere would be refused by the browser.

Read-only (``hub console``): the ingest routes are taken off and every request that would
change something (anything but GET/HEAD, except signing in and out) is refused with 405.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.routing import BaseRoute, Route

from hub.console.boundaries import COUNTRY
from hub.console.pages import LENIENT_QUERY, PAGES, page_html
from hub.console.security import READ_ONLY_ALLOWED, security_headers
from hub.query.regions import home_region
from hub.settings import HubSettings
from hub.storage.pool import StorePool

__all__ = ["STATIC", "install_console"]

STATIC = Path(__file__).parent / "static"
_INGEST = {("/v1/records/{record_type}", "POST"), ("/v1/feedback", "GET")}


def _ingest_route(route: BaseRoute) -> bool:
    return isinstance(route, Route) and any(
        (route.path, m) in _INGEST for m in (route.methods or ())
    )


def install_console(app: FastAPI, settings: HubSettings, read_only: bool) -> None:
    """Serve the pages under ``/`` and the assets under ``/static``; with ``read_only`` take the
    ingest routes off and refuse every change."""
    config: dict[str, Any] = {"utc_offset_hours": settings.utc_offset_hours, "read_only": read_only}
    if read_only:
        app.router.routes[:] = [r for r in app.router.routes if not _ingest_route(r)]

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        changes = request.method not in ("GET", "HEAD")
        if read_only and changes and request.url.path not in READ_ONLY_ALLOWED:
            body = {
                "error": {
                    "code": "CONSOLE.READ_ONLY",
                    "message": "只读控制台：不接收报送，不执行操作 / read-only console:"
                    " no ingest, no actions",
                }
            }
            return security_headers(JSONResponse(body, status_code=405))
        response: Response = await call_next(request)
        return security_headers(response)

    app.mount("/static", StaticFiles(directory=STATIC, follow_symlink=False), name="static")

    @app.get("/console/config.json", include_in_schema=False)
    async def console_config(request: Request) -> dict[str, Any]:
        """What every page needs first: the area the map opens on (the hub's province, or the
        country for a national hub), the hub's time zone, whether actions are possible."""
        stores: StorePool = request.app.state.stores
        region = await asyncio.to_thread(home_region, stores.get(), settings.region_code)
        return {"region": region or COUNTRY, **config}

    for path, page in PAGES.items():
        app.add_api_route(
            path, _page_handler(page), methods=["GET"], include_in_schema=False,
            response_class=HTMLResponse,
        )  # fmt: skip


def _page_handler(page: str) -> Any:
    html = page_html(page)

    async def handler() -> HTMLResponse:
        # the page reads its query (``q``, ``next``) itself, and the API it calls bounds it
        # (``/v1/trace`` takes q up to 300 characters): the page refuses none
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    handler.__name__ = f"console_{page}"
    setattr(handler, LENIENT_QUERY, True)
    return handler
