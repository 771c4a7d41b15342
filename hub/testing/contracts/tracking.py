"""The tracking contract: consumers' positions, claims by event id, and the quarantine
(:class:`~hub.storage.ports.Tracking`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from hub.domain.values import Quarantined
from hub.storage import ports
from hub.storage.ports import Store
from hub.testing.contracts.base import StoreFixtures

__all__ = ["TrackingContract"]


class TrackingContract(StoreFixtures):
    """Where every backend keeps each consumer, so a crash replays a batch whole or not at all."""

    port = ports.Tracking

    def test_positions(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.set_position("judge", "submissions", 7)
            tx.set_position("judge", "submissions", 9)
        with store.transaction() as tx:
            assert tx.position("judge", "submissions") == 9
            assert tx.position("judge", "records") == 0

    def test_reading_a_position_takes_the_consumer_s_turn(
        self, store: Store, second_store: Callable[[], Store]
    ) -> None:
        """Two processes stepping one stage: the second reads the first's committed position,
        never the one both started from."""
        other = second_store()
        holding = threading.Event()
        seen: list[int] = []

        def second() -> None:
            holding.wait(5)
            with other.transaction() as tx:
                seen.append(tx.position("resolve", "validated"))

        thread = threading.Thread(target=second)
        thread.start()
        with store.transaction() as tx:
            assert tx.position("resolve", "validated") == 0
            holding.set()
            time.sleep(0.3)  # the other one is waiting for its turn now
            tx.set_position("resolve", "validated", 40)
        thread.join(10)
        assert seen == [40]

    def test_claim_tracks_events_by_id_per_consumer(self, store: Store) -> None:
        with store.transaction() as tx:
            assert tx.claim("judge", ["a", "b", "a"]) == {"a", "b"}
            assert tx.claim("judge", ["b", "c"]) == {"c"}  # b redelivered: handled already
            assert tx.claim("resolve", ["a"]) == {"a"}  # another consumer has its own
        with pytest.raises(RuntimeError), store.transaction() as tx:
            assert tx.claim("judge", ["d"]) == {"d"}
            raise RuntimeError("crash before the outputs commit")
        with store.transaction() as tx:
            assert tx.claim("judge", ["a", "d"]) == {"d"}  # the rolled-back claim is free again
        assert store.handled_counts() == {"judge": 4, "resolve": 1}

    def test_a_redelivered_event_is_claimed_once_by_racing_writers(
        self, store: Store, second_store: Callable[[], Store]
    ) -> None:
        """Two workers got the same message (a rebalance): the second waits for the first's
        commit and then finds it handled."""
        other = second_store()
        holding = threading.Event()
        seen: list[set[str]] = []

        def second() -> None:
            holding.wait(5)
            with other.transaction() as tx:
                seen.append(tx.claim("judge", ["m1", "m2"]))

        thread = threading.Thread(target=second)
        thread.start()
        with store.transaction() as tx:
            assert tx.claim("judge", ["m1"]) == {"m1"}
            holding.set()
            time.sleep(0.3)
        thread.join(10)
        assert seen == [{"m2"}]

    def test_quarantine_keeps_unreadable_messages_once(self, store: Store) -> None:
        bad = Quarantined("hub.submissions/0/7", "submissions", "bad magic", None, b"\x00junk")
        with store.transaction() as tx:
            assert tx.quarantine([bad]) == 1
            assert tx.quarantine([bad]) == 0  # redelivered: kept once
        assert store.quarantined() == [bad] and store.quarantine_count() == 1
