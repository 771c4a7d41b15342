"""The ports' methods that are the same on both backends but for the placeholder and the JSON
adapter, written once: a backend mixes :class:`SqlTransactionRows` into its transaction and
:class:`SqlStoreRows` into its store, and gives the hooks (how a statement runs, how JSON goes in
and comes out) and the dialect's few words as class attributes:

- ``_IN_LIST`` / :meth:`SqlTransactionRows._list_param`: "is in this list of values", one
  parameter whatever its length (SQLite's ``json_each`` of a JSON array, PostgreSQL's ``ANY`` of
  an array);
- ``_LOCK`` / ``_LOCK_DUE``: the row locks PostgreSQL's concurrent writers need (``FOR UPDATE``,
  ``FOR UPDATE OF l SKIP LOCKED``); SQLite has one writer at a time and none;
- ``_BYTES``: the length of a blob in bytes (``length`` / ``octet_length``).

What differs in more than that (appends, the registry's bulk forms, claims, the locked position,
snapshots, error translation) stays in :mod:`hub.storage.sqlite` and :mod:`hub.storage.postgres`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

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
from hub.events.streams import SUBMISSIONS, VERDICTS
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
from hub.storage.ports import ChainedEvent, ChainHead, StoredEvent, ledger_states
from hub.storage.sql import LEDGER_COLUMNS, POSITIONS, Dialect, TransactionHooks

__all__ = ["SqlJson", "SqlStoreRows", "SqlTransactionRows"]


def _event(row: Sequence[Any]) -> StoredEvent:
    return StoredEvent(row[0], row[1], row[2], row[3], row[4], bytes(row[5]))


def _first(rows: list[Any]) -> Any:
    return rows[0] if rows else None


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
        return [_event(r) for r in self._run(text, (after, limit)).fetchall()]

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


class SqlStoreRows(SqlJson):
    """The shared reads of a backend's store. The backend gives :meth:`_select` (a query
    outside any transaction, its rows) and the JSON adapters."""

    _BYTES: ClassVar[str] = "length"

    def _select(
        self, text: str, params: Sequence[Any] = (), what: str = "query failed"
    ) -> list[Any]:
        """A query outside any transaction, its rows (``what`` names it in an error)."""
        raise NotImplementedError

    def read(self, stream: str, after: int, limit: int) -> list[StoredEvent]:
        text = self._q(sql.READ.format(table=sql.stream_table(stream)))
        return [_event(r) for r in self._select(text, (after, limit), f"read of {stream} failed")]

    def head(self, stream: str) -> int:
        text = sql.HEAD.format(table=sql.stream_table(stream))
        rows = self._select(text, (), f"head of {stream} failed")
        return int(rows[0][0] or 0) if rows else 0

    def scan(self, stream: str, batch: int = 1000) -> Iterator[StoredEvent]:
        after = 0
        while rows := self.read(stream, after, batch):
            yield from rows
            after = rows[-1].position

    def chain_heads(self) -> dict[str, ChainHead]:
        names = [r[0] for r in self._select("SELECT name FROM chain_heads")]
        text = self._q(sql.CHAIN_HEAD)
        return {
            n: sql.chain_head(n, _first(self._select(text, (n,), "chain heads"))) for n in names
        }

    def counts(self, stream: str) -> dict[str, int]:
        rows = self._select(
            f"SELECT event_type, count(*) FROM {sql.stream_table(stream)} GROUP BY event_type"  # noqa: S608
        )
        return {str(t): int(n) for t, n in rows}

    def in_flight(self) -> int:
        rows = self._select(
            f'SELECT count(*) FROM "{SUBMISSIONS}" s WHERE NOT EXISTS'  # noqa: S608 - fixed names
            f' (SELECT 1 FROM "{VERDICTS}" v WHERE v.correlation_id = s.event_id)'
        )
        return int(rows[0][0])

    def read_key(self, stream: str, key: str, after: int, limit: int) -> list[StoredEvent]:
        rows = self._select(
            self._q(
                f"SELECT {sql.EVENT_COLUMNS} FROM {sql.stream_table(stream)}"  # noqa: S608
                " WHERE key = ? AND position > ? ORDER BY position LIMIT ?"
            ),
            (key, after, limit),
        )
        return [_event(r) for r in rows]

    def chained(self, name: str, after: int, limit: int) -> list[ChainedEvent]:
        rows = self._select(
            self._q(
                f'SELECT {sql.EVENT_COLUMNS}, chain FROM "{sql.chained_table(name)}"'  # noqa: S608
                " WHERE position > ? ORDER BY position LIMIT ?"
            ),
            (after, limit),
        )
        return [ChainedEvent(r[0], r[1], r[2], r[3], r[4], bytes(r[5]), r[6]) for r in rows]

    def handled_counts(self) -> dict[str, int]:
        rows = self._select("SELECT consumer, count(*) FROM handled GROUP BY consumer")
        return {str(c): int(n) for c, n in rows}

    def quarantined(self) -> list[Quarantined]:
        rows = self._select("SELECT origin, stream, reason, key, body FROM quarantine ORDER BY seq")
        return [sql.quarantined(r) for r in rows]

    def quarantine_count(self) -> int:
        return int(self._select("SELECT count(*) FROM quarantine")[0][0])

    def quarantine_entries(self, limit: int) -> list[QuarantineEntry]:
        rows = self._select(
            self._q(
                f"SELECT origin, stream, reason, {self._BYTES}(body) FROM quarantine"  # noqa: S608
                " ORDER BY seq LIMIT ?"
            ),
            (limit,),
        )
        return [QuarantineEntry(r[0], r[1], r[2], int(r[3])) for r in rows]

    def ledger_counts(self) -> dict[str, int]:
        rows = self._select("SELECT state, count(*) FROM ledger GROUP BY state")
        counts = {str(s): int(n) for s, n in rows}
        counts["attempted"] = int(
            self._select("SELECT count(*) FROM ledger WHERE attempt > 0")[0][0]
        )
        return counts

    # -- queues --
    def ledger_page(self, states: Sequence[str], limit: int, offset: int = 0) -> list[DeliveryRow]:
        rows = self._select(
            self._q(
                f"SELECT {LEDGER_COLUMNS} FROM ledger"  # noqa: S608 - fixed texts only
                f" WHERE {ledger_states(states)} ORDER BY seq DESC LIMIT ? OFFSET ?"
            ),
            (limit, offset),
        )
        return [self._delivery(r) for r in rows]

    def ledger_rows(self) -> Iterator[DeliveryRow]:
        after = 0
        text = self._q(
            f"SELECT seq, {LEDGER_COLUMNS} FROM ledger WHERE seq > ? ORDER BY seq LIMIT 1000"  # noqa: S608
        )
        while rows := self._select(text, (after,)):
            for r in rows:
                yield self._delivery(r[1:])
            after = rows[-1][0]

    def registry_entries(self) -> Iterator[RegistryEntry]:
        after = ""
        text = self._q(
            f"SELECT {sql.REGISTRY_COLUMNS} FROM registry WHERE identity_hash > ?"  # noqa: S608
            " ORDER BY identity_hash LIMIT 1000"
        )
        while rows := self._select(text, (after,)):
            for r in rows:
                yield sql.registry_entry(r, self._loaded)
            after = rows[-1][0]

    # -- sources and credentials --
    def sources(self) -> list[Source]:
        return [self._source(r) for r in self._select(sql.ALL_SOURCES)]

    def subscribers(self) -> list[Subscriber]:
        return [subs.from_row(r[0], r[1]) for r in self._select(subs.SELECT_ALL)]

    def credential(self, token_hash: str) -> tuple[Source, Credential] | None:
        rows = self._select(
            self._q(
                "SELECT s.source_id, s.level, s.region_code, s.department, s.record_types,"
                " c.disabled, s.principal FROM source_credentials c JOIN sources s"
                " USING (source_id) WHERE c.token_hash = ?"
            ),
            (token_hash,),
        )
        if not rows:
            return None
        return self._source(rows[0]), Credential(rows[0][0], token_hash, bool(rows[0][5]))

    def credential_of(self, source_id: str) -> Credential | None:
        rows = self._select(
            self._q("SELECT token_hash, disabled FROM source_credentials WHERE source_id = ?"),
            (source_id,),
        )
        return Credential(source_id, rows[0][0], bool(rows[0][1])) if rows else None

    def credentials(self) -> list[Credential]:
        rows = self._select(f"{sql.CREDENTIALS} ORDER BY source_id")
        return [sql.credential(r) for r in rows]
