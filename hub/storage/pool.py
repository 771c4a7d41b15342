"""One store per thread of a web server, opened on first use and closed together: a database
connection (SQLite or psycopg) is not shared between threads. The ingest API, the ``/v1`` query
API, the console and the metrics collector all read through the app's pool."""

from __future__ import annotations

import threading
from collections.abc import Callable

from hub.storage.ports import Store

__all__ = ["StorePool"]


class StorePool:
    """One store per thread, opened on first use by ``open_store`` (e.g. the settings'
    backend's :meth:`~hub.backends.Backend.store`), all closed together."""

    def __init__(self, open_store: Callable[[], Store]) -> None:
        self._open = open_store
        self._local = threading.local()
        self._all: list[Store] = []
        self._lock = threading.Lock()

    def get(self) -> Store:
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = self._open()
            self._local.store = store
            with self._lock:
                self._all.append(store)
        return store

    def close(self) -> None:
        with self._lock:
            for store in self._all:
                store.close()
            self._all.clear()
