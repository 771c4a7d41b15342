"""The accounts' contracts: people's accounts and actions (:class:`~hub.storage.ports.AccountBook`),
their sessions (:class:`~hub.storage.ports.SessionBook`), and the reads a sign-in makes
(:class:`~hub.storage.ports.AccountReads`).
"""

from __future__ import annotations

import json

import pytest

from hub.domain.accounts import Account, AccountError
from hub.storage import ports
from hub.storage.account_rows import actions
from hub.storage.chain import JOURNAL
from hub.storage.journal import fold, fold_accounts
from hub.storage.ports import Store
from hub.testing.contracts.base import StoreFixtures

__all__ = ["AccountBookContract", "AccountReadsContract", "SessionBookContract"]


class AccountBookContract(StoreFixtures):
    """Every backend's accounts: each change and each action journaled with it."""

    port = ports.AccountBook

    def test_an_account_round_trips_and_every_change_is_journaled(self, store: Store) -> None:
        viewer = Account("hz-viewer", "viewer", "330100", False, "2026-01-02T03:04:05+00:00")
        with store.transaction() as tx:
            tx.put_account(viewer)
            tx.put_account(Account("op", "operator", None, False, "2026-01-01T00:00:00+00:00"))
            tx.set_account_password("op", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA")
            tx.set_account_token("hz-viewer", "t" * 64)
            tx.set_account_password("nobody", "x")  # no such account: nothing, no entry
        op = Account("op", "operator", None, False, "2026-01-01T00:00:00+00:00")
        assert store.accounts() == [viewer, op]
        with store.transaction() as tx:
            assert tx.account("hz-viewer") == viewer and tx.account("nobody") is None
        assert store.account_secret("op") == (
            store.accounts()[1],
            "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
        )
        assert store.account_secret("hz-viewer") == (viewer, None)
        assert store.account_by_token("t" * 64) == viewer
        assert store.account_by_token("u" * 64) is None
        with store.transaction() as tx:
            tx.set_account_token("hz-viewer", "u" * 64)  # rotated: the old one stops working
        assert store.account_by_token("t" * 64) is None
        assert store.account_by_token("u" * 64) == viewer
        entries = [(e.event_type, e.key, e.body) for e in store.chained(JOURNAL, 0, 100)]
        assert [(k, n) for k, n, _ in entries if k.startswith("account.")] == [
            ("account.put", "hz-viewer"),
            ("account.put", "op"),
            ("account.put", "op"),
            ("account.put", "hz-viewer"),
            ("account.put", "hz-viewer"),
        ]
        states = store.account_states()
        assert fold_accounts(entries) == states
        assert states["op"]["password"] is not None and "argon2" not in json.dumps(states)
        assert states["hz-viewer"] == {
            "role": "viewer",
            "region": "330100",
            "disabled": False,
            "created_at": "2026-01-02T03:04:05+00:00",
            "password": None,
            "token": "u" * 64,
        }
        assert fold(entries) == {}  # the sources' fold does not see accounts

    def test_disabling_a_new_password_or_removal_ends_sessions(self, store: Store) -> None:
        account = Account("op", "operator", None, False, "2026-01-01T00:00:00+00:00")
        with store.transaction() as tx:
            tx.put_account(account)
            tx.start_session("a", "op", 1e12, 0.0)
            tx.put_account(Account("op", "operator", None, True, account.created_at))
        assert store.account_by_session("a", 1.0) is None
        with store.transaction() as tx:
            tx.put_account(account)
            tx.start_session("b", "op", 1e12, 0.0)
            tx.set_account_password("op", "h")
        assert store.account_by_session("b", 1.0) is None
        with store.transaction() as tx:
            tx.start_session("c", "op", 1e12, 0.0)
            assert tx.remove_account("op") and not tx.remove_account("op")
        assert store.account_by_session("c", 1.0) is None and store.accounts() == []
        entries = [(e.event_type, e.key, e.body) for e in store.chained(JOURNAL, 0, 100)]
        assert entries[-1][:2] == ("account.removed", "op")
        assert fold_accounts(entries) == {} == store.account_states()

    def test_actions_are_journaled_with_who_what_and_when(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.record_action("op", "deliveries.redrive", "national", {"delivery_ids": ["d1"]})
        with pytest.raises(AccountError), store.transaction() as tx:
            tx.put_account(Account("x", "viewer", "330100", False, ""))
            tx.record_action("op", "DROP TABLE x", "t", {})  # not an action name
        assert store.accounts() == []  # rolled back with it
        with pytest.raises(AccountError), store.transaction() as tx:
            tx.record_action("op", "big", "t", {"x": "y" * 20_000})
        with pytest.raises(AccountError), store.transaction() as tx:
            tx.record_action("op\nforged line", "x", "t", {})
        with store.transaction() as tx:  # the host's user, from the CLI
            tx.record_action("Administrator", "quarantine.release", "o", {"origins": ["o"]})
        listed = actions(store)
        assert [(a["who"], a["action"]) for a in listed] == [
            ("Administrator", "quarantine.release"),
            ("op", "deliveries.redrive"),
        ]
        assert actions(store, 1) == listed[:1] and listed[0]["position"] > listed[1]["position"]
        entries = store.chained(JOURNAL, 0, 100)
        last = entries[-2]
        assert (last.event_type, last.key) == ("action", "op")
        body = json.loads(last.body)
        assert body["action"] == "deliveries.redrive" and body["target"] == "national"
        assert body["detail"] == {"delivery_ids": ["d1"]} and body["at"].endswith("+00:00")
        assert fold((e.event_type, e.key, e.body) for e in entries) == {}
        assert fold_accounts((e.event_type, e.key, e.body) for e in entries) == {}


class SessionBookContract(StoreFixtures):
    """Every backend's sessions: they expire and are cleaned."""

    port = ports.SessionBook

    def test_sessions_expire_and_are_cleaned(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.put_account(Account("au", "auditor", None, False, "2026-01-01T00:00:00+00:00"))
            tx.start_session("s1", "au", 100.0, 50.0)
            tx.start_session("s2", "au", 200.0, 50.0)
        found = store.account_by_session("s1", 99.0)
        assert found is not None and found[0].name == "au" and found[1] == 100.0
        assert store.account_by_session("s1", 100.0) is None  # expired at its expiry
        assert store.account_by_session("nope", 0.0) is None
        with store.transaction() as tx:
            tx.start_session("s3", "au", 400.0, 150.0)  # s1 expired by now: deleted
            assert tx.end_expired_sessions(150.0) == 0
            assert tx.end_session("s2") and not tx.end_session("s2")
            assert tx.end_expired_sessions(1000.0) == 1  # s3
        assert store.account_by_session("s3", 160.0) is None


class AccountReadsContract(StoreFixtures):
    """What every backend's store tells of accounts without a transaction."""

    port = ports.AccountReads

    def test_a_sign_in_finds_accounts_by_name_token_and_session(self, store: Store) -> None:
        op = Account("b-op", "operator", None, False, "2026-01-01T00:00:00+00:00")
        viewer = Account("a-viewer", "viewer", "330100", True, "2026-01-02T00:00:00+00:00")
        assert store.accounts() == [] and store.account_secret("b-op") is None
        with store.transaction() as tx:
            tx.put_account(op)
            tx.put_account(viewer)
            tx.set_account_password("b-op", "hash-b")
            tx.set_account_token("b-op", "t" * 64)
            tx.start_session("s1", "b-op", 100.0, 0.0)
        assert store.accounts() == [viewer, op]  # by name, disabled ones included
        assert store.account_secret("b-op") == (op, "hash-b")
        assert store.account_secret("a-viewer") == (viewer, None)
        assert store.account_secret("nobody") is None
        assert store.account_by_token("t" * 64) == op
        assert store.account_by_token("x" * 64) is None
        assert store.account_by_session("s1", 50.0) == (op, 100.0)
        assert store.account_by_session("s1", 100.0) is None
