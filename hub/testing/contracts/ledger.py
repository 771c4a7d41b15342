"""The delivery ledger's contract (:class:`~hub.storage.ports.Ledger`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from hub.storage import ports
from hub.storage.ports import Store
from hub.testing.contracts.base import StoreFixtures, ledger_row, operators_ledger

__all__ = ["LedgerContract"]


class LedgerContract(StoreFixtures):
    """Every backend's ledger: versions of a record go out in order, never twice at once."""

    port = ports.Ledger

    def test_two_senders_never_take_the_same_due_row(
        self, store: Store, second_store: Callable[[], Store]
    ) -> None:
        with store.transaction() as tx:
            tx.ledger_insert([ledger_row(f"r{i}", 1) for i in range(6)])
        other = second_store()
        holding = threading.Event()
        taken: list[list[str]] = []

        def second() -> None:
            holding.wait(5)
            with other.transaction() as tx:
                rows = tx.ledger_due("national", 10, 4)
                tx.ledger_update([ledger_row(r.record_id, 1, state="sent", due=99) for r in rows])
                taken.append([r.record_id for r in rows])

        thread = threading.Thread(target=second)
        thread.start()
        with store.transaction() as tx:
            mine = tx.ledger_due("national", 10, 4)
            holding.set()
            time.sleep(0.3)
            tx.ledger_update([ledger_row(r.record_id, 1, state="sent", due=99) for r in mine])
        thread.join(10)
        assert len(mine) == 4 and len(taken) == 1
        assert not {r.record_id for r in mine} & set(taken[0])  # nothing pushed twice

    def test_ledger_sends_versions_of_a_record_in_order(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.ledger_insert(
                [
                    ledger_row("r1", 1),
                    ledger_row("r1", 2),
                    ledger_row("r2", 1),
                    ledger_row("r3", 1, due=99),
                ]
            )
            tx.ledger_insert([ledger_row("r1", 1)])  # planned twice: still one row
            due = tx.ledger_due("national", now=10, limit=10)
        assert [(r.record_id, r.version) for r in due] == [("r1", 1), ("r2", 1)]
        with store.transaction() as tx:
            tx.ledger_update([ledger_row("r1", 1, state="acked")])
            assert [(r.record_id, r.version) for r in tx.ledger_due("national", 10, 10)] == [
                ("r1", 2),
                ("r2", 1),
            ]
            tx.ledger_update([ledger_row("r1", 2, state="dead")])
        assert store.ledger_counts()["dead"] == 1

    def test_dead_version_blocks_later_ones(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.ledger_insert([ledger_row("r1", 1, state="dead"), ledger_row("r1", 2)])
            assert tx.ledger_due("national", 10, 10) == []

    def test_rows_are_selected_by_state_oldest_first_and_redrives_kept(self, store: Store) -> None:
        operators_ledger(store)
        with store.transaction() as tx:
            dead = tx.ledger_select("dead", None, 10)
            assert [r.record_id for r in dead] == ["r0", "r3", "r6"]  # oldest first
            assert dead[0].redrives == 2 and dead[0].reasons == ("x",)
            named = tx.ledger_select("dead", ["r3:1:national", "r1:1:national", "nope"], 10)
            assert [r.record_id for r in named] == ["r3"]
            assert tx.ledger_select("dead", [], 10) == []
