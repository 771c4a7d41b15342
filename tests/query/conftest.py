"""The loaded hubs the query tests share (one per view backend, built once per run)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from hub.runtime.embedded import EmbeddedHub
from hub.standard import Standard
from tests.pg import fresh_database
from tests.query.hubs import Scenario, loaded_hub


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
