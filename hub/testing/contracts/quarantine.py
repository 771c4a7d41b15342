"""The quarantine desk's contract (:class:`~hub.storage.ports.QuarantineDesk`): the operators'
actions on quarantined messages.
"""

from __future__ import annotations

from hub.storage import ports
from hub.storage.ports import Store
from hub.testing.contracts.base import StoreFixtures, two_quarantined

__all__ = ["QuarantineDeskContract"]


class QuarantineDeskContract(StoreFixtures):
    """Every backend's quarantine under the operators' hands."""

    port = ports.QuarantineDesk

    def test_quarantine_taken_dropped_and_its_reason_replaced(self, store: Store) -> None:
        a, b = two_quarantined(store)
        with store.transaction() as tx:
            assert tx.quarantine_take(["t/0/2", "t/9/9"]) == [b]
            tx.quarantine_reason("t/0/2", "still bad")
            assert tx.quarantine_drop(["t/0/1", "t/9/9"]) == 1
        assert [(q.origin, q.reason) for q in store.quarantined()] == [("t/0/2", "still bad")]
        with store.transaction() as tx:
            tx.quarantine([a])  # a message released may be quarantined again under its origin
        assert store.quarantine_count() == 2
