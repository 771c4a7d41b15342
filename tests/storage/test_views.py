"""The read-model store contract on SQLite and on PostgreSQL (a real server)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hub.projections.ports import ViewStore
from hub.projections.postgres import PostgresViews
from hub.projections.sqlite import SqliteViews
from hub.testing.contracts import ViewStoreContract


class TestSqliteViews(ViewStoreContract):
    @pytest.fixture
    def views(self, tmp_path: Path) -> Iterator[ViewStore]:
        with SqliteViews(tmp_path / "views.db") as views:
            yield views

    @pytest.fixture
    def second_views(self, tmp_path: Path) -> Iterator[Callable[[], ViewStore]]:
        opened: list[ViewStore] = []
        yield lambda: opened.append(SqliteViews(tmp_path / "views.db")) or opened[-1]
        for views in opened:
            views.close()


class TestPostgresViews(ViewStoreContract):
    @pytest.fixture
    def views(self, pg_url: str) -> Iterator[ViewStore]:
        with PostgresViews(pg_url) as views:
            yield views

    @pytest.fixture
    def second_views(self, pg_url: str) -> Iterator[Callable[[], ViewStore]]:
        opened: list[ViewStore] = []
        yield lambda: opened.append(PostgresViews(pg_url)) or opened[-1]
        for views in opened:
            views.close()
