"""The read models' contracts: inside a transaction
(:class:`~hub.projections.ports.ViewTransaction`), the tables
(:class:`~hub.projections.ports.ViewSchema`), what they hold
(:class:`~hub.projections.ports.ViewReads`), and the store's own transactions and closing
(:class:`~hub.projections.ports.ViewStore`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import ClassVar

import pytest

from hub.projections import ports
from hub.projections.ports import ViewStore
from hub.projections.tables import Column, Kind, Merge, Table
from hub.testing.contracts.base import ViewFixtures

__all__ = [
    "ViewReadsContract",
    "ViewSchemaContract",
    "ViewStoreContract",
    "ViewTransactionContract",
]

_HISTORY = Table(
    "t_history",
    (Column("k"), Column("n", Kind.INT), Column("doc", Kind.JSON), Column("at", Kind.TIME)),
    key=("k", "n"),
    indexes=(("n",),),
)
_CURRENT = Table(
    "t_current",
    (Column("k"), Column("version", Kind.INT), Column("v", nullable=True)),
    key=("k",),
    merge=Merge.NEWER,
)
_COUNTS = Table(
    "t_counts",
    (Column("k"), Column("a", Kind.INT), Column("b", Kind.INT)),
    key=("k",),
    merge=Merge.ADD,
    counters=("a", "b"),
)
_TABLES = (_HISTORY, _CURRENT, _COUNTS)


class ViewTransactionContract(ViewFixtures):
    """What every backend does inside a read-model transaction: merges, positions, turns."""

    port = ports.ViewTransaction

    def test_merge_rules_and_a_redelivered_batch_is_a_no_op(self, views: ViewStore) -> None:
        views.create(_TABLES)
        doc = '{"名称": "杭州", "n": [1, 2.5, null]}'
        at = "2025-03-11T02:00:00+00:00"
        for _ in range(2):  # the second time is a redelivery of the same batch... by a bug
            with views.transaction(["p"]) as tx:
                tx.write(_HISTORY, [("a", 1, doc, at)])
                tx.write(_CURRENT, [("a", 2, "two")])
        with views.transaction(["p"]) as tx:
            tx.write(_HISTORY, [("a", 1, '{"other": 1}', at)])  # history is written once
            tx.write(_CURRENT, [("a", 1, "one"), ("b", 1, None)])  # older: ignored
            tx.write(_COUNTS, [("x", 1, 10)])
        with views.transaction(["p"]) as tx:
            tx.write(_CURRENT, [("b", 3, "three")])
            tx.write(_COUNTS, [("x", 2, 20), ("y", 1, 1)])
        assert views.rows(_HISTORY) == [("a", 1, {"名称": "杭州", "n": [1, 2.5, None]}, at)]
        assert sorted(views.rows(_CURRENT)) == [("a", 2, "two"), ("b", 3, "three")]
        assert sorted(views.rows(_COUNTS)) == [("x", 3, 30), ("y", 1, 1)]

    def test_writers_of_one_projection_take_turns(
        self, views: ViewStore, second_views: Callable[[], ViewStore]
    ) -> None:
        views.create(_TABLES)
        other = second_views()
        holding = threading.Event()
        seen: list[int] = []

        def second() -> None:
            holding.wait(5)
            with other.transaction(["p"]) as tx:
                seen.append(tx.position("p", "records"))
                tx.write(_COUNTS, [("x", 1, 1)])

        thread = threading.Thread(target=second)
        thread.start()
        with views.transaction(["p"]) as tx:
            holding.set()
            time.sleep(0.3)
            tx.write(_COUNTS, [("x", 1, 1)])
            tx.set_position("p", "records", 8)
        thread.join(10)
        assert seen == [8]
        assert views.rows(_COUNTS) == [("x", 2, 2)]


class ViewSchemaContract(ViewFixtures):
    """Every backend's read-model tables: rebuilt aside, swapped in or dropped at once."""

    port = ports.ViewSchema

    def test_swap_replaces_tables_and_positions_at_once(self, views: ViewStore) -> None:
        views.create(_TABLES)
        views.create(_TABLES, "__next")
        with views.transaction(["p"]) as tx:
            tx.write(_CURRENT, [("old", 1, "live")])
            tx.set_position("p", "records", 3)
        with views.transaction(["p__next"]) as tx:
            tx.write(_CURRENT, [("new", 1, "rebuilt")], "__next")
            tx.set_position("p__next", "records", 5)
        views.swap(_TABLES, "p", "__next")
        assert views.rows(_CURRENT) == [("new", 1, "rebuilt")]
        assert views.positions("p") == {"records": 5} and views.positions("p__next") == {}
        assert not any(t.endswith("__next") for t in views.tables())
        with views.transaction(["p"]) as tx:  # the swapped-in tables take writes as usual
            tx.write(_CURRENT, [("new", 2, "updated")])
        assert views.rows(_CURRENT) == [("new", 2, "updated")]
        views.create(_TABLES, "__next")  # and a second rebuild can start (names are free)
        views.swap(_TABLES, "p", "__next")
        assert views.rows(_CURRENT) == []

    def test_drop_removes_tables_and_positions(self, views: ViewStore) -> None:
        views.create(_TABLES, "__diff")
        with views.transaction(["p__diff"]) as tx:
            tx.write(_COUNTS, [("x", 1, 1)], "__diff")
            tx.set_position("p__diff", "records", 2)
        views.drop(_TABLES, "p", "__diff")
        assert not {"t_counts__diff", "t_current__diff"} & views.tables()
        assert views.positions("p__diff") == {}


class ViewReadsContract(ViewFixtures):
    """What every backend reads back of the read models."""

    port = ports.ViewReads

    def test_tables_columns_and_positions_are_read_back(self, views: ViewStore) -> None:
        assert views.columns("t_current") == [] and views.positions("p") == {}
        before = views.tables()
        views.create(_TABLES)
        views.create(_TABLES)  # again: nothing changes
        assert views.tables() - before == {"t_history", "t_current", "t_counts"}
        assert views.columns("t_current") == ["k", "version", "v"]
        assert views.columns("t_history") == ["k", "n", "doc", "at"]
        with views.transaction(["p"]) as tx:
            tx.set_position("p", "records", 4)
            tx.set_position("p", "verdicts", 2)
            tx.set_position("q", "records", 9)
        assert views.positions("p") == {"records": 4, "verdicts": 2}
        assert views.positions("q") == {"records": 9} and views.positions("r") == {}

    def test_rows_filters_and_columns(self, views: ViewStore) -> None:
        views.create(_TABLES)
        with views.transaction(["p"]) as tx:
            tx.write(_CURRENT, [(f"k{i}", i, f"v{i % 3}") for i in range(1, 1200)])
        assert len(views.rows(_CURRENT)) == 1199
        picked = views.rows(_CURRENT, columns=("k",), where={"v": ["v1"], "version": [1, 4, 5]})
        assert sorted(picked) == [("k1",), ("k4",)]
        many = views.rows(
            _CURRENT, columns=("version",), where={"k": [f"k{i}" for i in range(1200)]}
        )
        assert len(many) == 1199


class ViewStoreContract(ViewFixtures):
    """What every backend's read-model store does beyond its ports: transactions, closing."""

    port = ports.ViewStore

    #: What a closed handle does, as its backend documents: an empty tuple when it opens again on
    #: its next use (PostgreSQL: a new connection), else the errors its uses raise (SQLite).
    closed_errors: ClassVar[tuple[type[Exception], ...]] = ()

    def test_a_closed_handle_refuses_or_reopens_as_its_backend_documents(
        self, views: ViewStore, second_views: Callable[[], ViewStore]
    ) -> None:
        views.create(_TABLES)
        with views.transaction(["p"]) as tx:
            tx.write(_COUNTS, [("x", 1, 1)])
            tx.set_position("p", "records", 1)
        views.close()
        views.close()  # twice is harmless
        assert second_views().rows(_COUNTS) == [("x", 1, 1)]  # what was committed is kept
        if self.closed_errors:
            with pytest.raises(self.closed_errors):
                views.rows(_COUNTS)
            with pytest.raises(self.closed_errors):
                views.positions("p")
            with pytest.raises(self.closed_errors), views.transaction(["p"]):
                pass
            return
        assert views.rows(_COUNTS) == [("x", 1, 1)]  # opened again
        with views.transaction(["p"]) as tx:
            tx.write(_COUNTS, [("x", 1, 1)])
            tx.set_position("p", "records", 2)
        assert views.rows(_COUNTS) == [("x", 2, 2)] and views.positions("p") == {"records": 2}

    def test_rows_and_positions_commit_together_or_not_at_all(self, views: ViewStore) -> None:
        views.create(_TABLES)
        with pytest.raises(RuntimeError), views.transaction(["p"]) as tx:
            tx.write(_COUNTS, [("x", 1, 1)])
            tx.set_position("p", "records", 10)
            raise RuntimeError("killed mid-batch")
        assert views.rows(_COUNTS) == [] and views.positions("p") == {}
        with views.transaction(["p"]) as tx:
            tx.write(_COUNTS, [("x", 1, 1)])
            tx.set_position("p", "records", 10)
            assert tx.position("p", "records") == 10
        assert views.positions("p") == {"records": 10}
