"""Accounts changed behind the hub's back are named by ``hub audit verify`` (``AUDIT.ACCOUNTS``),
on SQLite and on PostgreSQL: a role raised, a region widened, a password hash or a token hash
put in, an account inserted or deleted; changes made through the store are not."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from hub.audit.state import check_accounts, check_sources, check_subscribers
from hub.backends import backend_for
from hub.cli import cli
from hub.domain.accounts import Account
from hub.domain.credentials import digest, hash_password
from hub.settings import HubSettings
from hub.storage.account_rows import record_action
from hub.storage.ports import Store
from hub.storage.postgres import PostgresStore
from hub.storage.sqlite import SqliteStore

CREATED = "2026-01-01T00:00:00+00:00"


class Tamper:
    def __init__(self, store: Store, sqlite_path: Path | None, url: str | None) -> None:
        self.store, self._path, self._url = store, sqlite_path, url

    def execute(self, statement: str, params: tuple[Any, ...] = ()) -> None:
        """Raw SQL as an intruder would run it (``?`` placeholders)."""
        if self._path is not None:
            db = sqlite3.connect(self._path)
            db.execute(statement, params)
            db.commit()
            db.close()
            return
        assert self._url is not None
        with psycopg.connect(self._url, autocommit=True) as conn:
            conn.execute(statement.replace("?", "%s"), params)  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", "postgresql"])
def tamper(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Tamper]:
    if request.param == "sqlite":
        store: Store = SqliteStore(tmp_path / "log.db")
        yield Tamper(store, tmp_path / "log.db", None)
    else:
        url = request.getfixturevalue("pg_url")
        store = PostgresStore(url)
        yield Tamper(store, None, url)
    store.close()


def test_accounts_changed_behind_the_hubs_back_are_named(tamper: Tamper) -> None:
    store = tamper.store
    with store.transaction() as tx:
        tx.put_account(Account("xh", "viewer", "330106", False, CREATED))
        tx.put_account(Account("au", "auditor", None, False, CREATED))
        tx.put_account(Account("op", "operator", None, False, CREATED))
        tx.set_account_password("au", hash_password("auditor-password-1"))
        tx.put_account(Account("gone", "viewer", "330100", False, CREATED))
        tx.remove_account("gone")
        record_action(tx, "op", "quarantine.release", "in.x/0/1", {"origins": ["in.x/0/1"]})
        tx.start_session(digest("s"), "op", 1e12, 0.0)
    assert check_accounts(store) == []  # journaled changes, actions and sessions: intact
    tamper.execute("UPDATE accounts SET role = 'operator', region = NULL WHERE name = 'xh'")
    tamper.execute(
        "UPDATE accounts SET password_hash = ? WHERE name = 'au'",
        (hash_password("intruders-password"),),
    )
    tamper.execute("UPDATE accounts SET token_hash = ? WHERE name = 'op'", (digest("mine"),))
    tamper.execute(
        "INSERT INTO accounts (name, role, region, disabled, created_at) VALUES (?, ?, ?, ?, ?)",
        ("intruder", "operator", None, 0, CREATED),
    )
    tamper.execute("DELETE FROM account_sessions")
    tamper.execute("DELETE FROM accounts WHERE name = 'op'")
    found = {f.item: f for f in check_accounts(store)}
    assert set(found) == {"xh", "au", "intruder", "op"}
    assert {(f.code, f.where) for f in found.values()} == {("AUDIT.ACCOUNTS", "accounts")}
    assert found["xh"].problem_en == "differs from its journal: region, role"
    assert found["au"].problem_en == "differs from its journal: password"
    assert "inserted" in found["intruder"].problem_en
    assert "deleted" in found["op"].problem_en
    assert found["xh"].problem_zh.startswith("与其变更日志不符")
    assert check_sources(store) == [] and check_subscribers(store) == []  # theirs untouched


def test_hub_audit_verify_names_a_tampered_account(tmp_path: Path) -> None:
    data = tmp_path / "hub"
    backend_for(HubSettings(data_dir=data)).store().close()  # a hub to administer
    runner = CliRunner()
    added = runner.invoke(
        cli,
        ["accounts", "add", "xh", "--role", "viewer", "--region", "330106", "--no-password",
         "--data-dir", str(data)],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    intact = runner.invoke(cli, ["audit", "verify", "--data-dir", str(data)])
    assert intact.exit_code == 0, intact.output
    db = sqlite3.connect(data / "log.db")
    db.execute("UPDATE accounts SET region = '330000' WHERE name = 'xh'")
    db.commit()
    db.close()
    altered = runner.invoke(cli, ["audit", "verify", "--data-dir", str(data)])
    assert altered.exit_code != 0
    assert "ALTERED accounts: xh: 与其变更日志不符：region" in altered.output
    assert "[AUDIT.ACCOUNTS]" in altered.output
    # and the journal rewritten to match: its chain breaks, naming the account
    db = sqlite3.connect(data / "log.db")
    body = db.execute(
        "SELECT body FROM source_journal WHERE event_type = 'account.put' AND key = 'xh'"
    ).fetchone()[0]
    db.execute(
        "UPDATE source_journal SET body = ? WHERE event_type = 'account.put' AND key = 'xh'",
        (bytes(body).replace(b'"330106"', b'"330000"'),),
    )
    db.commit()
    db.close()
    rewritten = runner.invoke(cli, ["audit", "verify", "--data-dir", str(data)])
    assert rewritten.exit_code != 0
    assert "ALTERED accounts" not in rewritten.output  # the table matches the forged entry ...
    assert "account xh)" in rewritten.output and "[AUDIT.CHAIN]" in rewritten.output  # ... not
