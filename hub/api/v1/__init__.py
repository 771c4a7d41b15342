"""The ``/v1`` query API: what the console shows, for the national platform or a BI tool to read
without the database. Records by id and by business identity, their history, trace, statistics
by region, scorecards, queues, dossiers and search; every route in the OpenAPI document, every
one signed in (``hub.api.roles``: a session cookie or an account's bearer token, never a
source's token) and authorised by role:

- operator: reads everything, and may re-drive dead deliveries and release quarantined messages;
- auditor: reads everything, changes nothing (an action is 403);
- viewer: reads its area only (a record elsewhere is 404, statistics elsewhere are left out),
  personal data masked by the feed rule (``hub.processing.feeds``).

:func:`install_v1` adds the routes to an app: the ingest API's (``create_app``) or the console's
own (``hub console``), and keeps one set of readers per app (``app.state.v1``).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from hub.api.v1 import audit, dossiers, overview, queues, records, scorecards
from hub.api.v1.context import Readers
from hub.connectors.http_refusals import RefusedError
from hub.settings import HubSettings
from hub.storage.pool import StorePool

__all__ = ["install_v1"]


def install_v1(app: FastAPI, settings: HubSettings) -> None:
    """Add the ``/v1`` query routes to ``app`` (its store pool shared when it has one), after
    ``install_accounts`` (signing in; it also makes a 405 name every method of a path, which
    matters here: ``/v1/records/{x}`` is the ingest API's POST and this API's GET)."""
    stores: StorePool | None = getattr(app.state, "stores", None)
    readers = Readers(settings, stores)
    app.state.stores = readers.stores  # signing in (hub.api.roles) reads the accounts there
    app.state.v1 = readers
    app.router.on_shutdown.append(readers.close)
    if RefusedError not in app.exception_handlers:

        async def refused(_request: Request, exc: Exception) -> JSONResponse:
            assert isinstance(exc, RefusedError)
            return JSONResponse(exc.body(), status_code=exc.status)

        app.add_exception_handler(RefusedError, refused)
    for module in (overview, records, scorecards, queues, dossiers, audit):
        app.include_router(module.router)
