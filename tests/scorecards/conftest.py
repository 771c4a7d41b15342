"""A demo province loaded once (``hub demo``'s own code: the Zhejiang bureaus' sloppy rows,
cross-level duplicates, stale updates and national rejections, through the whole loop), and its
read models on each view backend: SQLite (the hub's own ``views.db``) and PostgreSQL (the same
log projected into a fresh database by the hub's projection runner)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from hub.demo import run_demo
from hub.events import Codec
from hub.projections import ProjectionRunner, ViewStore, all_projections
from hub.projections.postgres import PostgresViews
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.storage.ports import Store
from tests.pg import fresh_database

RECORDS = 400
SEED = 7


@dataclass
class Loaded:
    """A hub's log and one backend's read models of it."""

    settings: HubSettings
    store: Store
    views: ViewStore
    codec: Codec


@pytest.fixture(scope="session")
def demo_sqlite(tmp_path_factory: pytest.TempPathFactory) -> HubSettings:
    settings = HubSettings(data_dir=tmp_path_factory.mktemp("demo"))
    run_demo(settings, RECORDS, SEED)
    return settings


@pytest.fixture(params=["sqlite", "postgres"])
def demo(request: pytest.FixtureRequest, demo_sqlite: HubSettings) -> Iterator[Loaded]:
    """The demo hub's log with its read models on each view backend in turn."""
    with EmbeddedHub(demo_sqlite) as hub:
        if request.param == "sqlite":
            hub.projector.run_until_current()
            yield Loaded(demo_sqlite, hub.store, hub.views, hub.codec)
            return
        server: str = request.getfixturevalue("pg_server")
        with fresh_database(server, "hub_scorecards") as url, PostgresViews(url) as views:
            tz = demo_sqlite.policy().timezone
            runner = ProjectionRunner(views, hub.store, hub.codec, all_projections(hub.codec, tz))
            try:
                runner.run_until_current()
            finally:
                runner.close()
            yield Loaded(demo_sqlite, hub.store, views, hub.codec)
