"""The ingest API: how county, city and provincial systems send records and read their feedback.

``POST /v1/records/{record_type}`` takes a batch (JSON ``{"records": [...]}`` or an Avro object
container file) with a source's bearer token, stores every record as a submission, and replies
``202`` with their submission ids only after they are durable. ``GET /v1/feedback`` returns the
source's verdicts, national acks and rejections after a cursor: only its own.

Refusals (nothing stored): 401 no or unknown token, 403 disabled source, 404 unknown record type,
409 idempotency key reused with another body, 408 a body that did not arrive in time, 413 body
over the limit, 415 content type, 422 too many records, a record with too many keys or nested too
deep, a field over the limit or an Avro writer schema refused (recursive, too deep, too large),
400 a body that is not what its content type says. Every refusal is counted in ``/metrics`` by
code. Tokens are looked up by their SHA-256 and never logged. Bodies are decoded on a thread:
the event loop only moves bytes, so ``/healthz`` answers during any request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi import FastAPI

from hub.api.middleware import install_middleware
from hub.api.roles import require
from hub.api.routes import feedback, health, ingest
from hub.api.routes.session import install_accounts
from hub.api.v1 import install_v1
from hub.console import install_console
from hub.engine.sink import SubmissionSink
from hub.events import Codec
from hub.metrics import install_metrics
from hub.settings import HubSettings
from hub.standard import Standard
from hub.storage.pool import StorePool

__all__ = ["create_app"]

VERSION = "1"


def create_app(
    settings: HubSettings,
    standard: Standard,
    codec: Codec,
    stores: StorePool,
    sink: SubmissionSink,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> FastAPI:
    """The API over a store pool (credentials, idempotency, feedback) and a sink (submissions).

    The order is the routes' (the first that matches a request answers it) and the
    middleware's (the last added runs outermost: the console's headers, the counting, the
    strict query); this module's docstring is the OpenAPI document's description."""
    app = FastAPI(
        title="Supervision Data Hub ingest API",
        version=VERSION,
        description=__doc__,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.stores = stores
    metrics = install_middleware(app)
    install_metrics(app, settings, stores, metrics.registry, require("operator", "auditor"))
    app.include_router(ingest.router(settings, standard, stores, sink, clock, metrics))
    app.include_router(feedback.router(stores, codec))
    app.include_router(health.router)
    install_accounts(app, settings)  # issue 15: people's sign-in (hub.api.routes.session)
    install_v1(app, settings)  # issue 15: the /v1 query API (hub.api.v1)
    install_console(app, settings, read_only=settings.console_read_only)  # issue 15: the pages
    return app
