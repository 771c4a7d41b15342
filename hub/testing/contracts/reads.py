"""The store's reads without a transaction: the status figures
(:class:`~hub.storage.ports.StatusReads`), the operators' lists
(:class:`~hub.storage.ports.QueueReads`) and who may submit or read
(:class:`~hub.storage.ports.CredentialReads`).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from hub.domain.subscribers import Subscriber
from hub.domain.values import Credential, Quarantined, Source
from hub.storage import ports
from hub.storage.ports import Store
from hub.testing.contracts.base import StoreFixtures, ledger_row, operators_ledger, two_quarantined

__all__ = ["CredentialReadsContract", "QueueReadsContract", "StatusReadsContract"]


class StatusReadsContract(StoreFixtures):
    """The figures every backend gives a hub's status and metrics."""

    port = ports.StatusReads

    def test_in_flight_counts_submissions_without_verdict(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.append(
                "submissions",
                [("sub-1", "t", "s", "sub-1", b""), ("sub-2", "t", "s", "sub-2", b"")],
            )
            tx.append("verdicts", [("v1", "verdict.duplicate", "s", "sub-1", b"")])
        assert store.in_flight() == 1

    def test_claims_quarantine_and_ledger_are_counted(self, store: Store) -> None:
        assert store.handled_counts() == {} and store.quarantine_count() == 0
        assert store.ledger_counts() == {"attempted": 0}
        with store.transaction() as tx:
            tx.claim("judge", ["a", "b"])
            tx.claim("relay", ["a"])
            tx.quarantine([Quarantined("t/0/1", "submissions", "bad", None, b"x")])
            tx.ledger_insert(
                [ledger_row("r1", 1), ledger_row("r2", 1), ledger_row("r3", 1, state="dead")]
            )
            tx.ledger_update([replace(ledger_row("r1", 1, state="acked"), attempt=2)])
        assert store.handled_counts() == {"judge": 2, "relay": 1}
        assert store.quarantine_count() == 1
        assert store.ledger_counts() == {"pending": 1, "acked": 1, "dead": 1, "attempted": 1}


class QueueReadsContract(StoreFixtures):
    """The operators' lists every backend gives."""

    port = ports.QueueReads

    def test_ledger_rows_by_state_paged_newest_first(self, store: Store) -> None:
        operators_ledger(store)
        page = store.ledger_page(["dead", "retrying"], 4)
        assert [r.record_id for r in page] == ["r7", "r6", "r4", "r3"]
        assert [r.record_id for r in store.ledger_page(["dead", "retrying"], 4, 4)] == ["r1", "r0"]
        assert [r.record_id for r in store.ledger_page(["dead"], 10)] == ["r6", "r3", "r0"]
        assert store.ledger_page(["acked"], 1)[0].record_id == "r8"
        with pytest.raises(ValueError):
            store.ledger_page(["dead'; DROP TABLE ledger; --"], 1)

    def test_quarantined_messages_are_listed_oldest_first(self, store: Store) -> None:
        a, b = two_quarantined(store)
        entries = store.quarantine_entries(10)
        assert [(e.origin, e.reason, e.size) for e in entries] == [
            ("t/0/1", "bad", 5),
            ("t/0/2", "worse", 2),
        ]
        assert [e.origin for e in store.quarantine_entries(1)] == ["t/0/1"]
        assert store.quarantined() == [a, b]  # with their bodies


class CredentialReadsContract(StoreFixtures):
    """What every backend tells of sources, tokens and subscribers without a transaction."""

    port = ports.CredentialReads

    def test_a_token_finds_its_source_until_rotated_and_disabling_is_kept(
        self, store: Store
    ) -> None:
        county = Source("zj-330106", "county", "330106", "西湖区市场监督管理局")
        with store.transaction() as tx:
            tx.put_source(county)
            tx.put_source(Source("zj-3301", "city", "330100", "杭州市市场监督管理局"))
            tx.set_token(county.source_id, "hash-1")
        assert store.credential("hash-2") is None
        found = store.credential("hash-1")
        assert found is not None and found[0] == county and not found[1].disabled
        with store.transaction() as tx:
            tx.set_token(county.source_id, "hash-2")  # rotation: the old token stops working
            tx.set_disabled(county.source_id, True)
            tx.set_disabled("zj-3301", True)  # disabled before it ever had a token
        assert store.credential("hash-1") is None
        again = store.credential("hash-2")
        assert again is not None and again[1].disabled
        assert store.credential_of("zj-3301") == Credential("zj-3301", None, True)
        assert store.credential_of("nope") is None

    def test_sources_credentials_and_subscribers_are_listed_in_order(self, store: Store) -> None:
        with store.transaction() as tx:
            for source_id in ("zj-b", "zj-a", "zj-c"):
                tx.put_source(Source(source_id, "county", "330106", "西湖区市场监督管理局"))
            tx.set_token("zj-b", "hash-b")
            tx.set_token("zj-a", "hash-a")
            tx.set_disabled("zj-c", True)  # a credential row without a token
            tx.put_subscriber(Subscriber("hz-fgw"))
        assert [(s.source_id, s.disabled) for s in store.sources()] == [
            ("zj-a", False),
            ("zj-b", False),
            ("zj-c", True),
        ]
        assert store.credentials() == [
            Credential("zj-a", "hash-a", False),
            Credential("zj-b", "hash-b", False),
            Credential("zj-c", None, True),
        ]
        assert store.credential_of("zj-c") == Credential("zj-c", None, True)
        found = store.credential("hash-a")
        assert found is not None and found[0].source_id == "zj-a"
        assert [s.name for s in store.subscribers()] == ["hz-fgw", "national"]
