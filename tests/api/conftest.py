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
from hub.api.tokens import new_token, token_hash
from hub.backends import backend_for
from hub.domain.accounts import Account
from hub.domain.credentials import digest
from hub.domain.values import Source
from hub.engine.sink import LogSink
from hub.events import load_codec
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.storage.pool import StorePool
from hub.testing.sources import SOURCES

#: the account ``/metrics`` is scraped with (``hub accounts add prometheus --role auditor``)
SCRAPER = Account("prometheus", "auditor", None, False, "2026-01-01T00:00:00+00:00")


@dataclass
class Api:
    client: TestClient
    settings: HubSettings
    tokens: dict[str, str]  # source id → token
    scrape_token: str = ""  # an auditor account's token, as Prometheus scrapes /metrics with

    def scrape(self) -> str:
        """``/metrics`` as Prometheus reads it (its bearer token)."""
        reply = self.client.get(
            "/metrics", headers={"Authorization": f"Bearer {self.scrape_token}"}
        )
        assert reply.status_code == 200, reply.text
        return reply.text

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
    scrape_token = new_token()
    with EmbeddedHub(settings) as hub, hub.store.transaction() as tx:
        for source in sources:
            tx.put_source(source)
            tx.set_token(source.source_id, token_hash(tokens[source.source_id]))
        if tx.account(SCRAPER.name) is None:
            tx.put_account(SCRAPER)
        tx.set_account_token(SCRAPER.name, digest(scrape_token))
    stores = StorePool(backend_for(settings).store)
    app = create_app(settings, standard, codec, stores, LogSink(stores, codec, lambda: 1.7e9))
    try:
        with TestClient(app) as client:
            yield Api(client, settings, tokens, scrape_token)
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
