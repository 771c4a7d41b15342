"""The intake's contract (:class:`~hub.storage.ports.Intake`): the API's idempotent replies and
the connectors' cursors.
"""

from __future__ import annotations

import pytest

from hub.domain.values import ApiBatch
from hub.storage import ports
from hub.storage.ports import Store
from hub.testing.contracts.base import StoreFixtures

__all__ = ["IntakeContract"]


class IntakeContract(StoreFixtures):
    """What every backend keeps for the intake paths."""

    port = ports.Intake

    def test_an_idempotency_key_keeps_its_first_reply(self, store: Store) -> None:
        first = ApiBatch("s", "key-1", "body-a", b'{"n": 1}')
        with store.transaction() as tx:
            assert tx.api_batch("s", "key-1") is None
            assert tx.put_api_batch(first)
        with store.transaction() as tx:
            assert not tx.put_api_batch(ApiBatch("s", "key-1", "body-b", b"{}"))
            assert tx.api_batch("s", "key-1") == first
            assert tx.api_batch("other", "key-1") is None  # keys are per source

    def test_a_cursor_is_saved_with_its_transaction(self, store: Store) -> None:
        with store.transaction() as tx:
            assert tx.cursor("frontdb:a") is None
            tx.set_cursor("frontdb:a", "1")
        with pytest.raises(RuntimeError), store.transaction() as tx:
            tx.set_cursor("frontdb:a", "2")
            raise RuntimeError("crash before commit")
        with store.transaction() as tx:
            assert tx.cursor("frontdb:a") == "1"
            tx.set_cursor("frontdb:a", "3")
            assert tx.cursor("frontdb:b") is None
        with store.transaction() as tx:
            assert tx.cursor("frontdb:a") == "3"
