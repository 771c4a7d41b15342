"""A read model made by an older hub (a column missing) is rebuilt from history when the hub
starts, blue/green, on both backends; an unchanged one is left alone."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from hub.audit import verify
from hub.projections.records import CURRENT, VERSIONS
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.testing.harness import EmbeddedHarness
from hub.testing.sources import COUNTY


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> HubSettings:
    extra: dict[str, Any] = {}
    if request.param == "postgresql":
        extra["database_url"] = SecretStr(request.getfixturevalue("pg_url"))
    return HubSettings(data_dir=tmp_path / "hub", **extra)


def test_an_older_read_model_is_rebuilt_at_start(
    settings: HubSettings, inspection: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    extra = {"database_url": settings.database_url} if settings.database_url else {}
    harness = EmbeddedHarness(settings.data_dir, **extra)
    try:
        harness.register(COUNTY)
        harness.submit(COUNTY.source_id, "inspection", [inspection])
        harness.submit(COUNTY.source_id, "inspection", [inspection], operation="delete")
        harness.run()
        before = sorted(map(tuple, harness.hub.views.rows(VERSIONS)))
    finally:
        harness.close()

    with caplog.at_level(logging.WARNING, logger="hub.projections"), EmbeddedHub(settings) as hub:
        assert "rebuilding" not in caplog.text  # the same definition: nothing to do
        for table in (CURRENT, VERSIONS):  # what a hub before retractions had
            _drop_column(hub, table.name, "retracted")
        assert "retracted" not in hub.views.columns(CURRENT.name)

    with caplog.at_level(logging.WARNING, logger="hub.projections"), EmbeddedHub(settings) as hub:
        assert "read model records changed its tables: rebuilding" in caplog.text
        assert hub.views.columns(CURRENT.name)[-1] == "retracted"
        assert sorted(map(tuple, hub.views.rows(VERSIONS))) == before
        assert [tuple(r) for r in hub.views.rows(CURRENT, columns=("version", "retracted"))] == [
            (2, 1)
        ]
        assert verify(hub.store, hub.views, hub.codec) == []


def _drop_column(hub: EmbeddedHub, table: str, column: str) -> None:
    views: Any = hub.views
    if views.dialect == "sqlite":
        views.db.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    else:
        with views._live().transaction():
            views._live().execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
