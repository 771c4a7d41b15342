"""The loaded hubs the query tests share: the dossier's scenario (one per view backend, built
once per run) and the demo province (once per module on each backend) for the map and the /v1
API."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.standard import Standard
from tests.pg import fresh_database
from tests.query.hubs import Scenario, loaded_hub
from tests.query.province import load_province

RECORDS = 300


@pytest.fixture(scope="package", params=["sqlite", "postgresql"])
def loaded(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    standard: Standard,
) -> Iterator[tuple[EmbeddedHub, Scenario]]:
    def example(type_id: str) -> dict[str, Any]:
        return copy.deepcopy(standard.example(type_id))

    data_dir = tmp_path_factory.mktemp(f"dossier-{request.param}")
    if request.param == "sqlite":
        with loaded_hub(data_dir, example) as pair:
            yield pair
        return
    server = request.getfixturevalue("pg_server")
    with fresh_database(server) as url, loaded_hub(data_dir, example, url) as pair:
        yield pair


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
