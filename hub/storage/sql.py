"""The SQL both backends share, written once with ``?`` placeholders and adapted per driver.

SQLite (sqlite3) takes ``?``; PostgreSQL (psycopg) takes ``%s``: :meth:`Dialect._q` gives a
statement in the driver's style (made once per text and kept). The read models' batched
statements on PostgreSQL take literals instead: :func:`adapt` with ``"{}"`` makes a
``psycopg.sql`` template of the same text. What the dialects force apart stays in the backends
(locking, bulk forms over arrays, COPY, jsonb, advisory locks, pragmas); what a shared statement
needs of its dialect is a class attribute of :class:`Dialect` (or of the mixins in
:mod:`hub.storage.sql_rows`), so the differences are read in one place.

Also here: the stored rows back to the domain values (:class:`DeliveryRow`, :class:`Source`,
:class:`Credential`, :class:`Quarantined`, :class:`RegistryEntry`) and the ledger's values, the
JSON columns decoded by a function the backend gives (text on SQLite, already decoded on
PostgreSQL). Pure: text and conversions only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from hub.domain.values import (
    LEDGER_STATES,
    Credential,
    DeliveryRow,
    Quarantined,
    RegistryEntry,
    Source,
)
from hub.errors import StorageError
from hub.events.streams import STREAMS
from hub.storage.chain import JOURNAL
from hub.storage.ports import ChainHead

__all__ = [
    "ALL_SOURCES",
    "CHAIN_HEAD",
    "CHAIN_HEAD_PUT",
    "CREDENTIALS",
    "CURSOR",
    "EVENT_COLUMNS",
    "HEAD",
    "LEDGER_COLUMNS",
    "POSITIONS",
    "READ",
    "REGISTRY_COLUMNS",
    "SOURCE",
    "VIEW_POSITIONS",
    "Cursor",
    "Dialect",
    "PositionTable",
    "TransactionHooks",
    "adapt",
    "chain_head",
    "chained_table",
    "credential",
    "delivery",
    "delivery_values",
    "ledger_states",
    "quarantined",
    "registry_entry",
    "source",
    "stream_table",
]


class Cursor(Protocol):
    """What both drivers' cursors give (sqlite3 and psycopg)."""

    @functools.cached_property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> Any: ...


@functools.cache
def adapt(text: str, placeholder: str) -> str:
    """``text`` with each ``?`` placeholder replaced (the shared texts hold no other ``?``, and
    no ``%``, which psycopg would read as a placeholder)."""
    if placeholder == "?":
        return text
    if "%" in text:
        raise ValueError(f"a shared statement may not hold '%': {text!r}")
    return text.replace("?", placeholder)


class Dialect:
    """A backend's way with the shared statements: its placeholder."""

    _placeholder: ClassVar[str] = "?"

    def _q(self, text: str) -> str:
        """A shared statement in this driver's placeholder style."""
        return adapt(text, self._placeholder)


class TransactionHooks(Dialect):
    """What a backend's transaction gives the shared methods of its mixins: a statement run in
    the transaction, and a change journaled (declared once, so that no mixin's declaration hides
    another's definition whatever the order of a backend's bases)."""

    def _run(self, text: str, params: Sequence[Any]) -> Cursor:
        raise NotImplementedError

    def _journal(self, source_id: str, kind: str, change: dict[str, Any]) -> None:
        raise NotImplementedError


def stream_table(name: str) -> str:
    """A stream's table, quoted (names come only from :data:`~hub.events.streams.STREAMS`)."""
    if name not in STREAMS:
        raise StorageError(f"unknown stream {name!r}")
    return f'"{name}"'


def chained_table(name: str) -> str:
    """A table that carries a chain: a stream, or the sources' journal (unquoted)."""
    if name != JOURNAL and name not in STREAMS:
        raise StorageError(f"unknown stream {name!r}")
    return name


@dataclass(frozen=True)
class PositionTable:
    """Where a reader's positions are kept, one row per (reader, stream): the processing steps'
    ``positions`` (by consumer) in the log's database and the read models' ``view_positions``
    (by projection) in theirs. The same statements for both tables and both backends (each text
    made once)."""

    table: str
    owner: str

    @functools.cached_property
    def ddl(self) -> str:
        """The table on SQLite (PostgreSQL's is in its migrations, :mod:`hub.storage.pg_schema`)."""
        return (
            f"CREATE TABLE IF NOT EXISTS {self.table} ({self.owner} TEXT NOT NULL,"
            f" stream TEXT NOT NULL, position INTEGER NOT NULL, PRIMARY KEY ({self.owner}, stream))"
        )

    @functools.cached_property
    def select(self) -> str:
        return f"SELECT position FROM {self.table} WHERE {self.owner} = ? AND stream = ?"  # noqa: S608 - fixed names

    @functools.cached_property
    def upsert(self) -> str:
        return (
            f"INSERT INTO {self.table} ({self.owner}, stream, position) VALUES (?, ?, ?)"  # noqa: S608
            f" ON CONFLICT ({self.owner}, stream) DO UPDATE SET position = excluded.position"
        )

    @functools.cached_property
    def start(self) -> str:
        """A reader's row at 0 unless it has one (so that it can be locked)."""
        return (
            f"INSERT INTO {self.table} ({self.owner}, stream, position) VALUES (?, ?, 0)"  # noqa: S608
            f" ON CONFLICT ({self.owner}, stream) DO NOTHING"
        )

    @functools.cached_property
    def of_owner(self) -> str:
        return f"SELECT stream, position FROM {self.table} WHERE {self.owner} = ?"  # noqa: S608

    def of_owners(self, count: int) -> str:
        return (
            f"SELECT {self.owner}, stream, position FROM {self.table}"  # noqa: S608
            f" WHERE {self.owner} IN ({', '.join('?' * count)})"
        )

    @functools.cached_property
    def forget(self) -> str:
        return f"DELETE FROM {self.table} WHERE {self.owner} = ?"  # noqa: S608

    @functools.cached_property
    def rename(self) -> str:
        return f"UPDATE {self.table} SET {self.owner} = ? WHERE {self.owner} = ?"  # noqa: S608

    def swapped_in(self, owner: str, aside: str) -> list[tuple[str, tuple[str, ...]]]:
        """The statements giving ``owner`` the positions ``aside`` reached (a blue/green swap:
        ``owner``'s own are dropped), with their parameters."""
        return [(self.forget, (owner,)), (self.rename, (owner, aside))]


POSITIONS = PositionTable("positions", "consumer")
VIEW_POSITIONS = PositionTable("view_positions", "projection")

EVENT_COLUMNS = "position, event_id, event_type, key, correlation_id, body"
LEDGER_COLUMNS = (
    "delivery_id, record_id, version, destination, record_type, state, attempt, next_attempt_at,"
    " idempotency_key, source_id, submission_id, content, reasons, national_id, operation,"
    " redrives"
)
REGISTRY_COLUMNS = (
    "identity_hash, record_id, record_type, version, content_hash, version_hash, updated_at,"
    " content"
)
_SOURCE_COLUMNS = (
    "s.source_id, s.level, s.region_code, s.department, s.record_types,"
    " COALESCE(c.disabled, FALSE), s.principal FROM sources s"
    " LEFT JOIN source_credentials c USING (source_id)"
)
#: every source with whether it is disabled (its credential's flag), for both readers of the list
ALL_SOURCES = f"SELECT {_SOURCE_COLUMNS} ORDER BY s.source_id"
SOURCE = f"SELECT {_SOURCE_COLUMNS} WHERE s.source_id = ?"
CREDENTIALS = "SELECT source_id, token_hash, disabled FROM source_credentials"
CURSOR = "SELECT value FROM connector_cursors WHERE name = ?"
#: a stream's events after a position, in order (``{table}``: :func:`stream_table`)
READ = f"SELECT {EVENT_COLUMNS} FROM {{table}} WHERE position > ? ORDER BY position LIMIT ?"  # noqa: S608
HEAD = "SELECT max(position) FROM {table}"
CHAIN_HEAD = "SELECT position, chain, count FROM chain_heads WHERE name = ?"
CHAIN_HEAD_PUT = (
    "INSERT INTO chain_heads (name, position, chain, count) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (name) DO UPDATE SET position = excluded.position,"
    " chain = excluded.chain, count = excluded.count"
)


def delivery(row: Sequence[Any], loads: Callable[[Any], Any]) -> DeliveryRow:
    """A ledger row (:data:`LEDGER_COLUMNS`) back to its value; ``loads`` reads a JSON column."""
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
        content=loads(row[11]),
        reasons=tuple(loads(row[12])),
        national_id=row[13],
        operation=row[14],
        redrives=row[15],
    )


def delivery_values(
    row: DeliveryRow, content: Callable[[Any], Any], reasons: Callable[[Any], Any]
) -> tuple[Any, ...]:
    """A ledger row's values in :data:`LEDGER_COLUMNS` order; the JSON columns by the
    backend's adapters."""
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
        content(row.content),
        reasons(list(row.reasons)),
        row.national_id,
        row.operation,
        row.redrives,
    )


def source(row: Sequence[Any], record_types: Callable[[Any], tuple[str, ...]]) -> Source:
    """A row of :data:`ALL_SOURCES` back to its value."""
    return Source(row[0], row[1], row[2], row[3], record_types(row[4]), bool(row[5]), row[6])


def credential(row: Sequence[Any]) -> Credential:
    """A row of :data:`CREDENTIALS` back to its value."""
    return Credential(row[0], row[1], bool(row[2]))


def quarantined(row: Sequence[Any]) -> Quarantined:
    """A row ``origin, stream, reason, key, body`` back to its value (the blobs as bytes)."""
    origin, stream, reason, key, body = row
    return Quarantined(origin, stream, reason, bytes(key) if key is not None else None, bytes(body))


def chain_head(name: str, row: Sequence[Any] | None) -> ChainHead:
    """A row of :data:`CHAIN_HEAD` back to its value (none yet: the genesis head)."""
    return ChainHead(name, int(row[0]), str(row[1]), int(row[2])) if row else ChainHead(name)


def registry_entry(row: Sequence[Any], loads: Callable[[Any], Any]) -> RegistryEntry:
    """A row of :data:`REGISTRY_COLUMNS` back to its value."""
    return RegistryEntry(row[0], row[1], row[2], row[3], row[4], row[5], row[6], loads(row[7]))


def ledger_states(states: Sequence[str]) -> str:
    """``state IN (...)`` as SQL text of known states only (literals, so both backends use the
    partial index of dead and retrying rows for the operators' default list)."""
    if not states or any(s not in LEDGER_STATES for s in states):
        raise ValueError(f"ledger states must be among {LEDGER_STATES}")
    known = [s for s in LEDGER_STATES if s in states]
    text = "state IN (" + ", ".join(f"'{s}'" for s in known) + ")"
    if set(known) <= {"dead", "retrying"}:  # the partial index's own text first
        return "state IN ('dead', 'retrying')" + ("" if len(known) == 2 else f" AND {text}")
    return text
