"""The ingest API's app with the /v1 query routes, in process, over a loaded hub."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.backends import backend_for
from hub.engine.sink import LogSink
from hub.events import load_codec
from hub.settings import HubSettings
from hub.storage.pool import StorePool
from tests.query.signin import make_accounts

__all__ = ["query_app", "served"]


def query_app(settings: HubSettings) -> tuple[FastAPI, StorePool]:
    make_accounts(settings)
    standard = settings.standard()
    codec = load_codec(standard.root)
    stores = StorePool(backend_for(settings).store)
    app = create_app(settings, standard, codec, stores, LogSink(stores, codec, lambda: 1.7e9))
    return app, stores


@contextmanager
def served(settings: HubSettings) -> Iterator[TestClient]:
    app, stores = query_app(settings)
    try:
        with TestClient(app) as client:
            yield client
    finally:
        stores.close()
