"""Contract suites for the storage ports, reusable by any backend (and by a province's own).

Subclass :class:`StoreContract` in a test module and provide the ``store`` fixture; every test
then runs against that backend. The SQLite backend runs it in ``tests/storage``; the PostgreSQL
backend will run the same class.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.errors import ConcurrencyError, StorageError
from hub.storage.ports import DeliveryRow, RegistryEntry, Source, Store

__all__ = ["StoreContract"]


def _row(record_id: str, version: int, state: str = "pending", due: float = 0.0) -> DeliveryRow:
    return DeliveryRow(
        delivery_id=f"{record_id}:{version}:national",
        record_id=record_id,
        version=version,
        destination="national",
        record_type="inspection",
        state=state,
        attempt=0,
        next_attempt_at=due,
        idempotency_key=f"{record_id}:{version}",
        source_id="s",
        submission_id=f"sub-{record_id}-{version}",
        content={"v": version},
    )


class StoreContract:
    """What every backend of the storage ports must do."""

    @pytest.fixture
    def store(self) -> Iterator[Store]:
        raise NotImplementedError

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

    def test_rollback_leaves_nothing(self, store: Store) -> None:
        with pytest.raises(RuntimeError), store.transaction() as tx:
            tx.append("records", [("r1", "t", "k", "c", b"x")])
            tx.set_position("consumer", "records", 5)
            raise RuntimeError("crash in the middle of a step")
        assert store.head("records") == 0
        with store.transaction() as tx:
            assert tx.position("consumer", "records") == 0

    def test_one_verdict_per_submission(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.append("verdicts", [("v1", "verdict.rejected", "s", "sub-1", b"x")])
        with pytest.raises(StorageError), store.transaction() as tx:
            tx.append("verdicts", [("v2", "verdict.accepted_new", "s", "sub-1", b"y")])
        assert store.counts("verdicts") == {"verdict.rejected": 1}

    def test_in_flight_counts_submissions_without_verdict(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.append(
                "submissions",
                [("sub-1", "t", "s", "sub-1", b""), ("sub-2", "t", "s", "sub-2", b"")],
            )
            tx.append("verdicts", [("v1", "verdict.duplicate", "s", "sub-1", b"")])
        assert store.in_flight() == 1

    def test_positions(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.set_position("judge", "submissions", 7)
            tx.set_position("judge", "submissions", 9)
        with store.transaction() as tx:
            assert tx.position("judge", "submissions") == 9
            assert tx.position("judge", "records") == 0

    def test_registry(self, store: Store) -> None:
        entry = RegistryEntry(
            "h1", "rec-1", "inspection", 1, "c1", "v1", "2025-01-01", {"a": "中文", "n": None}
        )
        later = RegistryEntry("h1", "rec-1", "inspection", 3, "c3", "v3", "2025-02-01", {"a": "b"})
        with store.transaction() as tx:
            tx.registry_put([(0, entry)])
            tx.registry_put([(1, later)])  # one batch may take a record from version 1 to 3
        with store.transaction() as tx:
            got = tx.registry_get(["h1", "h2", "h1"])
        assert list(got) == ["h1"] and got["h1"].version == 3 and got["h1"].content == {"a": "b"}

    def test_registry_is_compare_and_set(self, store: Store) -> None:
        def entry(version: int, content: str) -> RegistryEntry:
            return RegistryEntry(
                "h1", "rec-1", "inspection", version, content, content, "2025-01-01", {"c": content}
            )

        with store.transaction() as tx:
            tx.registry_put([(0, entry(1, "first"))])
        for expected, stale in ((0, entry(1, "again")), (2, entry(3, "from a version not held"))):
            with pytest.raises(ConcurrencyError), store.transaction() as tx:
                tx.registry_put([(expected, stale)])
        with store.transaction() as tx:
            tx.registry_put([(1, entry(2, "second"))])
            assert tx.registry_get(["h1"])["h1"].content == {"c": "second"}
        with pytest.raises(ConcurrencyError), store.transaction() as tx:
            tx.registry_put([(0, RegistryEntry("h2", "rec-1", "inspection", 1, "x", "x", "d", {}))])

    def test_ledger_sends_versions_of_a_record_in_order(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.ledger_insert([_row("r1", 1), _row("r1", 2), _row("r2", 1), _row("r3", 1, due=99)])
            tx.ledger_insert([_row("r1", 1)])  # planned twice: still one row
            due = tx.ledger_due("national", now=10, limit=10)
        assert [(r.record_id, r.version) for r in due] == [("r1", 1), ("r2", 1)]
        with store.transaction() as tx:
            tx.ledger_update([_row("r1", 1, state="acked")])
            assert [(r.record_id, r.version) for r in tx.ledger_due("national", 10, 10)] == [
                ("r1", 2),
                ("r2", 1),
            ]
            tx.ledger_update([_row("r1", 2, state="dead")])
        assert store.ledger_counts()["dead"] == 1

    def test_dead_version_blocks_later_ones(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.ledger_insert([_row("r1", 1, state="dead"), _row("r1", 2)])
            assert tx.ledger_due("national", 10, 10) == []

    def test_sources(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.put_source(
                Source("zj-330106", "county", "330106", "西湖区市场监督管理局", ("inspection",))
            )
            assert tx.source("nope") is None
            got = tx.source("zj-330106")
        assert got is not None and got.record_types == ("inspection",)
        assert got.covers("330106") and not got.covers("330105")
        assert [s.source_id for s in store.sources()] == ["zj-330106"]
