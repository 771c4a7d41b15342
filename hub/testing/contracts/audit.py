"""The audit reads' contract (:class:`~hub.storage.ports.AuditReads`): what ``hub audit verify``
compares with the history.
"""

from __future__ import annotations

import pytest

from hub.domain.accounts import Account
from hub.domain.values import RegistryEntry
from hub.storage import ports
from hub.storage.chain import GENESIS, JOURNAL, link
from hub.storage.journal import fold_accounts
from hub.storage.ports import Store
from hub.testing.contracts.base import StoreFixtures, ledger_row

__all__ = ["AuditReadsContract"]


class AuditReadsContract(StoreFixtures):
    """What every backend gives an audit: the chained streams and the state they fold to."""

    port = ports.AuditReads

    def test_appends_are_chained_and_heads_recorded(self, store: Store) -> None:
        """Issue 12: each event links to the one before; a skipped duplicate, a rollback and a
        duplicate inside one batch leave the chain and the head as they were."""
        with store.transaction() as tx:
            tx.append("verdicts", [("v1", "verdict.rejected", "s", "c1", b"a")])
        with pytest.raises(RuntimeError), store.transaction() as tx:
            tx.append("verdicts", [("v9", "verdict.rejected", "s", "c9", b"z")])
            raise RuntimeError("crash")
        with store.transaction() as tx:
            new = [
                ("v1", "verdict.rejected", "s", "c1", b"a"),
                ("v2", "verdict.stale", "s", "c2", b"b"),
            ]
            assert tx.append("verdicts", [*new, new[1]]) == 1
            assert (
                tx.append(
                    "verdicts",
                    [
                        ("v3", "t", "s", "c3", b"c"),
                        ("v4", "t", "s", "c4", b"d"),
                        ("v3", "t", "s", "c3", b"c"),
                    ],
                )
                == 2
            )
        rows = store.chained("verdicts", 0, 10)
        first = link(GENESIS, "v1", "verdict.rejected", "s", "c1", b"a")
        second = link(first, "v2", "verdict.stale", "s", "c2", b"b")
        assert [(r.event_id, r.chain) for r in rows[:2]] == [("v1", first), ("v2", second)]
        assert [r.event_id for r in rows] == ["v1", "v2", "v3", "v4"]  # batch order kept
        head = store.chain_heads()["verdicts"]
        assert (head.position, head.chain, head.count) == (rows[-1].position, rows[-1].chain, 4)

    def test_the_state_an_audit_compares_is_read_whole(self, store: Store) -> None:
        entries = [
            RegistryEntry(f"h{i}", f"rec-{i}", "inspection", 1, f"c{i}", f"v{i}", "d", {"i": i})
            for i in (2, 0, 1)
        ]
        with store.transaction() as tx:
            tx.registry_put([(0, e) for e in entries])
            tx.ledger_insert([ledger_row("r2", 1), ledger_row("r1", 1)])
            tx.ledger_insert([ledger_row("r1", 2)])
            tx.put_account(Account("op", "operator", None, False, "2026-01-01T00:00:00+00:00"))
        got = list(store.registry_entries())
        assert [(e.identity_hash, e.record_id, e.content) for e in got] == [
            ("h0", "rec-0", {"i": 0}),
            ("h1", "rec-1", {"i": 1}),
            ("h2", "rec-2", {"i": 2}),
        ]
        assert [(r.record_id, r.version) for r in store.ledger_rows()] == [
            ("r2", 1),
            ("r1", 1),
            ("r1", 2),
        ]  # oldest first
        states = store.account_states()
        assert states == {
            "op": {
                "role": "operator",
                "region": None,
                "disabled": False,
                "created_at": "2026-01-01T00:00:00+00:00",
                "password": None,
                "token": None,
            }
        }
        journal = store.chained(JOURNAL, 0, 100)
        assert fold_accounts((e.event_type, e.key, e.body) for e in journal) == states
        head = store.chain_heads()[JOURNAL]
        assert (head.position, head.chain, head.count) == (
            journal[-1].position,
            journal[-1].chain,
            len(journal),
        )
