"""The one backend picker (hub.backends): SQLite in the data directory unless a PostgreSQL URL
is given; any other URL is a configuration error, and the URL (it may hold a password) is not
in the backend's repr."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.backends import Backend, backend_at, backend_for
from hub.errors import ConfigError
from hub.projections.sqlite import SqliteViews
from hub.settings import HubSettings
from hub.storage.sqlite import SqliteStore


def test_sqlite_without_a_url(tmp_path: Path) -> None:
    backend = backend_for(HubSettings(data_dir=tmp_path))
    assert backend == Backend(tmp_path) and backend.kind == "sqlite"
    store, views = backend.store(), backend.views()
    try:
        assert isinstance(store, SqliteStore) and store.path == tmp_path / "log.db"
        assert isinstance(views, SqliteViews) and views.path == tmp_path / "views.db"
    finally:
        store.close()
        views.close()


def test_postgresql_with_a_url(tmp_path: Path) -> None:
    url = "postgresql://hub:secret@127.0.0.1:1/hub"
    backend = backend_at(tmp_path, url)
    assert backend.kind == "postgresql" and backend.database_url == url
    assert "secret" not in repr(backend)
    assert backend_at(tmp_path, "postgres://h/db").kind == "postgresql"


@pytest.mark.parametrize("url", ["mysql://h/db", "sqlite:///x.db", "h/db"])
def test_other_urls_are_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError, match="HUB_DATABASE_URL must be a postgresql:// URL"):
        backend_at(tmp_path, url)
