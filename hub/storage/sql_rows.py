"""The transaction's methods that are the same on both backends but for the placeholder and the
JSON adapter, written once: a backend mixes :class:`SqlTransactionRows` into its transaction
(and :class:`~hub.storage.sql_reads.SqlStoreRows` into its store), and gives the hooks (how a
statement runs, how JSON goes in and comes out: :class:`SqlJson`) and the dialect's few words as
class attributes:

- ``_IN_LIST`` / :meth:`SqlJson._list_param`: "is in this list of values", one
  parameter whatever its length (SQLite's ``json_each`` of a JSON array, PostgreSQL's ``ANY`` of
  an array);
- ``_LOCK`` / ``_LOCK_DUE``: the row locks PostgreSQL's concurrent writers need (``FOR UPDATE``,
  ``FOR UPDATE OF l SKIP LOCKED``); SQLite has one writer at a time and none.

What differs in more than that (appends, the registry's bulk forms, claims, the locked position,
snapshots, error translation) stays in :mod:`hub.storage.sqlite` and :mod:`hub.storage.postgres`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from hub.domain.subscribers import Subscriber
from hub.domain.values import (
    ApiBatch,
    DeliveryRow,
    Quarantined,
    Source,
)
from hub.storage import sql
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
from hub.storage.ports import StoredEvent
from hub.storage.sql import LEDGER_COLUMNS, POSITIONS, Dialect, TransactionHooks, ledger_states

__all__ = ["SqlJson", "SqlTransactionRows", "event"]


def event(row: Sequence[Any]) -> StoredEvent:
    """A row of :data:`~hub.storage.sql.EVENT_COLUMNS` back to its value."""
    return StoredEvent(row[0], row[1], row[2], row[3], row[4], bytes(row[5]))


class SqlJson(Dialect):
    """How a backend's JSON columns go in and come out (a backend's subclass of this comes
    first among its bases, before the mixins that use it)."""

    def _document(self, value: Any) -> Any:
        """A JSON document (a ledger row's content) as the column takes it."""
        raise NotImplementedError

    def _json_list(self, values: list[Any]) -> Any:
        """A JSON list (a ledger row's reasons) as the column takes it."""
        raise NotImplementedError

    def _types(self, values: list[str]) -> Any:
        """A source's record types as the column takes them."""
        raise NotImplementedError

    def _loaded(self, value: Any) -> Any:
        """A JSON column's value as read back."""
        raise NotImplementedError

    def _types_of(self, value: Any) -> tuple[str, ...]:
        """A source's record types as read back."""
        raise NotImplementedError

    def _list_param(self, values: list[str]) -> Any:
        """The one parameter of ``_IN_LIST``: the values."""
        raise NotImplementedError

    def _delivery(self, row: Sequence[Any]) -> DeliveryRow:
        return sql.delivery(row, self._loaded)

    def _source(self, row: Sequence[Any]) -> Source:
        return sql.source(row, self._types_of)


class SqlTransactionRows(SqlJson, TransactionHooks):
    """The shared part of a backend's transaction. The backend gives :meth:`_run` (a statement
    in its transaction), :meth:`_many` (one statement over many rows), ``_journal`` and the JSON
    adapters."""

    _IN_LIST: ClassVar[str] = "IN (SELECT value FROM json_each(?))"
    _LOCK: ClassVar[str] = ""
    _LOCK_DUE: ClassVar[str] = ""

    def _many(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        raise NotImplementedError

    def _append(self, name: str, events: Sequence[tuple[str, str, str, str, bytes]]) -> int:
        """Chained appends to a stream or the journal, under the transaction's append lock."""
        raise NotImplementedError

    # -- the log --
    def append(self, stream: str, events: Sequence[tuple[str, str, str, str, bytes]]) -> int:
        sql.stream_table(stream)
        return self._append(stream, events)

    def _journal(self, source_id: str, kind: str, change: dict[str, Any]) -> None:
        self._append(JOURNAL, [change_event(source_id, kind, change)])

    def read(self, stream: str, after: int, limit: int) -> list[StoredEvent]:
        text = self._q(sql.READ.format(table=sql.stream_table(stream)))
        return [event(r) for r in self._run(text, (after, limit)).fetchall()]

    def head(self, stream: str) -> int:
        row = self._run(sql.HEAD.format(table=sql.stream_table(stream)), ()).fetchone()
        return int(row[0] or 0) if row else 0

    # -- tracking --
    def set_position(self, consumer: str, stream: str, position: int) -> None:
        self._run(self._q(POSITIONS.upsert), (consumer, stream, position))

    def quarantine(self, messages: Sequence[Quarantined]) -> int:
        text = self._q(
            "INSERT INTO quarantine (origin, stream, reason, key, body) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (origin) DO NOTHING"
        )
        new = 0
        for m in messages:
            cursor = self._run(text, (m.origin, m.stream, m.reason, m.key, m.body))
            new += max(cursor.rowcount, 0)
        return new

    # -- ledger --
    def ledger_insert(self, rows: Sequence[DeliveryRow]) -> None:
        if not rows:
            return
        self._many(
            self._q(
                f"INSERT INTO ledger ({LEDGER_COLUMNS}) VALUES ({', '.join('?' * 16)})"  # noqa: S608 - fixed text
                " ON CONFLICT (delivery_id) DO NOTHING"
            ),
            [sql.delivery_values(r, self._document, self._json_list) for r in rows],
        )

    def ledger_due(self, destination: str, now: float, limit: int) -> list[DeliveryRow]:
        rows = self._run(
            self._q(
                f"SELECT {LEDGER_COLUMNS} FROM ledger l"  # noqa: S608 - fixed texts
                " WHERE l.destination = ? AND l.state IN ('pending', 'sent', 'retrying')"
                " AND l.next_attempt_at <= ?"
                " AND NOT EXISTS (SELECT 1 FROM ledger p WHERE p.record_id = l.record_id"
                "   AND p.destination = l.destination AND p.version < l.version"
                "   AND p.state NOT IN ('acked', 'rejected'))"
                f" ORDER BY l.seq LIMIT ?{self._LOCK_DUE}"
            ),
            (destination, now, limit),
        ).fetchall()
        return [self._delivery(r) for r in rows]

    def ledger_update(self, rows: Sequence[DeliveryRow]) -> None:
        if not rows:
            return
        self._many(
            self._q(
                "UPDATE ledger SET state = ?, attempt = ?, next_attempt_at = ?, reasons = ?,"
                " national_id = ?, redrives = ? WHERE delivery_id = ?"
            ),
            [
                (
                    r.state,
                    r.attempt,
                    r.next_attempt_at,
                    self._json_list(list(r.reasons)),
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
        query = f"SELECT {LEDGER_COLUMNS} FROM ledger WHERE {ledger_states([state])}"  # noqa: S608
        args: list[Any] = []
        if delivery_ids is not None:
            ids = list(dict.fromkeys(delivery_ids))
            if not ids:
                return []
            query += f" AND delivery_id {self._IN_LIST}"
            args.append(self._list_param(ids))
        rows = self._run(
            self._q(f"{query} ORDER BY seq LIMIT ?{self._LOCK}"), (*args, limit)
        ).fetchall()
        return [self._delivery(r) for r in rows]

    def quarantine_take(self, origins: Sequence[str]) -> list[Quarantined]:
        rows = self._run(
            self._q(
                "SELECT origin, stream, reason, key, body FROM quarantine"  # noqa: S608 - fixed texts
                f" WHERE origin {self._IN_LIST} ORDER BY seq{self._LOCK}"
            ),
            (self._list_param(list(origins)),),
        ).fetchall()
        return [sql.quarantined(r) for r in rows]

    def quarantine_drop(self, origins: Sequence[str]) -> int:
        cursor = self._run(
            self._q(f"DELETE FROM quarantine WHERE origin {self._IN_LIST}"),  # noqa: S608
            (self._list_param(list(origins)),),
        )
        return max(cursor.rowcount, 0)

    def quarantine_reason(self, origin: str, reason: str) -> None:
        self._run(self._q("UPDATE quarantine SET reason = ? WHERE origin = ?"), (reason, origin))

    # -- sources --
    def source(self, source_id: str) -> Source | None:
        row = self._run(self._q(sql.SOURCE), (source_id,)).fetchone()
        return self._source(row) if row else None

    def all_sources(self) -> list[Source]:
        return [self._source(r) for r in self._run(sql.ALL_SOURCES, ()).fetchall()]

    def put_source(self, source: Source) -> None:
        self._run(
            self._q(
                "INSERT INTO sources (source_id, level, region_code, department, record_types,"
                " principal) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source_id) DO UPDATE SET"
                " level = excluded.level, region_code = excluded.region_code,"
                " department = excluded.department, record_types = excluded.record_types,"
                " principal = excluded.principal"
            ),
            (
                source.source_id,
                source.level,
                source.region_code,
                source.department,
                self._types(list(source.record_types)),
                source.principal,
            ),
        )
        self._journal(source.source_id, PUT, source_state(source))

    def set_token(self, source_id: str, token_hash: str) -> None:
        self._run(
            self._q(
                "INSERT INTO source_credentials (source_id, token_hash) VALUES (?, ?)"
                " ON CONFLICT (source_id) DO UPDATE SET token_hash = excluded.token_hash"
            ),
            (source_id, token_hash),
        )
        self._journal(source_id, TOKEN, {"token_hash": token_hash})

    def set_disabled(self, source_id: str, disabled: bool) -> None:
        self._run(
            self._q(
                "INSERT INTO source_credentials (source_id, disabled) VALUES (?, ?)"
                " ON CONFLICT (source_id) DO UPDATE SET disabled = excluded.disabled"
            ),
            (source_id, disabled),
        )
        self._journal(source_id, DISABLED, {"disabled": disabled})

    # -- subscribers --
    def subscriber(self, name: str) -> Subscriber | None:
        row = self._run(self._q(subs.SELECT_ONE), (name,)).fetchone()
        return subs.from_row(row[0], row[1]) if row else None

    def all_subscribers(self) -> list[Subscriber]:
        return [subs.from_row(r[0], r[1]) for r in self._run(subs.SELECT_ALL, ()).fetchall()]

    def put_subscriber(self, subscriber: Subscriber) -> None:
        self._run(self._q(subs.UPSERT), (subscriber.name, subs.canonical(subscriber)))
        self._journal(subscriber.name, SUBSCRIBER_PUT, subs.entitlement(subscriber))

    def remove_subscriber(self, name: str) -> bool:
        gone = self._run(self._q(subs.DELETE), (name,)).rowcount > 0
        if gone:
            self._journal(name, SUBSCRIBER_REMOVED, {})
        return gone

    # -- intake --
    def api_batch(self, source_id: str, idempotency_key: str) -> ApiBatch | None:
        row = self._run(
            self._q(
                "SELECT body_hash, reply FROM api_batches"
                " WHERE source_id = ? AND idempotency_key = ?"
            ),
            (source_id, idempotency_key),
        ).fetchone()
        return ApiBatch(source_id, idempotency_key, row[0], bytes(row[1])) if row else None

    def put_api_batch(self, batch: ApiBatch) -> bool:
        cursor = self._run(
            self._q(
                "INSERT INTO api_batches (source_id, idempotency_key, body_hash, reply)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"
            ),
            (batch.source_id, batch.idempotency_key, batch.body_hash, batch.reply),
        )
        return cursor.rowcount == 1

    def cursor(self, name: str) -> str | None:
        found = self._run(self._q(sql.CURSOR), (name,)).fetchone()
        return str(found[0]) if found else None

    def set_cursor(self, name: str, value: str) -> None:
        self._run(
            self._q(
                "INSERT INTO connector_cursors (name, value) VALUES (?, ?)"
                " ON CONFLICT (name) DO UPDATE SET value = excluded.value"
            ),
            (name, value),
        )
