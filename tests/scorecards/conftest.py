"""A demo province loaded once per backend (SQLite, PostgreSQL) for the scorecard tests: the
Zhejiang bureaus' sloppy rows, cross-level duplicates, stale updates and national rejections,
through the whole loop (``hub demo``'s own code)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from hub.demo import run_demo
from hub.settings import HubSettings
from tests.pg import fresh_database

RECORDS = 400
SEED = 7


@pytest.fixture(scope="session")
def demo_sqlite(tmp_path_factory: pytest.TempPathFactory) -> HubSettings:
    settings = HubSettings(data_dir=tmp_path_factory.mktemp("demo-sqlite"))
    run_demo(settings, RECORDS, SEED)
    return settings


@pytest.fixture(scope="session")
def demo_postgres(
    tmp_path_factory: pytest.TempPathFactory, pg_server: str
) -> Iterator[HubSettings]:
    with fresh_database(pg_server, "hub_scorecards") as url:
        settings = HubSettings(
            data_dir=tmp_path_factory.mktemp("demo-pg"), database_url=SecretStr(url)
        )
        run_demo(settings, RECORDS, SEED)
        yield settings


@pytest.fixture(params=["sqlite", "postgres"])
def demo(request: pytest.FixtureRequest) -> HubSettings:
    """The demo hub's settings, on each backend in turn."""
    name = "demo_sqlite" if request.param == "sqlite" else "demo_postgres"
    settings: HubSettings = request.getfixturevalue(name)
    return settings


def data_dir_of(settings: HubSettings) -> Path:
    return settings.data_dir
