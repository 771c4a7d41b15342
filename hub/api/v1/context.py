"""What the ``/v1`` routes read from: the store and the read models, one handle of each per
thread of the web server (connections are not shared), and the standard (for masking).

One :class:`Readers` per app (``app.state.v1``), made by ``install_v1``; it takes the app's store
pool when the ingest API made one (``app.state.stores``), so both share connections.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from hub.api.actions import parse_json, require_json, require_same_origin
from hub.api.v1.errors import BadQueryError
from hub.backends import backend_for
from hub.connectors.http_refusals import BodyTooLargeError
from hub.domain.subscribers import Subscriber
from hub.processing.feeds import shape
from hub.projections import ViewStore
from hub.settings import HubSettings
from hub.standard import Standard
from hub.storage.pool import StorePool
from hub.storage.ports import Store

__all__ = [
    "MAX_ACTION_BYTES",
    "VIEWER_SIGHT",
    "Readers",
    "ViewPool",
    "json_body",
    "masked",
    "readers",
    "threaded",
    "timezone",
]

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
#: the largest body an action takes (10,000 ids of 40 characters fit)
MAX_ACTION_BYTES = 1 << 20

#: What a viewer sees of a record: every field its region's own staff would, personal data
#: (ID numbers, phones, natural persons' names) masked by the feeds' one rule
#: (:func:`hub.processing.feeds.shape`, ``张*丰``): the schemas' personal fields always, and the
#: pack's ``persons.json`` fields (a counterparty's name and id…) when the record's subject is a
#: natural person, its name then masked in the record's free text too.
VIEWER_SIGHT = Subscriber("console-viewer", sharing="all", personal=False)


class ViewPool:
    """One read-model store per thread, opened on first use, all closed together. A store
    closed by :meth:`close` (the app's shutdown) is opened again by the next :meth:`get`: an
    app may be started again (a test client, a server restarted in the same process)."""

    def __init__(self, settings: HubSettings) -> None:
        self._settings = settings
        self._local = threading.local()
        self._all: list[ViewStore] = []
        self._lock = threading.Lock()
        self._generation = 0

    def get(self) -> ViewStore:
        views: ViewStore | None = getattr(self._local, "views", None)
        if views is None or getattr(self._local, "generation", -1) != self._generation:
            views = backend_for(self._settings).views()
            with self._lock:
                self._all.append(views)
                self._local.views = views
                self._local.generation = self._generation
        return views

    def close(self) -> None:
        with self._lock:
            self._generation += 1
            for views in self._all:
                views.close()
            self._all.clear()


class Readers:
    """The store pool (the app's, or one of its own), the read-model pool and the standard."""

    def __init__(self, settings: HubSettings, stores: StorePool | None = None) -> None:
        self.settings = settings
        self.standard: Standard = settings.standard()
        self.stores = stores or StorePool(backend_for(settings).store)
        self.views = ViewPool(settings)

    def store(self) -> Store:
        return self.stores.get()

    def view_store(self) -> ViewStore:
        return self.views.get()

    def close(self) -> None:
        """Close the read-model handles (they open again on use). The store pool is the app's
        (signing in reads it too): whoever made it closes it (``ApiServer.stop``)."""
        self.views.close()


def readers(request: Request) -> Readers:
    """FastAPI dependency: the app's readers."""
    found: Readers = request.app.state.v1
    return found


def masked(standard: Standard, record_type: str, content: dict[str, Any]) -> dict[str, Any]:
    """``content`` (a record's canonical JSON) as a viewer sees it: the feeds' rule, not one of
    its own, so a viewer never sees more than a subscriber without ``personal``."""
    known = standard.types.get(record_type)
    if known is None:
        return {}
    return shape(content, known, VIEWER_SIGHT)


async def threaded(function: Callable[..., T], *args: Any) -> T:
    """Blocking reads run off the event loop."""
    return await asyncio.to_thread(function, *args)


def timezone(settings: HubSettings) -> dt.tzinfo:
    """The hub's time zone (``HUB_UTC_OFFSET_HOURS``)."""
    return dt.timezone(dt.timedelta(hours=settings.utc_offset_hours))


async def json_body(request: Request, model: type[M], limit: int = MAX_ACTION_BYTES) -> M:
    """The request's JSON body as ``model``, read at most ``limit`` bytes (an action names ids,
    never megabytes): 403 from another origin, 415 not declared JSON, 413 over the limit, 400
    for what is not JSON or nests too deep, 422 for what does not fit (:mod:`hub.api.actions`)."""
    require_same_origin(request)
    require_json(request)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLargeError(
            f"请求体超过 {limit} 字节 / the body exceeds {limit} bytes", max=limit
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLargeError(
                f"请求体超过 {limit} 字节 / the body exceeds {limit} bytes", max=limit
            )
    value = parse_json(bytes(body))
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise BadQueryError(
            f"请求体不符合要求：{problems}", f"the body does not fit: {problems}"
        ) from None
