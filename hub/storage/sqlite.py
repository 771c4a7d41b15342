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

from hub.domain.subscribers import NATIONAL, Subscriber
from hub.domain.values import (
    ApiBatch,
    Credential,
    DeliveryRow,
    Quarantined,
    QuarantineEntry,
    RegistryEntry,
    Source,
)
from hub.errors import ConcurrencyError, StorageError
from hub.events.streams import STREAMS, SUBMISSIONS, VERDICTS
from hub.storage import account_rows
from hub.storage import subscriber_rows as subs
from hub.storage.chain import JOURNAL
from hub.storage.journal import (
    DISABLED,
    PUT,
    SUBSCRIBER_PUT,
    SUBSCRIBER_REMOVED,
    TOKEN,
    change_event,
    source_state,
)
from hub.storage.ports import (
    ChainedEvent,
    ChainHead,
    Store,
    StoredEvent,
    Transaction,
    ledger_states,
)
from hub.storage.private import private_database, private_dir
from hub.storage.sqlite_chain import (
    append_chained,
    chain_head,
    chained_table,
    upgrade,
)

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
CREATE TABLE IF NOT EXISTS positions (
    consumer TEXT NOT NULL, stream TEXT NOT NULL, position INTEGER NOT NULL,
    PRIMARY KEY (consumer, stream)
);
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
_OPEN_STATES = ("pending", "sent", "retrying")
_LEDGER_COLUMNS = (
    "delivery_id, record_id, version, destination, record_type, state, attempt, next_attempt_at,"
    " idempotency_key, source_id, submission_id, content, reasons, national_id, operation,"
    " redrives"
)


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


def _stream(name: str) -> str:
    if name not in STREAMS:
        raise StorageError(f"unknown stream {name!r}")
    return name


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


def _row_to_delivery(row: Sequence[Any]) -> DeliveryRow:
    return DeliveryRow(
        delivery_id=row[0],
        record_id=row[1],
        version=row[2],
        destination=row[3],
        record_type=row[4],
        state=row[5],
        attempt=row[6],
        next_attempt_at=row[7],
        idempotency_key=row[8],
        source_id=row[9],
        submission_id=row[10],
        content=json.loads(row[11]),
        reasons=tuple(json.loads(row[12])),
        national_id=row[13],
        operation=row[14],
        redrives=row[15],
    )


def _delivery_values(row: DeliveryRow) -> tuple[Any, ...]:
    return (
        row.delivery_id,
        row.record_id,
        row.version,
        row.destination,
        row.record_type,
        row.state,
        row.attempt,
        row.next_attempt_at,
        row.idempotency_key,
        row.source_id,
        row.submission_id,
        json.dumps(row.content, ensure_ascii=False, sort_keys=True),
        json.dumps(list(row.reasons), ensure_ascii=False),
        row.national_id,
        row.operation,
        row.redrives,
    )


class SqliteTransaction(account_rows.AccountTransactionRows, Transaction):
    """The ports over one open SQLite transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._c = conn

    # -- accounts --
    def _run(self, text: str, params: Sequence[Any]) -> sqlite3.Cursor:
        return self._c.execute(text, params)

    def append(self, stream: str, events: Sequence[tuple[str, str, str, str, bytes]]) -> int:
        return append_chained(self._c, _stream(stream), events)

    def _journal(self, source_id: str, kind: str, change: dict[str, Any]) -> None:
        append_chained(self._c, JOURNAL, [change_event(source_id, kind, change)])

    def read(self, stream: str, after: int, limit: int) -> list[StoredEvent]:
        return _read(self._c, stream, after, limit)

    def head(self, stream: str) -> int:
        return _head(self._c, stream)

    def latest_positions(self, stream: str, keys: Sequence[str], upto: int) -> dict[str, int]:
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        marks = ", ".join("?" * len(wanted))
        rows = self._c.execute(
            f'SELECT key, MAX(position) FROM "{_stream(stream)}"'  # noqa: S608
            f" WHERE key IN ({marks}) AND position <= ? GROUP BY key",
            (*wanted, upto),
        ).fetchall()
        return {str(key): int(position) for key, position in rows}

    def position(self, consumer: str, stream: str) -> int:
        row = self._c.execute(
            "SELECT position FROM positions WHERE consumer = ? AND stream = ?", (consumer, stream)
        ).fetchone()
        return int(row[0]) if row else 0

    def set_position(self, consumer: str, stream: str, position: int) -> None:
        self._c.execute(
            "INSERT INTO positions (consumer, stream, position) VALUES (?, ?, ?) "
            "ON CONFLICT (consumer, stream) DO UPDATE SET position = excluded.position",
            (consumer, stream, position),
        )

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

    def quarantine(self, messages: Sequence[Quarantined]) -> int:
        new = 0
        for m in messages:
            cursor = self._c.execute(
                "INSERT INTO quarantine (origin, stream, reason, key, body) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (origin) DO NOTHING",
                (m.origin, m.stream, m.reason, m.key, m.body),
            )
            new += cursor.rowcount
        return new

    def registry_get(self, identity_hashes: Sequence[str]) -> dict[str, RegistryEntry]:
        found: dict[str, RegistryEntry] = {}
        unique = list(dict.fromkeys(identity_hashes))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._c.execute(
                "SELECT identity_hash, record_id, record_type, version, content_hash, "  # noqa: S608 - placeholders only
                f"version_hash, updated_at, content FROM registry WHERE identity_hash IN ({marks})",
                chunk,
            ):
                found[row[0]] = RegistryEntry(
                    row[0], row[1], row[2], row[3], row[4], row[5], row[6], json.loads(row[7])
                )
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

    def ledger_insert(self, rows: Sequence[DeliveryRow]) -> None:
        self._c.executemany(
            f"INSERT INTO ledger ({_LEDGER_COLUMNS}) VALUES ({','.join('?' * 16)})"  # noqa: S608
            " ON CONFLICT (delivery_id) DO NOTHING",
            [_delivery_values(r) for r in rows],
        )

    def ledger_due(self, destination: str, now: float, limit: int) -> list[DeliveryRow]:
        rows = self._c.execute(
            f"SELECT {_LEDGER_COLUMNS} FROM ledger l"  # noqa: S608 - fixed column list
            " WHERE l.destination = ? AND l.state IN ('pending', 'sent', 'retrying')"
            " AND l.next_attempt_at <= ?"
            " AND NOT EXISTS (SELECT 1 FROM ledger p WHERE p.record_id = l.record_id"
            "   AND p.destination = l.destination AND p.version < l.version"
            "   AND p.state NOT IN ('acked', 'rejected'))"
            " ORDER BY l.seq LIMIT ?",
            (destination, now, limit),
        ).fetchall()
        return [_row_to_delivery(r) for r in rows]

    def ledger_update(self, rows: Sequence[DeliveryRow]) -> None:
        self._c.executemany(
            "UPDATE ledger SET state = ?, attempt = ?, next_attempt_at = ?, reasons = ?,"
            " national_id = ?, redrives = ? WHERE delivery_id = ?",
            [
                (
                    r.state,
                    r.attempt,
                    r.next_attempt_at,
                    json.dumps(list(r.reasons), ensure_ascii=False),
                    r.national_id,
                    r.redrives,
                    r.delivery_id,
                )
                for r in rows
            ],
        )

    # -- queues --
    def ledger_select(
        self, state: str, delivery_ids: Sequence[str] | None, limit: int
    ) -> list[DeliveryRow]:
        query = f"SELECT {_LEDGER_COLUMNS} FROM ledger WHERE {ledger_states([state])}"  # noqa: S608
        args: list[Any] = []
        if delivery_ids is not None:
            ids = list(dict.fromkeys(delivery_ids))
            if not ids:
                return []
            query += " AND delivery_id IN (SELECT value FROM json_each(?))"
            args.append(json.dumps(ids, ensure_ascii=False))
        rows = self._c.execute(query + " ORDER BY seq LIMIT ?", (*args, limit)).fetchall()
        return [_row_to_delivery(r) for r in rows]

    def quarantine_take(self, origins: Sequence[str]) -> list[Quarantined]:
        rows = self._c.execute(
            "SELECT origin, stream, reason, key, body FROM quarantine"
            " WHERE origin IN (SELECT value FROM json_each(?)) ORDER BY seq",
            (json.dumps(list(origins), ensure_ascii=False),),
        ).fetchall()
        return [Quarantined(*r) for r in rows]

    def quarantine_drop(self, origins: Sequence[str]) -> int:
        cursor = self._c.execute(
            "DELETE FROM quarantine WHERE origin IN (SELECT value FROM json_each(?))",
            (json.dumps(list(origins), ensure_ascii=False),),
        )
        return max(cursor.rowcount, 0)

    def quarantine_reason(self, origin: str, reason: str) -> None:
        self._c.execute("UPDATE quarantine SET reason = ? WHERE origin = ?", (reason, origin))

    def source(self, source_id: str) -> Source | None:
        row = self._c.execute(
            "SELECT s.source_id, s.level, s.region_code, s.department, s.record_types,"
            " COALESCE(c.disabled, 0), s.principal FROM sources s"
            " LEFT JOIN source_credentials c USING (source_id) WHERE s.source_id = ?",
            (source_id,),
        ).fetchone()
        return _source(row) if row else None

    def all_sources(self) -> list[Source]:
        rows = self._c.execute(_ALL_SOURCES).fetchall()
        return [_source(r) for r in rows]

    def put_source(self, source: Source) -> None:
        self._c.execute(
            "INSERT INTO sources (source_id, level, region_code, department, record_types,"
            " principal) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source_id) DO UPDATE SET"
            " level = excluded.level, region_code = excluded.region_code,"
            " department = excluded.department, record_types = excluded.record_types,"
            " principal = excluded.principal",
            (
                source.source_id,
                source.level,
                source.region_code,
                source.department,
                json.dumps(list(source.record_types)),
                source.principal,
            ),
        )
        self._journal(source.source_id, PUT, source_state(source))

    def set_token(self, source_id: str, token_hash: str) -> None:
        self._c.execute(
            "INSERT INTO source_credentials (source_id, token_hash) VALUES (?, ?)"
            " ON CONFLICT (source_id) DO UPDATE SET token_hash = excluded.token_hash",
            (source_id, token_hash),
        )
        self._journal(source_id, TOKEN, {"token_hash": token_hash})

    def set_disabled(self, source_id: str, disabled: bool) -> None:
        self._c.execute(
            "INSERT INTO source_credentials (source_id, disabled) VALUES (?, ?)"
            " ON CONFLICT (source_id) DO UPDATE SET disabled = excluded.disabled",
            (source_id, int(disabled)),
        )
        self._journal(source_id, DISABLED, {"disabled": disabled})

    def subscriber(self, name: str) -> Subscriber | None:
        row = self._c.execute(subs.SELECT_ONE.format(p="?"), (name,)).fetchone()
        return subs.from_row(row[0], row[1]) if row else None

    def all_subscribers(self) -> list[Subscriber]:
        return [subs.from_row(r[0], r[1]) for r in self._c.execute(subs.SELECT_ALL)]

    def put_subscriber(self, subscriber: Subscriber) -> None:
        self._c.execute(subs.UPSERT.format(p="?"), (subscriber.name, subs.canonical(subscriber)))
        self._journal(subscriber.name, SUBSCRIBER_PUT, subs.entitlement(subscriber))

    def remove_subscriber(self, name: str) -> bool:
        gone = self._c.execute(subs.DELETE.format(p="?"), (name,)).rowcount > 0
        if gone:
            self._journal(name, SUBSCRIBER_REMOVED, {})
        return gone

    def api_batch(self, source_id: str, idempotency_key: str) -> ApiBatch | None:
        row = self._c.execute(
            "SELECT body_hash, reply FROM api_batches WHERE source_id = ? AND idempotency_key = ?",
            (source_id, idempotency_key),
        ).fetchone()
        return ApiBatch(source_id, idempotency_key, row[0], bytes(row[1])) if row else None

    def cursor(self, name: str) -> str | None:
        row = self._c.execute("SELECT value FROM connector_cursors WHERE name = ?", (name,))
        found = row.fetchone()
        return str(found[0]) if found else None

    def set_cursor(self, name: str, value: str) -> None:
        self._c.execute(
            "INSERT INTO connector_cursors (name, value) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    def put_api_batch(self, batch: ApiBatch) -> bool:
        cursor = self._c.execute(
            "INSERT INTO api_batches (source_id, idempotency_key, body_hash, reply)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (batch.source_id, batch.idempotency_key, batch.body_hash, batch.reply),
        )
        return cursor.rowcount == 1


#: every source with whether it is disabled (its credential's flag), for both readers of the list
_ALL_SOURCES = (
    "SELECT s.source_id, s.level, s.region_code, s.department, s.record_types,"
    " COALESCE(c.disabled, 0), s.principal FROM sources s"
    " LEFT JOIN source_credentials c USING (source_id) ORDER BY s.source_id"
)


def _source(row: Sequence[Any]) -> Source:
    return Source(row[0], row[1], row[2], row[3], _record_types(row[4]), bool(row[5]), row[6])


def _record_types(text: str) -> tuple[str, ...]:
    """A source's types as stored; a value that is not a JSON list (an edit made outside the
    hub) reads as one type no record has, so the source may submit nothing and the audit's
    comparison with the sources journal names the change instead of crashing."""
    try:
        value = json.loads(text)
    except ValueError:
        return ("(unreadable)",)
    return tuple(str(v) for v in value) if isinstance(value, list) else ("(unreadable)",)


def _read(conn: sqlite3.Connection, stream: str, after: int, limit: int) -> list[StoredEvent]:
    rows = conn.execute(
        "SELECT position, event_id, event_type, key, correlation_id, body"  # noqa: S608
        f' FROM "{_stream(stream)}" WHERE position > ? ORDER BY position LIMIT ?',
        (after, limit),
    ).fetchall()
    return [StoredEvent(*row) for row in rows]


def _head(conn: sqlite3.Connection, stream: str) -> int:
    row = conn.execute(f'SELECT MAX(position) FROM "{_stream(stream)}"').fetchone()  # noqa: S608
    return int(row[0] or 0)


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
        conn.execute(subs.UPSERT.format(p="?"), (NATIONAL.name, subs.canonical(NATIONAL)))
        append_chained(conn, JOURNAL, subs.seed_events())


class SqliteStore(account_rows.AccountStoreRows, Store):
    """The embedded store: ``<data_dir>/log.db``."""

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
            self._conn.executescript("".join(_STREAM_DDL.format(s=s) for s in STREAMS) + _DDL)
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

    def read(self, stream: str, after: int, limit: int) -> list[StoredEvent]:
        return _read(self._conn, stream, after, limit)

    def head(self, stream: str) -> int:
        return _head(self._conn, stream)

    def scan(self, stream: str, batch: int = 1000) -> Iterator[StoredEvent]:
        after = 0
        while True:
            rows = _read(self._conn, stream, after, batch)
            if not rows:
                return
            yield from rows
            after = rows[-1].position

    def counts(self, stream: str) -> dict[str, int]:
        rows = self._conn.execute(
            f'SELECT event_type, COUNT(*) FROM "{_stream(stream)}" GROUP BY event_type'  # noqa: S608
        ).fetchall()
        return {str(t): int(n) for t, n in rows}

    def in_flight(self) -> int:
        row = self._conn.execute(
            f'SELECT COUNT(*) FROM "{SUBMISSIONS}" s WHERE NOT EXISTS'  # noqa: S608
            f' (SELECT 1 FROM "{VERDICTS}" v WHERE v.correlation_id = s.event_id)'
        ).fetchone()
        return int(row[0])

    def handled_counts(self) -> dict[str, int]:
        rows = self._conn.execute("SELECT consumer, COUNT(*) FROM handled GROUP BY consumer")
        return {str(c): int(n) for c, n in rows.fetchall()}

    def quarantined(self) -> list[Quarantined]:
        rows = self._conn.execute(
            "SELECT origin, stream, reason, key, body FROM quarantine ORDER BY seq"
        ).fetchall()
        return [Quarantined(o, s, r, k, b) for o, s, r, k, b in rows]

    def quarantine_count(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0])

    def ledger_counts(self) -> dict[str, int]:
        rows = self._conn.execute("SELECT state, COUNT(*) FROM ledger GROUP BY state").fetchall()
        counts = {str(s): int(n) for s, n in rows}
        attempted = self._conn.execute("SELECT COUNT(*) FROM ledger WHERE attempt > 0").fetchone()
        counts["attempted"] = int(attempted[0])
        return counts

    def sources(self) -> list[Source]:
        rows = self._conn.execute(_ALL_SOURCES).fetchall()
        return [_source(r) for r in rows]

    def subscribers(self) -> list[Subscriber]:
        return [subs.from_row(r[0], r[1]) for r in self._conn.execute(subs.SELECT_ALL)]

    def credential(self, token_hash: str) -> tuple[Source, Credential] | None:
        row = self._conn.execute(
            "SELECT s.source_id, s.level, s.region_code, s.department, s.record_types, c.disabled,"
            " s.principal FROM source_credentials c JOIN sources s USING (source_id)"
            " WHERE c.token_hash = ?",
            (token_hash,),
        ).fetchone()
        if row is None:
            return None
        return _source(row), Credential(row[0], token_hash, bool(row[5]))

    def credential_of(self, source_id: str) -> Credential | None:
        row = self._conn.execute(
            "SELECT token_hash, disabled FROM source_credentials WHERE source_id = ?",
            (source_id,),
        ).fetchone()
        return Credential(source_id, row[0], bool(row[1])) if row else None

    def read_key(self, stream: str, key: str, after: int, limit: int) -> list[StoredEvent]:
        rows = self._conn.execute(
            "SELECT position, event_id, event_type, key, correlation_id, body"  # noqa: S608
            f' FROM "{_stream(stream)}" WHERE key = ? AND position > ? ORDER BY position LIMIT ?',
            (key, after, limit),
        ).fetchall()
        return [StoredEvent(*row) for row in rows]

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

    def chained(self, name: str, after: int, limit: int) -> list[ChainedEvent]:
        rows = self._conn.execute(
            "SELECT position, event_id, event_type, key, correlation_id, body, chain"  # noqa: S608
            f' FROM "{chained_table(name)}" WHERE position > ? ORDER BY position LIMIT ?',
            (after, limit),
        ).fetchall()
        return [ChainedEvent(r[0], r[1], r[2], r[3], r[4], bytes(r[5]), r[6]) for r in rows]

    def chain_heads(self) -> dict[str, ChainHead]:
        rows = self._conn.execute("SELECT name FROM chain_heads").fetchall()
        return {r[0]: chain_head(self._conn, r[0]) for r in rows}

    def registry_entries(self) -> Iterator[RegistryEntry]:
        after = ""
        while True:
            rows = self._conn.execute(
                "SELECT identity_hash, record_id, record_type, version, content_hash,"
                " version_hash, updated_at, content FROM registry WHERE identity_hash > ?"
                " ORDER BY identity_hash LIMIT 1000",
                (after,),
            ).fetchall()
            if not rows:
                return
            for r in rows:
                yield RegistryEntry(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7]))
            after = rows[-1][0]

    # -- queues --
    def ledger_page(self, states: Sequence[str], limit: int, offset: int = 0) -> list[DeliveryRow]:
        rows = self._conn.execute(
            f"SELECT {_LEDGER_COLUMNS} FROM ledger"  # noqa: S608 - fixed texts only
            f" WHERE {ledger_states(states)} ORDER BY seq DESC LIMIT ? OFFSET ?",
            (limit, offset),
        ).fetchall()
        return [_row_to_delivery(r) for r in rows]

    def quarantine_entries(self, limit: int) -> list[QuarantineEntry]:
        rows = self._conn.execute(
            "SELECT origin, stream, reason, length(body) FROM quarantine ORDER BY seq LIMIT ?",
            (limit,),
        ).fetchall()
        return [QuarantineEntry(r[0], r[1], r[2], int(r[3])) for r in rows]

    def ledger_rows(self) -> Iterator[DeliveryRow]:
        after = 0
        while True:
            rows = self._conn.execute(
                f"SELECT seq, {_LEDGER_COLUMNS} FROM ledger WHERE seq > ?"  # noqa: S608
                " ORDER BY seq LIMIT 1000",
                (after,),
            ).fetchall()
            if not rows:
                return
            for r in rows:
                yield _row_to_delivery(r[1:])
            after = rows[-1][0]

    def credentials(self) -> list[Credential]:
        rows = self._conn.execute(
            "SELECT source_id, token_hash, disabled FROM source_credentials ORDER BY source_id"
        ).fetchall()
        return [Credential(r[0], r[1], bool(r[2])) for r in rows]

    def close(self) -> None:
        self._conn.close()
