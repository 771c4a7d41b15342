"""The accounts and their sessions, the same on both backends (SQL text written once, its ``?``
placeholders adapted per driver), and the journal entries of their changes and of people's
actions.

- ``accounts (name, role, region, disabled, created_at, password_hash, token_hash)``: the
  password as its Argon2id PHC string, the token as its SHA-256 (:mod:`hub.domain.credentials`).
- ``account_sessions (id_hash, name, expires_at)``: a session id only as its SHA-256; deleted
  with its account (``ON DELETE CASCADE``), when the account is disabled or its password changes,
  and once expired.

Every change to an account journals its whole state (``account.put``; ``account.removed``) in the
chained journal the sources and subscribers share, so ``hub audit verify`` compares the table
with what the hub wrote (``AUDIT.ACCOUNTS``). The journal keeps the password hash only as its
SHA-256 (history never holds something to crack) and the token hash as the table does.
Sessions are not journaled (they come and go); signing in and out are, as actions.

:func:`record_action` journals an action a person took (``action``): who, what, on what, the
detail, and when. Pure functions and SQL text only, apart from :func:`record_action`, which
calls the transaction it is given.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from hub.domain.accounts import ROLES, Account, AccountError
from hub.domain.credentials import digest
from hub.storage.journal import ACCOUNT_PUT, ACCOUNT_REMOVED, ACTION
from hub.storage.sql import Dialect, TransactionHooks

if TYPE_CHECKING:
    from hub.storage.ports import Store, Transaction

__all__ = [
    "ACTION_PATTERN",
    "ACTOR_PATTERN",
    "BY_SESSION",
    "BY_TOKEN",
    "COLUMNS",
    "DDL",
    "DELETE",
    "DELETE_EXPIRED",
    "DELETE_SESSION",
    "DELETE_SESSIONS_OF",
    "INSERT_SESSION",
    "MAX_DETAIL_BYTES",
    "SELECT_ALL",
    "SELECT_ONE",
    "SELECT_SECRET",
    "SELECT_STATE",
    "SELECT_STATES",
    "SET_PASSWORD",
    "SET_TOKEN",
    "UPSERT",
    "AccountStoreRows",
    "AccountTransactionRows",
    "action_change",
    "actions",
    "from_row",
    "profile_values",
    "record_action",
    "state",
]

#: ``{real}``: the backend's floating point type (``REAL`` or ``DOUBLE PRECISION``)
DDL = (
    "CREATE TABLE IF NOT EXISTS accounts (name TEXT PRIMARY KEY, role TEXT NOT NULL,"
    " region TEXT, disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL,"
    " password_hash TEXT, token_hash TEXT UNIQUE)",
    "CREATE TABLE IF NOT EXISTS account_sessions (id_hash TEXT PRIMARY KEY,"
    " name TEXT NOT NULL REFERENCES accounts (name) ON DELETE CASCADE,"
    " expires_at {real} NOT NULL)",
    "CREATE INDEX IF NOT EXISTS account_sessions_expiry ON account_sessions (expires_at)",
    "CREATE INDEX IF NOT EXISTS account_sessions_name ON account_sessions (name)",
)
COLUMNS = "name, role, region, disabled, created_at"
SELECT_ALL = f"SELECT {COLUMNS} FROM accounts ORDER BY name"  # noqa: S608 - fixed text
#: placeholders ``?``, adapted per driver (:func:`hub.storage.sql.adapt`)
SELECT_ONE = f"SELECT {COLUMNS} FROM accounts WHERE name = ?"  # noqa: S608
SELECT_SECRET = f"SELECT {COLUMNS}, password_hash FROM accounts WHERE name = ?"  # noqa: S608
SELECT_STATES = f"SELECT {COLUMNS}, password_hash, token_hash FROM accounts ORDER BY name"  # noqa: S608
SELECT_STATE = f"SELECT {COLUMNS}, password_hash, token_hash FROM accounts WHERE name = ?"  # noqa: S608
BY_TOKEN = f"SELECT {COLUMNS} FROM accounts WHERE token_hash = ?"  # noqa: S608
BY_SESSION = (
    "SELECT a.name, a.role, a.region, a.disabled, a.created_at, s.expires_at"
    " FROM account_sessions s JOIN accounts a ON a.name = s.name"
    " WHERE s.id_hash = ? AND s.expires_at > ?"
)
UPSERT = (
    f"INSERT INTO accounts ({COLUMNS}) VALUES (?, ?, ?, ?, ?)"  # noqa: S608
    " ON CONFLICT (name) DO UPDATE SET role = excluded.role, region = excluded.region,"
    " disabled = excluded.disabled, created_at = excluded.created_at"
)
SET_PASSWORD = "UPDATE accounts SET password_hash = ? WHERE name = ?"  # noqa: S105
SET_TOKEN = "UPDATE accounts SET token_hash = ? WHERE name = ?"  # noqa: S105
DELETE = "DELETE FROM accounts WHERE name = ?"
INSERT_SESSION = "INSERT INTO account_sessions (id_hash, name, expires_at) VALUES (?, ?, ?)"
DELETE_SESSION = "DELETE FROM account_sessions WHERE id_hash = ?"
DELETE_SESSIONS_OF = "DELETE FROM account_sessions WHERE name = ?"
DELETE_EXPIRED = "DELETE FROM account_sessions WHERE expires_at <= ?"

#: An action's name (``deliveries.redrive``, ``quarantine.release``, ``session.start``).
ACTION_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_.:/-]{0,63}$")
#: Who acted: an account's name, or (from the CLI) the host's user: printable, at most 100.
ACTOR_PATTERN = re.compile(r"^[^\x00-\x1f\x7f]{1,100}$")
MAX_TARGET_CHARS = 500
MAX_DETAIL_BYTES = 16 * 1024


def profile_values(account: Account) -> tuple[Any, ...]:
    """The values of :data:`UPSERT`, in order."""
    return (
        account.name,
        account.role,
        account.region,
        int(account.disabled),
        account.created_at,
    )


def from_row(row: Sequence[Any]) -> Account:
    """A stored row (:data:`COLUMNS`) back to the value. A role edited outside the hub into one
    the hub does not know reads as a disabled viewer of no region: never more than was given."""
    name, role, region, disabled, created_at = row[:5]
    for known in ROLES:
        if role == known:
            return Account(str(name), known, region, bool(disabled), str(created_at))
    return Account(str(name), "viewer", None, True, str(created_at))


def state(row: Sequence[Any]) -> dict[str, Any]:
    """A row of :data:`SELECT_STATES` as its ``account.put`` journal entry holds it (the name
    is the entry's key): the password hash as its SHA-256, the token hash as stored."""
    _name, role, region, disabled, created_at, password_hash, token_hash = row[:7]
    return {
        "role": role,
        "region": region,
        "disabled": bool(disabled),
        "created_at": created_at,
        "password": None if password_hash is None else digest(str(password_hash)),
        "token": token_hash,
    }


def action_change(
    principal_name: str, action: str, target: str, detail: dict[str, Any], at: dt.datetime
) -> dict[str, Any]:
    """The journal body of one action, its fields bounded (hostile or careless callers cannot
    grow the journal without limit or forge another shape)."""
    if not ACTOR_PATTERN.match(principal_name):
        raise AccountError(
            "操作者名称须为 1 至 100 个可打印字符 / who acted must be 1 to 100 printable characters"
        )
    if not ACTION_PATTERN.match(action):
        raise AccountError(
            f"操作名 {action[:70]!r} 不合规则 / action {action[:70]!r} must match"
            f" {ACTION_PATTERN.pattern}"
        )
    if len(target) > MAX_TARGET_CHARS:
        raise AccountError(
            f"操作对象超过 {MAX_TARGET_CHARS} 个字符 / the target exceeds {MAX_TARGET_CHARS}"
            " characters"
        )
    body = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    if len(body.encode("utf-8")) > MAX_DETAIL_BYTES:
        raise AccountError(
            f"操作详情超过 {MAX_DETAIL_BYTES} 字节 / the detail exceeds {MAX_DETAIL_BYTES} bytes"
        )
    return {
        "action": action,
        "target": target,
        "detail": json.loads(body),
        "at": at.astimezone(dt.UTC).isoformat(timespec="milliseconds"),
    }


def record_action(
    tx: Transaction, principal_name: str, action: str, target: str, detail: dict[str, Any]
) -> None:
    """Journal an action ``principal_name`` took, in ``tx`` (committed with what it did, or not
    at all), in the chained journal ``hub audit verify`` checks."""
    tx.record_action(principal_name, action, target, detail)


def actions(store: Store, limit: int = 100) -> list[dict[str, Any]]:
    """The last ``limit`` actions people took, newest first: ``position`` (in the journal),
    ``who``, ``action``, ``target``, ``detail``, ``at`` (what an auditor reads)."""
    from hub.storage.chain import JOURNAL

    found: deque[dict[str, Any]] = deque(maxlen=max(0, limit))
    after = 0
    while rows := store.chained(JOURNAL, after, 1000):
        for row in rows:
            if row.event_type == ACTION:
                body = json.loads(row.body)
                found.append({"position": row.position, "who": row.key, **body})
        after = rows[-1].position
    return list(reversed(found))


class AccountTransactionRows(TransactionHooks):
    """The accounts' part of a backend's transaction, the same on both: a backend mixes it in
    and gives :meth:`_run` (a statement in its transaction) and ``_journal``."""

    def _journal_account(self, name: str) -> None:
        row = self._run(self._q(SELECT_STATE), (name,)).fetchone()
        if row is not None:
            self._journal(name, ACCOUNT_PUT, state(row))

    def account(self, name: str) -> Account | None:
        row = self._run(self._q(SELECT_ONE), (name,)).fetchone()
        return from_row(row) if row else None

    def put_account(self, account: Account) -> None:
        self._run(self._q(UPSERT), profile_values(account))
        if account.disabled:
            self._run(self._q(DELETE_SESSIONS_OF), (account.name,))
        self._journal_account(account.name)

    def set_account_password(self, name: str, password_hash: str) -> None:
        if self._run(self._q(SET_PASSWORD), (password_hash, name)).rowcount:
            self._run(self._q(DELETE_SESSIONS_OF), (name,))
            self._journal_account(name)

    def set_account_token(self, name: str, token_hash: str | None) -> None:
        if self._run(self._q(SET_TOKEN), (token_hash, name)).rowcount:
            self._journal_account(name)

    def remove_account(self, name: str) -> bool:
        self._run(self._q(DELETE_SESSIONS_OF), (name,))
        gone = self._run(self._q(DELETE), (name,)).rowcount > 0
        if gone:
            self._journal(name, ACCOUNT_REMOVED, {})
        return gone

    def start_session(self, id_hash: str, name: str, expires_at: float, now: float) -> None:
        self.end_expired_sessions(now)
        self._run(self._q(INSERT_SESSION), (id_hash, name, expires_at))

    def end_session(self, id_hash: str) -> bool:
        return self._run(self._q(DELETE_SESSION), (id_hash,)).rowcount > 0

    def end_expired_sessions(self, now: float) -> int:
        return int(self._run(self._q(DELETE_EXPIRED), (now,)).rowcount)

    def record_action(
        self, principal_name: str, action: str, target: str, detail: dict[str, Any]
    ) -> None:
        change = action_change(principal_name, action, target, detail, dt.datetime.now(dt.UTC))
        self._journal(principal_name, ACTION, change)


class AccountStoreRows(Dialect):
    """The accounts' reads of a backend's store, the same on both: a backend mixes it in and
    gives :meth:`_rows` (a query outside any transaction, its rows)."""

    def _rows(self, text: str, params: Sequence[Any] = ()) -> list[Any]:
        raise NotImplementedError

    def accounts(self) -> list[Account]:
        return [from_row(r) for r in self._rows(SELECT_ALL)]

    def account_secret(self, name: str) -> tuple[Account, str | None] | None:
        rows = self._rows(self._q(SELECT_SECRET), (name,))
        return (from_row(rows[0]), rows[0][5]) if rows else None

    def account_by_token(self, token_hash: str) -> Account | None:
        rows = self._rows(self._q(BY_TOKEN), (token_hash,))
        return from_row(rows[0]) if rows else None

    def account_by_session(self, id_hash: str, now: float) -> tuple[Account, float] | None:
        rows = self._rows(self._q(BY_SESSION), (id_hash, now))
        return (from_row(rows[0]), float(rows[0][5])) if rows else None

    def account_states(self) -> dict[str, dict[str, Any]]:
        return {str(r[0]): state(r) for r in self._rows(SELECT_STATES)}
