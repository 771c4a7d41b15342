"""The read-model store contract on SQLite and on PostgreSQL (a real server): every port's suite."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from hub.errors import StorageError
from hub.projections.ports import ViewStore
from hub.projections.postgres import PostgresViews
from hub.projections.sqlite import SqliteViews
from hub.testing import contracts
from hub.testing.contracts import ViewFixtures


class SqliteViewStores(ViewFixtures):
    """The read-model suites' fixtures on SQLite: ``views.db`` in a fresh folder."""

    #: A closed handle's uses raise: a transaction cannot begin (StorageError), a read gets the
    #: driver's error.
    closed_errors: ClassVar[tuple[type[Exception], ...]] = (
        StorageError,
        sqlite3.ProgrammingError,
    )

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


class PostgresViewStores(ViewFixtures):
    """The read-model suites' fixtures on PostgreSQL: a fresh database on the test server."""

    #: A closed handle connects again on its next use (as after a lost connection).
    closed_errors: ClassVar[tuple[type[Exception], ...]] = ()

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


class TestSqliteViewTransaction(SqliteViewStores, contracts.ViewTransactionContract):
    pass


class TestSqliteViewSchema(SqliteViewStores, contracts.ViewSchemaContract):
    pass


class TestSqliteViewReads(SqliteViewStores, contracts.ViewReadsContract):
    pass


class TestSqliteViewStore(SqliteViewStores, contracts.ViewStoreContract):
    pass


class TestPostgresViewTransaction(PostgresViewStores, contracts.ViewTransactionContract):
    pass


class TestPostgresViewSchema(PostgresViewStores, contracts.ViewSchemaContract):
    pass


class TestPostgresViewReads(PostgresViewStores, contracts.ViewReadsContract):
    pass


class TestPostgresViewStore(PostgresViewStores, contracts.ViewStoreContract):
    pass
