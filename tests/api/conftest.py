"""The ingest API in process (FastAPI's test client over the real app), on each backend: SQLite
(the embedded default) and PostgreSQL. Tokens are made the way ``hub sources add`` makes them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from hub.api.app import create_app
from hub.api.sinks import LogSink
from hub.api.tokens import new_token, token_hash
from hub.events import load_codec
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.storage.pool import StorePool
from hub.storage.ports import Source
from tests.runtime.sources import SOURCES


@dataclass
class Api:
    client: TestClient
    settings: HubSettings
    tokens: dict[str, str]  # source id → token

    def auth(self, source_id: str, **headers: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[source_id]}", **headers}

    def post(self, source_id: str, record_type: str, records: list[Any], **headers: str) -> Any:
        return self.client.post(
            f"/v1/records/{record_type}",
            json={"records": records},
            headers=self.auth(source_id, **headers),
        )

    def process(self) -> None:
        with EmbeddedHub(self.settings) as hub:
            hub.run_until_idle(settle_deliveries=False)


def make_api(settings: HubSettings, sources: tuple[Source, ...] = SOURCES) -> Iterator[Api]:
    standard = settings.standard()
    codec = load_codec(standard.root)
    tokens = {s.source_id: new_token() for s in sources}
    with EmbeddedHub(settings) as hub, hub.store.transaction() as tx:
        for source in sources:
            tx.put_source(source)
            tx.set_token(source.source_id, token_hash(tokens[source.source_id]))
    stores = StorePool(settings)
    app = create_app(settings, standard, codec, stores, LogSink(stores, codec, lambda: 1.7e9))
    try:
        with TestClient(app) as client:
            yield Api(client, settings, tokens)
    finally:
        stores.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    extra: dict[str, Any] = {}
    if request.param == "postgresql":
        extra["database_url"] = SecretStr(request.getfixturevalue("pg_url"))
    settings = HubSettings(
        data_dir=tmp_path / "hub", api_max_records=50, api_max_body_bytes=64 * 1024, **extra
    )
    yield from make_api(settings)
