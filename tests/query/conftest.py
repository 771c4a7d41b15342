"""A province loaded once per module on each backend, for the read-side tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from hub.settings import HubSettings
from tests.pg import fresh_database
from tests.query.province import load_province

RECORDS = 300


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def province(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HubSettings]:
    """Settings of a hub holding the province's submissions, processed and projected."""
    folder: Path = tmp_path_factory.mktemp(f"province-{request.param}")
    if request.param == "sqlite":
        settings = HubSettings(data_dir=folder)
        load_province(settings, RECORDS)
        yield settings
        return
    server: str = request.getfixturevalue("pg_server")
    with fresh_database(server) as url:
        extra: dict[str, Any] = {"database_url": SecretStr(url)}
        settings = HubSettings(data_dir=folder, **extra)
        load_province(settings, RECORDS)
        yield settings
