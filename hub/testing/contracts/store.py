"""The store's own contract (:class:`~hub.storage.ports.Store`): transactions, read snapshots,
closing a handle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import pytest

from hub.storage import ports
from hub.storage.ports import Store
from hub.testing.contracts.base import StoreFixtures

__all__ = ["StoreContract"]


class StoreContract(StoreFixtures):
    """What every backend's store does beyond its read ports."""

    port = ports.Store

    #: What a closed handle does, as its backend documents: an empty tuple when it opens again on
    #: its next use (PostgreSQL: a new connection), else the errors its uses raise (SQLite).
    closed_errors: ClassVar[tuple[type[Exception], ...]] = ()

    def test_rollback_leaves_nothing(self, store: Store) -> None:
        with pytest.raises(RuntimeError), store.transaction() as tx:
            tx.append("records", [("r1", "t", "k", "c", b"x")])
            tx.set_position("consumer", "records", 5)
            raise RuntimeError("crash in the middle of a step")
        assert store.head("records") == 0
        with store.transaction() as tx:
            assert tx.position("consumer", "records") == 0

    def test_a_snapshot_does_not_see_appends_made_during_it(
        self, store: Store, second_store: Callable[[], Store]
    ) -> None:
        """An audit of a running hub reads the log and its heads as of one moment."""
        with store.transaction() as tx:
            tx.append("feedback", [("f1", "feedback.verdict", "s", "c1", b"a")])
        other = second_store()
        with store.snapshot():
            before = store.chain_heads()["feedback"]
            with other.transaction() as tx:
                tx.append("feedback", [("f2", "feedback.verdict", "s", "c2", b"b")])
            assert [r.event_id for r in store.chained("feedback", 0, 10)] == ["f1"]
            assert store.chain_heads()["feedback"] == before
        assert [r.event_id for r in store.chained("feedback", 0, 10)] == ["f1", "f2"]

    def test_a_durable_transaction_commits_or_rolls_back_like_any_other(
        self, store: Store, second_store: Callable[[], Store]
    ) -> None:
        with store.transaction(durable=True) as tx:
            tx.append("submissions", [("s1", "t", "k", "s1", b"x")])
        with pytest.raises(RuntimeError), store.transaction(durable=True) as tx:
            tx.append("submissions", [("s2", "t", "k", "s2", b"y")])
            raise RuntimeError("crash before commit")
        with store.transaction() as tx:  # the handle's next transactions are as before
            tx.append("submissions", [("s3", "t", "k", "s3", b"z")])
        other = second_store()
        assert [e.event_id for e in other.read("submissions", 0, 10)] == ["s1", "s3"]

    def test_closing_keeps_what_was_committed(
        self, store: Store, second_store: Callable[[], Store]
    ) -> None:
        with store.transaction() as tx:
            tx.append("records", [("r1", "t", "k", "c", b"x")])
            tx.set_position("judge", "records", 1)
        store.close()
        store.close()  # twice is harmless (a pool and the fixture that made it may both close)
        other = second_store()
        assert [e.event_id for e in other.read("records", 0, 10)] == ["r1"]
        with other.transaction() as tx:
            assert tx.position("judge", "records") == 1

    def test_a_closed_handle_refuses_or_reopens_as_its_backend_documents(
        self, store: Store
    ) -> None:
        with store.transaction() as tx:
            tx.append("records", [("r1", "t", "k", "c1", b"x")])
        store.close()
        if self.closed_errors:
            with pytest.raises(self.closed_errors):
                store.read("records", 0, 10)
            with pytest.raises(self.closed_errors):
                store.head("records")
            with pytest.raises(self.closed_errors), store.transaction():
                pass
            return
        assert [e.event_id for e in store.read("records", 0, 10)] == ["r1"]  # opened again
        with store.transaction() as tx:
            tx.append("records", [("r2", "t", "k", "c2", b"y")])
        assert [e.event_id for e in store.scan("records")] == ["r1", "r2"]
