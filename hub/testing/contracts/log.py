"""The event log's contracts: appending and reading inside a transaction (:class:`EventLog`)
and without one (:class:`LogReads`).
"""

from __future__ import annotations

import pytest

from hub.errors import StorageError
from hub.storage import ports
from hub.storage.ports import Store
from hub.testing.contracts.base import StoreFixtures

__all__ = ["EventLogContract", "LogReadsContract"]


class EventLogContract(StoreFixtures):
    """What every backend's transaction does with the event log."""

    port = ports.EventLog

    def test_append_is_idempotent_by_event_id(self, store: Store) -> None:
        with store.transaction() as tx:
            assert (
                tx.append(
                    "submissions", [("e1", "t", "k", "c1", b"a"), ("e2", "t", "k", "c2", b"b")]
                )
                == 2
            )
        with store.transaction() as tx:
            assert (
                tx.append(
                    "submissions", [("e2", "t", "k", "c2", b"b"), ("e3", "t", "k", "c3", b"c")]
                )
                == 1
            )
        events = store.read("submissions", 0, 10)
        assert [e.event_id for e in events] == ["e1", "e2", "e3"]
        assert [e.body for e in events] == [b"a", b"b", b"c"]
        assert store.read("submissions", events[0].position, 1)[0].event_id == "e2"
        assert store.head("submissions") == events[-1].position

    def test_one_verdict_per_submission(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.append("verdicts", [("v1", "verdict.rejected", "s", "sub-1", b"x")])
        with pytest.raises(StorageError), store.transaction() as tx:
            tx.append("verdicts", [("v2", "verdict.accepted_new", "s", "sub-1", b"y")])
        assert store.counts("verdicts") == {"verdict.rejected": 1}

    def test_latest_positions_up_to_a_snapshot(self, store: Store) -> None:
        keys = [f"rec-{i:03d}" for i in range(120)]
        with store.transaction() as tx:
            for round_ in range(3):  # three versions of each record, interleaved
                tx.append(
                    "records", [(f"{k}-v{round_}", "record.versioned", k, "c", b"") for k in keys]
                )
        events = store.read("records", 0, 1000)
        snapshot = events[len(keys) + 40].position  # all second versions up to rec-040
        expected = {
            e.key: e.position for e in events if e.position <= snapshot and e.key in keys[::2]
        }
        with store.transaction() as tx:
            got = tx.latest_positions("records", [*keys[::2], "rec-missing", keys[0]], snapshot)
            assert got == expected
            assert tx.latest_positions("records", [], snapshot) == {}
            assert tx.latest_positions("records", keys, 0) == {}
            head = tx.head("records")
            assert tx.latest_positions("records", keys[:1], head) == {
                keys[0]: events[-120].position
            }

    def test_a_transaction_reads_its_own_appends(self, store: Store) -> None:
        """A step reads back what it appended before it commits; a rolled-back append is gone."""
        with store.transaction() as tx:
            assert tx.head("records") == 0 and tx.read("records", 0, 10) == []
            tx.append("records", [("r1", "t", "k1", "c1", b"a"), ("r2", "t", "k2", "c2", b"b")])
            got = tx.read("records", 0, 10)
            assert [(e.event_id, e.key, e.body) for e in got] == [
                ("r1", "k1", b"a"),
                ("r2", "k2", b"b"),
            ]
            assert tx.head("records") == got[-1].position > got[0].position
            assert [e.event_id for e in tx.read("records", got[0].position, 10)] == ["r2"]
            assert tx.read("records", 0, 1) == got[:1]
        with pytest.raises(RuntimeError), store.transaction() as tx:
            tx.append("records", [("r3", "t", "k3", "c3", b"c")])
            assert tx.head("records") > got[-1].position
            raise RuntimeError("crash before commit")
        with store.transaction() as tx:
            assert tx.read("records", 0, 10) == got and tx.head("records") == got[-1].position


class LogReadsContract(StoreFixtures):
    """What every backend's store reads of the event log without a transaction."""

    port = ports.LogReads

    def test_read_key_reads_one_key_in_order(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.append(
                "feedback",
                [(f"fb-{i}", "feedback.verdict", "ab"[i % 2], f"c{i}", b"x") for i in range(7)],
            )
        mine = store.read_key("feedback", "a", 0, 100)
        assert [e.event_id for e in mine] == ["fb-0", "fb-2", "fb-4", "fb-6"]
        assert [e.event_id for e in store.read_key("feedback", "a", mine[1].position, 2)] == [
            "fb-4",
            "fb-6",
        ]

    def test_reads_without_a_transaction_see_committed_events(self, store: Store) -> None:
        assert store.head("verdicts") == 0 and store.read("verdicts", 0, 10) == []
        assert store.counts("verdicts") == {}
        with store.transaction() as tx:
            tx.append(
                "verdicts",
                [
                    ("v1", "verdict.rejected", "s", "c1", b"a"),
                    ("v2", "verdict.accepted_new", "s", "c2", b"b"),
                    ("v3", "verdict.rejected", "s", "c3", b"c"),
                ],
            )
        events = store.read("verdicts", 0, 10)
        assert [(e.event_id, e.correlation_id, e.body) for e in events] == [
            ("v1", "c1", b"a"),
            ("v2", "c2", b"b"),
            ("v3", "c3", b"c"),
        ]
        assert store.head("verdicts") == events[-1].position
        assert store.read("verdicts", events[-1].position, 10) == []
        assert store.read("verdicts", 0, 2) == events[:2]
        assert store.counts("verdicts") == {"verdict.rejected": 2, "verdict.accepted_new": 1}
        assert store.counts("records") == {}

    def test_scan_reads_a_whole_stream_in_order_whatever_its_batch(self, store: Store) -> None:
        assert list(store.scan("records")) == []
        with store.transaction() as tx:
            tx.append(
                "records", [(f"r{i}", "t", f"k{i % 3}", f"c{i}", bytes([i])) for i in range(7)]
            )
        with store.transaction() as tx:
            tx.append("records", [(f"r{i}", "t", "k", f"c{i}", b"") for i in range(7, 10)])
        everything = store.read("records", 0, 100)
        assert [e.event_id for e in everything] == [f"r{i}" for i in range(10)]
        assert list(store.scan("records")) == everything
        for batch in (1, 3, 10, 11):
            assert list(store.scan("records", batch)) == everything
