"""What the ``/v1`` routes read from: the store and the read models, one handle of each per
thread of the web server (connections are not shared), and the standard (for masking).

One :class:`Readers` per app (``app.state.v1``), made by ``install_v1``; it takes the app's store
pool when the ingest API made one (``app.state.stores``), so both share connections.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request

from hub.api.sinks import StorePool
from hub.domain.subscribers import Subscriber
from hub.processing.feeds import shape
from hub.settings import HubSettings
from hub.standard import Standard
from hub.storage.ports import Store
from projections import ViewStore, open_views

__all__ = ["VIEWER_SIGHT", "Readers", "ViewPool", "masked", "readers", "threaded"]

T = TypeVar("T")

#: What a viewer sees of a record: every field its region's own staff would, personal data
#: (ID numbers, phones, natural persons' names) masked by the feed rule (``张*丰``).
VIEWER_SIGHT = Subscriber("console-viewer", sharing="all", personal=False)


class ViewPool:
    """One read-model store per thread, opened on first use, all closed together."""

    def __init__(self, settings: HubSettings) -> None:
        self._settings = settings
        self._local = threading.local()
        self._all: list[ViewStore] = []
        self._lock = threading.Lock()

    def get(self) -> ViewStore:
        views: ViewStore | None = getattr(self._local, "views", None)
        if views is None:
            url = self._settings.database_url
            views = open_views(self._settings.data_dir, url.get_secret_value() if url else None)
            self._local.views = views
            with self._lock:
                self._all.append(views)
        return views

    def close(self) -> None:
        with self._lock:
            for views in self._all:
                views.close()
            self._all.clear()


class Readers:
    def __init__(self, settings: HubSettings, stores: StorePool | None = None) -> None:
        self.settings = settings
        self.standard: Standard = settings.standard()
        self.stores = stores or StorePool(settings)
        self._own_stores = stores is None
        self.views = ViewPool(settings)

    def store(self) -> Store:
        return self.stores.get()

    def view_store(self) -> ViewStore:
        return self.views.get()

    def close(self) -> None:
        self.views.close()
        if self._own_stores:
            self.stores.close()


def readers(request: Request) -> Readers:
    """FastAPI dependency: the app's readers."""
    found: Readers = request.app.state.v1
    return found


def masked(standard: Standard, record_type: str, content: dict[str, Any]) -> dict[str, Any]:
    """``content`` (a record's canonical JSON) as a viewer sees it."""
    known = standard.types.get(record_type)
    if known is None:
        return {}
    return shape(content, known, VIEWER_SIGHT)


async def threaded(function: Callable[..., T], *args: Any) -> T:
    """Blocking reads run off the event loop."""
    return await asyncio.to_thread(function, *args)
