"""The SQLite backend of the storage ports: the embedded default, one file ``log.db``.

One database file holds the streams, the positions, the identity registry, the delivery ledger
and the sources, so a processing step's reads, outputs, state and position commit in one SQLite
transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``).

Durability is chosen per transaction. WAL mode is atomic and consistent after a crash at either
setting; the difference is power loss. ``durable=True`` (ingest) commits with
``synchronous=FULL``: the WAL is on disk before the hub tells a source "received". Processing steps
commit with ``NORMAL``: a power cut may roll back their last commits, outputs and position
together, and they are redone with the same event ids (deterministic), so they need no fsync
each. Stream table names come only from
:data:`hub.events.streams.STREAMS`, never from input.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hub.domain.subscribers import NATIONAL
from hub.domain.values import RegistryEntry
from hub.errors import ConcurrencyError, StorageError
from hub.events.streams import STREAMS
from hub.storage import account_rows, sql
from hub.storage import subscriber_rows as subs
from hub.storage.chain import JOURNAL
from hub.storage.ports import Store, Transaction
from hub.storage.private import private_database, private_dir
from hub.storage.sql import POSITIONS
from hub.storage.sql_reads import SqlStoreRows
from hub.storage.sql_rows import SqlJson, SqlTransactionRows
from hub.storage.sqlite_chain import append_chained, upgrade

__all__ = ["SqliteStore", "SqliteTransaction", "connect", "immediate"]

_STREAM_DDL = """
CREATE TABLE IF NOT EXISTS "{s}" (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    key TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    body BLOB NOT NULL,
    chain TEXT
);
"""
_DDL = """
CREATE UNIQUE INDEX IF NOT EXISTS verdicts_one_per_submission ON verdicts (correlation_id);
CREATE INDEX IF NOT EXISTS submissions_correlation ON submissions (correlation_id);
CREATE TABLE IF NOT EXISTS registry (
    identity_hash TEXT PRIMARY KEY,
    record_id TEXT NOT NULL UNIQUE,
    record_type TEXT NOT NULL,
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    version_hash TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    content TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id TEXT NOT NULL UNIQUE,
    record_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    destination TEXT NOT NULL,
    record_type TEXT NOT NULL,
    state TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    next_attempt_at REAL NOT NULL,
    idempotency_key TEXT NOT NULL,
    source_id TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    content TEXT NOT NULL,
    reasons TEXT NOT NULL,
    national_id TEXT,
    operation TEXT NOT NULL DEFAULT 'upsert',
    UNIQUE (record_id, destination, version)
);
-- due rows in seq order without sorting every open row on each push (measured: the sort made
-- processing fall from 1,356/s at 5k submissions to 674/s at 200k)
CREATE INDEX IF NOT EXISTS ledger_open ON ledger (destination, seq)
    WHERE state IN ('pending', 'sent', 'retrying');
-- the operators' lists (hub deliveries list, the console's queues): dead and retrying rows are
-- few among millions, found without a scan (queues)
CREATE INDEX IF NOT EXISTS ledger_problems ON ledger (seq) WHERE state IN ('dead', 'retrying');
CREATE TABLE IF NOT EXISTS handled (
    consumer TEXT NOT NULL, event_id TEXT NOT NULL, PRIMARY KEY (consumer, event_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS quarantine (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    origin TEXT NOT NULL UNIQUE,
    stream TEXT NOT NULL,
    reason TEXT NOT NULL,
    key BLOB,
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS sources (
    source_id TEXT PRIMARY KEY,
    level TEXT NOT NULL,
    region_code TEXT NOT NULL,
    department TEXT NOT NULL,
    record_types TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS source_credentials (
    source_id TEXT PRIMARY KEY REFERENCES sources (source_id),
    token_hash TEXT UNIQUE,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS api_batches (
    source_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    reply BLOB NOT NULL,
    PRIMARY KEY (source_id, idempotency_key)
);
CREATE INDEX IF NOT EXISTS feedback_by_source ON feedback (key, position);
CREATE INDEX IF NOT EXISTS records_by_record ON records (key, position);
CREATE TABLE IF NOT EXISTS connector_cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chain_heads (
    name TEXT PRIMARY KEY, position INTEGER NOT NULL, chain TEXT NOT NULL, count INTEGER NOT NULL
);
"""


@contextmanager
def immediate(conn: sqlite3.Connection, what: str) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any error; sqlite3's errors become
    :class:`StorageError` naming ``what`` failed."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise StorageError(f"{what}: cannot begin: {exc}") from exc
    try:
        yield
    except sqlite3.Error as exc:
        conn.execute("ROLLBACK")
        raise StorageError(f"{what} failed: {exc}") from exc
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        conn.execute("ROLLBACK")
        raise StorageError(f"{what}: commit failed: {exc}") from exc


#: Page cache per connection, KiB (SQLite's default is 2 MiB). The unique indexes on event ids
#: and identity hashes take random keys; once they outgrow the cache every insert reads pages
#: back, and throughput falls with the size of the history. Bounded, so memory stays flat.
CACHE_KIB = 64 * 1024


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL, durable commits; the
    database file (and a directory made for it) private to the hub's user."""
    try:
        private_database(private_dir(path.parent) / path.name)
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    except (sqlite3.Error, OSError) as exc:
        raise StorageError(f"cannot open {path}: {exc}") from exc
    return conn


def _add_column(conn: sqlite3.Connection, table: str, column: str) -> None:
    """A column added since a data directory was made (SQLite has no migrations table here:
    ``CREATE TABLE IF NOT EXISTS`` makes new tables, this adds new columns to old ones)."""
    name = column.split()[0]
    have = {row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')}
    if name not in have:
        conn.execute(f'ALTER TABLE "{table}" ADD COLUMN {column}')


class _SqliteJson(SqlJson):
    """JSON as text: documents with sorted keys, as the hub has always stored them."""

    def _document(self, value: Any) -> Any:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def _json_list(self, values: list[Any]) -> Any:
        return json.dumps(values, ensure_ascii=False)

    def _types(self, values: list[str]) -> Any:
        return json.dumps(values)

    def _loaded(self, value: Any) -> Any:
        return json.loads(value)

    def _types_of(self, value: Any) -> tuple[str, ...]:
        return _record_types(value)

    def _list_param(self, values: list[str]) -> Any:
        return json.dumps(values, ensure_ascii=False)


class SqliteTransaction(
    _SqliteJson, SqlTransactionRows, account_rows.AccountTransactionRows, Transaction
):
    """The ports over one open SQLite transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._c = conn

    def _run(self, text: str, params: Sequence[Any]) -> sqlite3.Cursor:
        return self._c.execute(text, params)

    def _many(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        self._c.executemany(text, rows)

    def _append(self, name: str, events: Sequence[tuple[str, str, str, str, bytes]]) -> int:
        return append_chained(self._c, name, events)

    def latest_positions(self, stream: str, keys: Sequence[str], upto: int) -> dict[str, int]:
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        marks = ", ".join("?" * len(wanted))
        rows = self._c.execute(
            f"SELECT key, MAX(position) FROM {sql.stream_table(stream)}"  # noqa: S608
            f" WHERE key IN ({marks}) AND position <= ? GROUP BY key",
            (*wanted, upto),
        ).fetchall()
        return {str(key): int(position) for key, position in rows}

    def position(self, consumer: str, stream: str) -> int:
        row = self._c.execute(POSITIONS.select, (consumer, stream)).fetchone()
        return int(row[0]) if row else 0

    def claim(self, consumer: str, event_ids: Sequence[str]) -> set[str]:
        new: set[str] = set()
        for event_id in dict.fromkeys(event_ids):
            cursor = self._c.execute(
                "INSERT INTO handled (consumer, event_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (consumer, event_id),
            )
            if cursor.rowcount:
                new.add(event_id)
        return new

    def registry_get(self, identity_hashes: Sequence[str]) -> dict[str, RegistryEntry]:
        found: dict[str, RegistryEntry] = {}
        unique = list(dict.fromkeys(identity_hashes))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._c.execute(
                f"SELECT {sql.REGISTRY_COLUMNS} FROM registry"  # noqa: S608 - placeholders only
                f" WHERE identity_hash IN ({marks})",
                chunk,
            ):
                found[row[0]] = sql.registry_entry(row, json.loads)
        return found

    def registry_put(self, changes: Sequence[tuple[int, RegistryEntry]]) -> None:
        for expected, e in changes:
            content = json.dumps(e.content, ensure_ascii=False, sort_keys=True)
            if expected == 0:
                cursor = self._c.execute(
                    "INSERT INTO registry (identity_hash, record_id, record_type, version,"
                    " content_hash, version_hash, updated_at, content)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (
                        e.identity_hash,
                        e.record_id,
                        e.record_type,
                        e.version,
                        e.content_hash,
                        e.version_hash,
                        e.updated_at,
                        content,
                    ),
                )
            else:
                cursor = self._c.execute(
                    "UPDATE registry SET version = ?, content_hash = ?, version_hash = ?,"
                    " updated_at = ?, content = ? WHERE identity_hash = ? AND version = ?",
                    (
                        e.version,
                        e.content_hash,
                        e.version_hash,
                        e.updated_at,
                        content,
                        e.identity_hash,
                        expected,
                    ),
                )
            if cursor.rowcount != 1:
                raise ConcurrencyError(
                    f"registry: {e.record_id} is no longer at version {expected}"
                )


def _record_types(text: str) -> tuple[str, ...]:
    """A source's types as stored; a value that is not a JSON list (an edit made outside the
    hub) reads as one type no record has, so the source may submit nothing and the audit's
    comparison with the sources journal names the change instead of crashing."""
    try:
        value = json.loads(text)
    except ValueError:
        return ("(unreadable)",)
    return tuple(str(v) for v in value) if isinstance(value, list) else ("(unreadable)",)


def _create_subscribers(conn: sqlite3.Connection) -> None:
    """The subscribers' registry, made once (a new data directory or the upgrade that brings it)
    with the national platform registered; a removed ``national`` is not registered again."""

    def exists() -> bool:
        return bool(
            conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'subscribers'").fetchone()
        )

    if exists():
        return
    with immediate(conn, "create the subscribers' registry"):
        if exists():
            return
        conn.execute(subs.DDL)
        conn.execute(subs.UPSERT, (NATIONAL.name, subs.canonical(NATIONAL)))
        append_chained(conn, JOURNAL, subs.seed_events())


class SqliteStore(_SqliteJson, SqlStoreRows, account_rows.AccountStoreRows, Store):
    """The embedded store: ``<data_dir>/log.db``."""

    def _select(self, text: str, params: Sequence[Any] = (), what: str = "") -> list[Any]:
        return self._conn.execute(text, params).fetchall()  # sqlite3's errors as they are

    # -- accounts --
    def _rows(self, text: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self._conn.execute(text, params).fetchall()
        except sqlite3.Error as exc:
            raise StorageError(f"accounts: {exc}") from exc

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn = connect(path)
        try:
            self._conn.executescript(
                "".join(_STREAM_DDL.format(s=s) for s in STREAMS) + f"{POSITIONS.ddl};" + _DDL
            )
            _add_column(self._conn, "ledger", "operation TEXT NOT NULL DEFAULT 'upsert'")
            _add_column(self._conn, "ledger", "redrives INTEGER NOT NULL DEFAULT 0")  # queues
            _add_column(self._conn, "sources", "principal TEXT")  # issue 16: in.<source>'s writer
            upgrade(self._conn, _STREAM_DDL.format(s=JOURNAL), immediate)
            _create_subscribers(self._conn)
            for ddl in account_rows.DDL:  # -- accounts --
                self._conn.execute(ddl.format(real="REAL"))
        except sqlite3.Error as exc:
            raise StorageError(f"cannot initialise {path}: {exc}") from exc

    @contextmanager
    def transaction(self, durable: bool = False) -> Iterator[Transaction]:
        conn = self._conn
        if durable:
            conn.execute("PRAGMA synchronous=FULL")
        try:
            yield from self._transaction(conn)
        finally:
            if durable:
                conn.execute("PRAGMA synchronous=NORMAL")

    def _transaction(self, conn: sqlite3.Connection) -> Iterator[Transaction]:
        with immediate(conn, "transaction"):
            yield SqliteTransaction(conn)

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A deferred transaction that has read once: WAL keeps its snapshot until it ends."""
        try:
            self._conn.execute("BEGIN")
            self._conn.execute("SELECT count(*) FROM chain_heads").fetchone()
        except sqlite3.Error as exc:
            raise StorageError(f"cannot begin a read snapshot: {exc}") from exc
        try:
            yield
        finally:
            self._conn.execute("ROLLBACK")

    def close(self) -> None:
        self._conn.close()
