"""Borrowed columns (:class:`hub.projections.tables.Borrow`) read back as written on both backends:
PostgreSQL takes them from the stored rows of the table they are borrowed from, SQLite stores
them as given; a reader cannot tell the difference."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.projections.ports import ViewStore
from hub.projections.postgres import PostgresViews
from hub.projections.sqlite import SqliteViews
from hub.projections.tables import Borrow, Column, Kind, Merge, Table

HISTORY = Table(
    "b_history",
    (Column("k"), Column("version", Kind.INT), Column("body", Kind.JSON)),
    key=("k", "version"),
)
LATEST = Table(
    "b_latest",
    (
        Column("k"),
        Column("version", Kind.INT),
        Column("body", Kind.JSON),
        Column("note", nullable=True),
    ),
    key=("k",),
    merge=Merge.NEWER,
    borrows=Borrow("b_history", columns=("body",), on=("k", "version")),
)


@pytest.fixture(params=["sqlite", "postgresql"])
def views(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ViewStore]:
    store: ViewStore
    if request.param == "sqlite":
        store = SqliteViews(tmp_path / "views.db")
    else:
        store = PostgresViews(request.getfixturevalue("pg_url"))
    with store:
        yield store


def _write(views: ViewStore, batch: list[tuple[str, int, str]], suffix: str = "") -> None:
    """What a projection does: the history rows first, then the latest rows borrowing from them."""
    with views.transaction(["b" + suffix]) as tx:
        tx.write(HISTORY, [(k, v, body) for k, v, body in batch], suffix)
        tx.write(LATEST, [(k, v, body, f"n{v}") for k, v, body in batch], suffix)


def test_borrowed_columns_read_back_as_written(views: ViewStore) -> None:
    views.create([HISTORY, LATEST])
    _write(views, [("a", 1, '{"x": 1}'), ("b", 1, '{"y": [1, 2]}')])
    _write(views, [("a", 2, '{"x": 2, "z": "二"}')])
    _write(views, [("a", 2, '{"x": 2, "z": "二"}')])  # the same batch again: a no-op
    assert sorted(views.rows(LATEST)) == [
        ("a", 2, {"x": 2, "z": "二"}, "n2"),
        ("b", 1, {"y": [1, 2]}, "n1"),
    ]
    assert len(views.rows(HISTORY)) == 3


def test_borrowing_tables_built_aside_borrow_from_their_own_copy(views: ViewStore) -> None:
    views.create([HISTORY, LATEST])
    _write(views, [("a", 1, '{"live": true}')])
    views.create([HISTORY, LATEST], "__next")
    _write(views, [("a", 1, '{"aside": true}'), ("c", 3, '{"aside": 3}')], "__next")
    assert views.rows(LATEST, columns=("body",)) == [({"live": True},)]
    assert sorted(views.rows(LATEST, suffix="__next", columns=("k", "body"))) == [
        ("a", {"aside": True}),
        ("c", {"aside": 3}),
    ]
