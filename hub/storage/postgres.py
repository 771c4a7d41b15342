"""The PostgreSQL backend of the storage ports (psycopg 3), selected by ``HUB_DATABASE_URL``.

Same ports and the same guarantees as the SQLite backend, with what PostgreSQL needs:

- **Positions in commit order.** ``BIGSERIAL`` hands out positions at insert time, and two
  writers may commit out of order: a reader could then see position 11 before 10 commits and skip
  10 for ever. Appends therefore take ``LOCK TABLE ... IN EXCLUSIVE MODE`` on the stream (readers
  are not blocked), so positions become visible in order.
- **Chained streams** (issue 12): each appended event gets its chain value and the stream's head
  moves, under the same lock (:mod:`hub.storage.pg_chain`); the sources' changes are journaled in
  their transaction.
- **Durability per transaction.** Ingest commits normally (``synchronous_commit`` on: on disk
  before "received"), and so does a step on a batch Kafka delivered (its offsets are committed
  next: a lost commit would not be delivered again); steps by position
  ``SET LOCAL synchronous_commit = off``: a server crash may roll back their last commits,
  outputs and position together, and they are redone identically.
- **One batch, one processor.** Reading a stage's position locks it for the transaction: processes
  running the same stage take turns, batch by batch.
- **Unique constraints decide.** An existing event id is skipped; a second verdict for one
  submission is a :class:`~hub.errors.StorageError`; the registry is compare-and-set (insert if
  absent, update from the expected version), so processes racing on one identity end with one
  ``record_id`` and one history; the losers get :class:`~hub.errors.ConcurrencyError` and re-run.

psycopg's errors are translated to :class:`~hub.errors.StorageError` here and nowhere else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from hub.domain.subscribers import Subscriber
from hub.domain.values import (
    ApiBatch,
    Credential,
    DeliveryRow,
    Quarantined,
    QuarantineEntry,
    RegistryEntry,
    Source,
)
from hub.errors import ConcurrencyError, StorageError, StorageUnavailableError
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
from hub.storage.pg_chain import append_chained, chain_head, table
from hub.storage.pg_schema import migrate
from hub.storage.ports import (
    ChainedEvent,
    ChainHead,
    Store,
    StoredEvent,
    Transaction,
    ledger_states,
)

__all__ = ["PostgresStore", "PostgresTransaction", "translate"]

_LEDGER_COLUMNS = sql.SQL(
    "delivery_id, record_id, version, destination, record_type, state, attempt, next_attempt_at,"
    " idempotency_key, source_id, submission_id, content, reasons, national_id, operation,"
    " redrives"
)


def _stream(name: str) -> sql.Identifier:
    if name not in STREAMS:
        raise StorageError(f"unknown stream {name!r}")
    return sql.Identifier(name)


def _delivery(row: Sequence[Any]) -> DeliveryRow:
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
        content=row[11],
        reasons=tuple(row[12]),
        national_id=row[13],
        operation=row[14],
        redrives=row[15],
    )


#: every source with whether it is disabled (its credential's flag), for both readers of the list
_ALL_SOURCES = (
    "SELECT s.source_id, s.level, s.region_code, s.department, s.record_types,"
    " COALESCE(c.disabled, FALSE), s.principal FROM sources s"
    " LEFT JOIN source_credentials c USING (source_id) ORDER BY s.source_id"
)


def _source(row: Sequence[Any]) -> Source:
    return Source(row[0], row[1], row[2], row[3], tuple(row[4]), bool(row[5]), row[6])


def _read(conn: psycopg.Connection, stream: str, after: int, limit: int) -> list[StoredEvent]:
    rows = conn.execute(
        sql.SQL(
            "SELECT position, event_id, event_type, key, correlation_id, body FROM {}"
            " WHERE position > %s ORDER BY position LIMIT %s"
        ).format(_stream(stream)),
        (after, limit),
    ).fetchall()
    return [StoredEvent(r[0], r[1], r[2], r[3], r[4], bytes(r[5])) for r in rows]


def _head(conn: psycopg.Connection, stream: str) -> int:
    row = conn.execute(sql.SQL("SELECT max(position) FROM {}").format(_stream(stream))).fetchone()
    return int(row[0] or 0) if row else 0


class PostgresTransaction(account_rows.AccountTransactionRows, Transaction):
    """The ports over one open PostgreSQL transaction."""

    _placeholder = "%s"

    def __init__(self, conn: psycopg.Connection) -> None:
        self._c = conn

    # -- accounts --
    def _run(self, text: str, params: Sequence[Any]) -> psycopg.Cursor[Any]:
        return self._c.execute(text, params)

    def append(self, stream: str, events: Sequence[tuple[str, str, str, str, bytes]]) -> int:
        _stream(stream)
        return append_chained(self._c, stream, events)

    def _journal(self, source_id: str, kind: str, change: dict[str, Any]) -> None:
        append_chained(self._c, JOURNAL, [change_event(source_id, kind, change)])

    def read(self, stream: str, after: int, limit: int) -> list[StoredEvent]:
        return _read(self._c, stream, after, limit)

    def head(self, stream: str) -> int:
        return _head(self._c, stream)

    def latest_positions(self, stream: str, keys: Sequence[str], upto: int) -> dict[str, int]:
        """One query over the ``(key, position)`` index the records stream has
        (``records_by_record``)."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        rows = self._c.execute(
            sql.SQL(
                "SELECT key, max(position) FROM {} WHERE key = ANY(%s) AND position <= %s"
                " GROUP BY key"
            ).format(_stream(stream)),
            (wanted, upto),
        ).fetchall()
        return {str(r[0]): int(r[1]) for r in rows}

    def position(self, consumer: str, stream: str) -> int:
        """The consumer's position, and its turn: the row stays locked until this transaction
        ends, so two processes stepping one stage take turns instead of doing a batch twice (the
        second waits, then reads the position the first committed)."""
        self._c.execute(
            "INSERT INTO positions (consumer, stream, position) VALUES (%s, %s, 0)"
            " ON CONFLICT (consumer, stream) DO NOTHING",
            (consumer, stream),
        )
        row = self._c.execute(
            "SELECT position FROM positions WHERE consumer = %s AND stream = %s FOR UPDATE",
            (consumer, stream),
        ).fetchone()
        return int(row[0]) if row else 0

    def set_position(self, consumer: str, stream: str, position: int) -> None:
        self._c.execute(
            "INSERT INTO positions (consumer, stream, position) VALUES (%s, %s, %s)"
            " ON CONFLICT (consumer, stream) DO UPDATE SET position = excluded.position",
            (consumer, stream, position),
        )

    def claim(self, consumer: str, event_ids: Sequence[str]) -> set[str]:
        if not event_ids:
            return set()
        rows = self._c.execute(
            "INSERT INTO handled (consumer, event_id) SELECT %s, e FROM unnest(%s::text[]) AS e"
            " ON CONFLICT DO NOTHING RETURNING event_id",
            (consumer, list(dict.fromkeys(event_ids))),
        ).fetchall()
        return {str(r[0]) for r in rows}

    def quarantine(self, messages: Sequence[Quarantined]) -> int:
        new = 0
        for m in messages:
            cursor = self._c.execute(
                "INSERT INTO quarantine (origin, stream, reason, key, body)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (origin) DO NOTHING",
                (m.origin, m.stream, m.reason, m.key, m.body),
            )
            new += max(cursor.rowcount, 0)
        return new

    def registry_get(self, identity_hashes: Sequence[str]) -> dict[str, RegistryEntry]:
        rows = self._c.execute(
            "SELECT identity_hash, record_id, record_type, version, content_hash, version_hash,"
            " updated_at, content FROM registry WHERE identity_hash = ANY(%s)",
            (list(dict.fromkeys(identity_hashes)),),
        ).fetchall()
        return {r[0]: RegistryEntry(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows}

    def registry_put(self, changes: Sequence[tuple[int, RegistryEntry]]) -> None:
        """Two statements per batch whatever its size (inserts, compare-and-set updates); a row
        that another writer changed first makes the counts fall short: ConcurrencyError, and the
        caller's transaction rolls back."""
        inserts = [e for expected, e in changes if expected == 0]
        updates = [(expected, e) for expected, e in changes if expected != 0]
        if inserts:
            # no conflict target: a clash on the identity *or* the record id is a no-op here
            # and a ConcurrencyError below, never a failed statement mid-transaction
            cursor = self._c.execute(
                "INSERT INTO registry (identity_hash, record_id, record_type, version,"
                " content_hash, version_hash, updated_at, content)"
                " SELECT h, r, t, v, c, vh, u, j::jsonb FROM unnest(%s::text[], %s::text[],"
                " %s::text[], %s::int[], %s::text[], %s::text[], %s::text[], %s::text[])"
                " AS x(h, r, t, v, c, vh, u, j) ON CONFLICT DO NOTHING",
                _registry_columns(inserts),
            )
            if cursor.rowcount != len(inserts):
                raise ConcurrencyError(
                    f"registry: {len(inserts) - max(cursor.rowcount, 0)} of {len(inserts)} new"
                    " records were registered by another writer first"
                )
        if updates:
            cursor = self._c.execute(
                "UPDATE registry AS g SET version = x.v, content_hash = x.c, version_hash = x.vh,"
                " updated_at = x.u, content = x.j::jsonb FROM unnest(%s::text[], %s::text[],"
                " %s::text[], %s::int[], %s::text[], %s::text[], %s::text[], %s::text[],"
                " %s::int[]) AS x(h, r, t, v, c, vh, u, j, expected)"
                " WHERE g.identity_hash = x.h AND g.version = x.expected",
                [*_registry_columns([e for _, e in updates]), [x for x, _ in updates]],
            )
            if cursor.rowcount != len(updates):
                raise ConcurrencyError(
                    f"registry: {len(updates) - max(cursor.rowcount, 0)} of {len(updates)}"
                    " records are no longer at the version this batch read"
                )

    def ledger_insert(self, rows: Sequence[DeliveryRow]) -> None:
        if not rows:
            return
        with self._c.cursor() as cursor:
            cursor.executemany(
                sql.SQL(
                    "INSERT INTO ledger ({}) VALUES ({}) ON CONFLICT (delivery_id) DO NOTHING"
                ).format(_LEDGER_COLUMNS, sql.SQL(", ").join(sql.Placeholder() * 16)),
                [
                    (
                        r.delivery_id,
                        r.record_id,
                        r.version,
                        r.destination,
                        r.record_type,
                        r.state,
                        r.attempt,
                        r.next_attempt_at,
                        r.idempotency_key,
                        r.source_id,
                        r.submission_id,
                        Jsonb(r.content),
                        Jsonb(list(r.reasons)),
                        r.national_id,
                        r.operation,
                        r.redrives,
                    )
                    for r in rows
                ],
            )

    def ledger_due(self, destination: str, now: float, limit: int) -> list[DeliveryRow]:
        rows = self._c.execute(
            sql.SQL(
                "SELECT {} FROM ledger l WHERE l.destination = %s"
                " AND l.state IN ('pending', 'sent', 'retrying') AND l.next_attempt_at <= %s"
                " AND NOT EXISTS (SELECT 1 FROM ledger p WHERE p.record_id = l.record_id"
                "   AND p.destination = l.destination AND p.version < l.version"
                "   AND p.state NOT IN ('acked', 'rejected'))"
                " ORDER BY l.seq LIMIT %s FOR UPDATE OF l SKIP LOCKED"
            ).format(_LEDGER_COLUMNS),
            (destination, now, limit),
        ).fetchall()
        return [_delivery(r) for r in rows]

    def ledger_update(self, rows: Sequence[DeliveryRow]) -> None:
        if not rows:
            return
        with self._c.cursor() as cursor:
            cursor.executemany(
                "UPDATE ledger SET state = %s, attempt = %s, next_attempt_at = %s,"
                " reasons = %s, national_id = %s, redrives = %s WHERE delivery_id = %s",
                [
                    (
                        r.state,
                        r.attempt,
                        r.next_attempt_at,
                        Jsonb(list(r.reasons)),
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
        query = sql.SQL("SELECT {} FROM ledger WHERE {}").format(
            _LEDGER_COLUMNS, sql.SQL(ledger_states([state]))
        )
        args: list[Any] = []
        if delivery_ids is not None:
            ids = list(dict.fromkeys(delivery_ids))
            if not ids:
                return []
            query += sql.SQL(" AND delivery_id = ANY(%s)")
            args.append(ids)
        rows = self._c.execute(
            query + sql.SQL(" ORDER BY seq LIMIT %s FOR UPDATE"), (*args, limit)
        ).fetchall()
        return [_delivery(r) for r in rows]

    def quarantine_take(self, origins: Sequence[str]) -> list[Quarantined]:
        rows = self._c.execute(
            "SELECT origin, stream, reason, key, body FROM quarantine"
            " WHERE origin = ANY(%s) ORDER BY seq FOR UPDATE",
            (list(origins),),
        ).fetchall()
        return [
            Quarantined(o, st, r, bytes(k) if k is not None else None, bytes(b))
            for o, st, r, k, b in rows
        ]

    def quarantine_drop(self, origins: Sequence[str]) -> int:
        cursor = self._c.execute("DELETE FROM quarantine WHERE origin = ANY(%s)", (list(origins),))
        return max(cursor.rowcount, 0)

    def quarantine_reason(self, origin: str, reason: str) -> None:
        self._c.execute("UPDATE quarantine SET reason = %s WHERE origin = %s", (reason, origin))

    def source(self, source_id: str) -> Source | None:
        row = self._c.execute(
            "SELECT s.source_id, s.level, s.region_code, s.department, s.record_types,"
            " COALESCE(c.disabled, FALSE), s.principal FROM sources s"
            " LEFT JOIN source_credentials c USING (source_id) WHERE s.source_id = %s",
            (source_id,),
        ).fetchone()
        return _source(row) if row else None

    def all_sources(self) -> list[Source]:
        rows = self._c.execute(_ALL_SOURCES).fetchall()
        return [_source(r) for r in rows]

    def put_source(self, source: Source) -> None:
        self._c.execute(
            "INSERT INTO sources (source_id, level, region_code, department, record_types,"
            " principal) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (source_id) DO UPDATE SET"
            " level = excluded.level, region_code = excluded.region_code,"
            " department = excluded.department, record_types = excluded.record_types,"
            " principal = excluded.principal",
            (
                source.source_id,
                source.level,
                source.region_code,
                source.department,
                Jsonb(list(source.record_types)),
                source.principal,
            ),
        )
        self._journal(source.source_id, PUT, source_state(source))

    def subscriber(self, name: str) -> Subscriber | None:
        row = self._c.execute(subs.SELECT_ONE.format(p="%s"), (name,)).fetchone()
        return subs.from_row(row[0], row[1]) if row else None

    def all_subscribers(self) -> list[Subscriber]:
        return [subs.from_row(r[0], r[1]) for r in self._c.execute(subs.SELECT_ALL)]

    def put_subscriber(self, subscriber: Subscriber) -> None:
        self._c.execute(subs.UPSERT.format(p="%s"), (subscriber.name, subs.canonical(subscriber)))
        self._journal(subscriber.name, SUBSCRIBER_PUT, subs.entitlement(subscriber))

    def remove_subscriber(self, name: str) -> bool:
        gone = self._c.execute(subs.DELETE.format(p="%s"), (name,)).rowcount > 0
        if gone:
            self._journal(name, SUBSCRIBER_REMOVED, {})
        return gone

    def set_token(self, source_id: str, token_hash: str) -> None:
        self._c.execute(
            "INSERT INTO source_credentials (source_id, token_hash) VALUES (%s, %s)"
            " ON CONFLICT (source_id) DO UPDATE SET token_hash = excluded.token_hash",
            (source_id, token_hash),
        )
        self._journal(source_id, TOKEN, {"token_hash": token_hash})

    def set_disabled(self, source_id: str, disabled: bool) -> None:
        self._c.execute(
            "INSERT INTO source_credentials (source_id, disabled) VALUES (%s, %s)"
            " ON CONFLICT (source_id) DO UPDATE SET disabled = excluded.disabled",
            (source_id, disabled),
        )
        self._journal(source_id, DISABLED, {"disabled": disabled})

    def api_batch(self, source_id: str, idempotency_key: str) -> ApiBatch | None:
        row = self._c.execute(
            "SELECT body_hash, reply FROM api_batches"
            " WHERE source_id = %s AND idempotency_key = %s",
            (source_id, idempotency_key),
        ).fetchone()
        return ApiBatch(source_id, idempotency_key, row[0], bytes(row[1])) if row else None

    def cursor(self, name: str) -> str | None:
        found = self._c.execute(
            "SELECT value FROM connector_cursors WHERE name = %s", (name,)
        ).fetchone()
        return str(found[0]) if found else None

    def set_cursor(self, name: str, value: str) -> None:
        self._c.execute(
            "INSERT INTO connector_cursors (name, value) VALUES (%s, %s)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    def put_api_batch(self, batch: ApiBatch) -> bool:
        cursor = self._c.execute(
            "INSERT INTO api_batches (source_id, idempotency_key, body_hash, reply)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (batch.source_id, batch.idempotency_key, batch.body_hash, batch.reply),
        )
        return cursor.rowcount == 1


def _registry_columns(entries: Sequence[RegistryEntry]) -> list[list[Any]]:
    return [
        [e.identity_hash for e in entries],
        [e.record_id for e in entries],
        [e.record_type for e in entries],
        [e.version for e in entries],
        [e.content_hash for e in entries],
        [e.version_hash for e in entries],
        [e.updated_at for e in entries],
        [json.dumps(e.content, ensure_ascii=False) for e in entries],
    ]


def translate(exc: psycopg.Error, what: str) -> StorageError:
    """psycopg's errors in the hub's terms: lost or refused connections are transient."""
    message = f"{what}: {exc}".strip()
    if isinstance(exc, psycopg.errors.SerializationFailure):
        return ConcurrencyError(message)
    if isinstance(exc, psycopg.OperationalError | psycopg.errors.AdminShutdown):
        return StorageUnavailableError(message)
    return StorageError(message)


class PostgresStore(account_rows.AccountStoreRows, Store):
    """The store on PostgreSQL: one connection (a process drives one loop), reopened after the
    server went away, so a restart of PostgreSQL pauses the hub instead of stopping it."""

    _placeholder = "%s"

    def __init__(self, url: str) -> None:
        self._url = url
        self._conn = self._connect()

    # -- accounts --
    def _rows(self, text: str, params: Sequence[Any] = ()) -> list[Any]:
        return self._query(text, params)

    def _connect(self) -> psycopg.Connection:
        try:
            conn = psycopg.connect(self._url, autocommit=True, connect_timeout=5)
            migrate(conn)
        except psycopg.Error as exc:
            raise translate(exc, "PostgreSQL") from exc
        return conn

    def _live(self) -> psycopg.Connection:
        if self._conn.closed or self._conn.broken:
            self._conn.close()
            self._conn = self._connect()
        return self._conn

    @contextmanager
    def transaction(self, durable: bool = False) -> Iterator[Transaction]:
        conn = self._live()
        try:
            with conn.transaction():
                if not durable:
                    conn.execute("SET LOCAL synchronous_commit = off")
                yield PostgresTransaction(conn)
        except psycopg.Error as exc:
            raise translate(exc, "transaction failed") from exc

    def _query(self, query: sql.Composable | str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self._live().execute(query, params).fetchall()  # type: ignore[arg-type]
        except psycopg.Error as exc:
            raise translate(exc, "query failed") from exc

    def read(self, stream: str, after: int, limit: int) -> list[StoredEvent]:
        try:
            return _read(self._live(), stream, after, limit)
        except psycopg.Error as exc:
            raise translate(exc, f"read of {stream} failed") from exc

    def head(self, stream: str) -> int:
        try:
            return _head(self._live(), stream)
        except psycopg.Error as exc:
            raise translate(exc, f"head of {stream} failed") from exc

    def scan(self, stream: str, batch: int = 1000) -> Iterator[StoredEvent]:
        after = 0
        while rows := self.read(stream, after, batch):
            yield from rows
            after = rows[-1].position

    def counts(self, stream: str) -> dict[str, int]:
        rows = self._query(
            sql.SQL("SELECT event_type, count(*) FROM {} GROUP BY event_type").format(
                _stream(stream)
            )
        )
        return {str(t): int(n) for t, n in rows}

    def in_flight(self) -> int:
        rows = self._query(
            sql.SQL(
                "SELECT count(*) FROM {} s WHERE NOT EXISTS"
                " (SELECT 1 FROM {} v WHERE v.correlation_id = s.event_id)"
            ).format(sql.Identifier(SUBMISSIONS), sql.Identifier(VERDICTS))
        )
        return int(rows[0][0])

    def handled_counts(self) -> dict[str, int]:
        rows = self._query("SELECT consumer, count(*) FROM handled GROUP BY consumer")
        return {str(c): int(n) for c, n in rows}

    def quarantined(self) -> list[Quarantined]:
        return [
            Quarantined(o, s, r, bytes(k) if k is not None else None, bytes(b))
            for o, s, r, k, b in self._query(
                "SELECT origin, stream, reason, key, body FROM quarantine ORDER BY seq"
            )
        ]

    def quarantine_count(self) -> int:
        return int(self._query("SELECT count(*) FROM quarantine")[0][0])

    def ledger_counts(self) -> dict[str, int]:
        counts = {
            str(s): int(n)
            for s, n in self._query("SELECT state, count(*) FROM ledger GROUP BY state")
        }
        counts["attempted"] = int(
            self._query("SELECT count(*) FROM ledger WHERE attempt > 0")[0][0]
        )
        return counts

    def sources(self) -> list[Source]:
        return [_source(r) for r in self._query(_ALL_SOURCES)]

    def subscribers(self) -> list[Subscriber]:
        return [subs.from_row(r[0], r[1]) for r in self._query(subs.SELECT_ALL)]

    def credential(self, token_hash: str) -> tuple[Source, Credential] | None:
        rows = self._query(
            "SELECT s.source_id, s.level, s.region_code, s.department, s.record_types, c.disabled,"
            " s.principal FROM source_credentials c JOIN sources s USING (source_id)"
            " WHERE c.token_hash = %s",
            (token_hash,),
        )
        if not rows:
            return None
        return _source(rows[0]), Credential(rows[0][0], token_hash, bool(rows[0][5]))

    def credential_of(self, source_id: str) -> Credential | None:
        rows = self._query(
            "SELECT token_hash, disabled FROM source_credentials WHERE source_id = %s",
            (source_id,),
        )
        return Credential(source_id, rows[0][0], bool(rows[0][1])) if rows else None

    def read_key(self, stream: str, key: str, after: int, limit: int) -> list[StoredEvent]:
        rows = self._query(
            sql.SQL(
                "SELECT position, event_id, event_type, key, correlation_id, body FROM {}"
                " WHERE key = %s AND position > %s ORDER BY position LIMIT %s"
            ).format(_stream(stream)),
            (key, after, limit),
        )
        return [StoredEvent(r[0], r[1], r[2], r[3], r[4], bytes(r[5])) for r in rows]

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A read-only REPEATABLE READ transaction on this store's connection."""
        conn = self._live()
        try:
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                yield
        except psycopg.Error as exc:
            raise translate(exc, "read snapshot") from exc

    def chained(self, name: str, after: int, limit: int) -> list[ChainedEvent]:
        rows = self._query(
            sql.SQL(
                "SELECT position, event_id, event_type, key, correlation_id, body, chain FROM {}"
                " WHERE position > %s ORDER BY position LIMIT %s"
            ).format(table(name)),
            (after, limit),
        )
        return [ChainedEvent(r[0], r[1], r[2], r[3], r[4], bytes(r[5]), r[6]) for r in rows]

    def chain_heads(self) -> dict[str, ChainHead]:
        names = [r[0] for r in self._query("SELECT name FROM chain_heads")]
        try:
            return {name: chain_head(self._live(), name) for name in names}
        except psycopg.Error as exc:
            raise translate(exc, "chain heads") from exc

    def registry_entries(self) -> Iterator[RegistryEntry]:
        after = ""
        while rows := self._query(
            "SELECT identity_hash, record_id, record_type, version, content_hash, version_hash,"
            " updated_at, content FROM registry WHERE identity_hash > %s"
            " ORDER BY identity_hash LIMIT 1000",
            (after,),
        ):
            for r in rows:
                yield RegistryEntry(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7])
            after = rows[-1][0]

    # -- queues --
    def ledger_page(self, states: Sequence[str], limit: int, offset: int = 0) -> list[DeliveryRow]:
        rows = self._query(
            sql.SQL("SELECT {} FROM ledger WHERE {} ORDER BY seq DESC LIMIT %s OFFSET %s").format(
                _LEDGER_COLUMNS, sql.SQL(ledger_states(states))
            ),
            (limit, offset),
        )
        return [_delivery(r) for r in rows]

    def quarantine_entries(self, limit: int) -> list[QuarantineEntry]:
        rows = self._query(
            "SELECT origin, stream, reason, octet_length(body) FROM quarantine"
            " ORDER BY seq LIMIT %s",
            (limit,),
        )
        return [QuarantineEntry(r[0], r[1], r[2], int(r[3])) for r in rows]

    def ledger_rows(self) -> Iterator[DeliveryRow]:
        after = 0
        while rows := self._query(
            sql.SQL("SELECT seq, {} FROM ledger WHERE seq > %s ORDER BY seq LIMIT 1000").format(
                _LEDGER_COLUMNS
            ),
            (after,),
        ):
            for r in rows:
                yield _delivery(r[1:])
            after = rows[-1][0]

    def credentials(self) -> list[Credential]:
        rows = self._query(
            "SELECT source_id, token_hash, disabled FROM source_credentials ORDER BY source_id"
        )
        return [Credential(r[0], r[1], bool(r[2])) for r in rows]

    def close(self) -> None:
        self._conn.close()
