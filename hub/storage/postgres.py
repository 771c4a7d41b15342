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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from hub.domain.values import RegistryEntry
from hub.errors import ConcurrencyError, StorageError, StorageUnavailableError
from hub.storage import account_rows
from hub.storage.pg_chain import append_chained
from hub.storage.pg_schema import migrate
from hub.storage.ports import Store, Transaction
from hub.storage.sql import POSITIONS, REGISTRY_COLUMNS, registry_entry, stream_table
from hub.storage.sql_reads import SqlStoreRows
from hub.storage.sql_rows import SqlJson, SqlTransactionRows

__all__ = ["PostgresStore", "PostgresTransaction", "connect", "live", "translate"]


class _PostgresJson(SqlJson):
    """JSON as ``jsonb``: psycopg adapts the values going in and decodes them coming out."""

    _placeholder = "%s"

    def _document(self, value: Any) -> Any:
        return Jsonb(value)

    def _json_list(self, values: list[Any]) -> Any:
        return Jsonb(values)

    def _types(self, values: list[str]) -> Any:
        return Jsonb(values)

    def _loaded(self, value: Any) -> Any:
        return value

    def _types_of(self, value: Any) -> tuple[str, ...]:
        return tuple(value)

    def _list_param(self, values: list[str]) -> Any:
        return values


class PostgresTransaction(
    _PostgresJson, SqlTransactionRows, account_rows.AccountTransactionRows, Transaction
):
    """The ports over one open PostgreSQL transaction."""

    _IN_LIST = "= ANY(?)"
    _LOCK = " FOR UPDATE"  # rows an operator's action changes: writers take turns
    _LOCK_DUE = " FOR UPDATE OF l SKIP LOCKED"  # a due row goes to one pusher

    def __init__(self, conn: psycopg.Connection) -> None:
        self._c = conn

    def _run(self, text: str, params: Sequence[Any]) -> psycopg.Cursor[Any]:
        return self._c.execute(text, params)

    def _many(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._c.cursor() as cursor:
            cursor.executemany(text, rows)

    def _append(self, name: str, events: Sequence[tuple[str, str, str, str, bytes]]) -> int:
        return append_chained(self._c, name, events)

    def latest_positions(self, stream: str, keys: Sequence[str], upto: int) -> dict[str, int]:
        """One query over the ``(key, position)`` index the records stream has
        (``records_by_record``)."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        rows = self._c.execute(
            f"SELECT key, max(position) FROM {stream_table(stream)}"  # noqa: S608 - fixed names
            " WHERE key = ANY(%s) AND position <= %s GROUP BY key",
            (wanted, upto),
        ).fetchall()
        return {str(r[0]): int(r[1]) for r in rows}

    def position(self, consumer: str, stream: str) -> int:
        """The consumer's position, and its turn: the row stays locked until this transaction
        ends, so two processes stepping one stage take turns instead of doing a batch twice (the
        second waits, then reads the position the first committed)."""
        self._c.execute(self._q(POSITIONS.start), (consumer, stream))
        row = self._c.execute(self._q(POSITIONS.select + self._LOCK), (consumer, stream)).fetchone()
        return int(row[0]) if row else 0

    def claim(self, consumer: str, event_ids: Sequence[str]) -> set[str]:
        if not event_ids:
            return set()
        rows = self._c.execute(
            "INSERT INTO handled (consumer, event_id) SELECT %s, e FROM unnest(%s::text[]) AS e"
            " ON CONFLICT DO NOTHING RETURNING event_id",
            (consumer, list(dict.fromkeys(event_ids))),
        ).fetchall()
        return {str(r[0]) for r in rows}

    def registry_get(self, identity_hashes: Sequence[str]) -> dict[str, RegistryEntry]:
        rows = self._c.execute(
            f"SELECT {REGISTRY_COLUMNS} FROM registry WHERE identity_hash = ANY(%s)",  # noqa: S608
            (list(dict.fromkeys(identity_hashes)),),
        ).fetchall()
        return {r[0]: registry_entry(r, self._loaded) for r in rows}

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


def connect(url: str, what: str, *setup: str) -> psycopg.Connection:
    """A connection in autocommit mode (transactions are explicit), the ``setup`` statements run
    and the schema migrated; psycopg's errors translated, naming ``what``."""
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=5)
        for statement in setup:
            conn.execute(statement)  # fixed texts from code
        migrate(conn)
    except psycopg.Error as exc:
        raise translate(exc, what) from exc
    return conn


def live(
    conn: psycopg.Connection, reconnect: Callable[[], psycopg.Connection]
) -> psycopg.Connection:
    """``conn``, or a new connection if the server went away (a restart of PostgreSQL pauses the
    hub instead of stopping it)."""
    if conn.closed or conn.broken:
        conn.close()
        return reconnect()
    return conn


class PostgresStore(_PostgresJson, SqlStoreRows, account_rows.AccountStoreRows, Store):
    """The store on PostgreSQL: one connection (a process drives one loop), reopened after the
    server went away, so a restart of PostgreSQL pauses the hub instead of stopping it."""

    _BYTES = "octet_length"

    def __init__(self, url: str) -> None:
        self._url = url
        self._conn = connect(url, "PostgreSQL")

    # -- accounts --
    def _rows(self, text: str, params: Sequence[Any] = ()) -> list[Any]:
        return self._query(text, params)

    def _select(
        self, text: str, params: Sequence[Any] = (), what: str = "query failed"
    ) -> list[Any]:
        return self._query(text, params, what)

    def _live(self) -> psycopg.Connection:
        self._conn = live(self._conn, lambda: connect(self._url, "PostgreSQL"))
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

    def _query(
        self, query: sql.Composable | str, params: Sequence[Any] = (), what: str = "query failed"
    ) -> list[Any]:
        try:
            return self._live().execute(query, params).fetchall()  # type: ignore[arg-type]
        except psycopg.Error as exc:
            raise translate(exc, what) from exc

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

    def close(self) -> None:
        self._conn.close()
