"""The chain of :mod:`hub.storage.chain` on SQLite: chained appends under the write lock of
``BEGIN IMMEDIATE``, and the upgrade of a data directory from before the chains (each stream
chained once as found, the sources' journal started from the sources table)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager

from hub.events.streams import STREAMS
from hub.storage import sql
from hub.storage.chain import JOURNAL, links
from hub.storage.chain import first_of_each_id as _first_of_each_id
from hub.storage.chain_upgrade import adopted, seal
from hub.storage.ports import ChainHead
from hub.storage.sql import CHAIN_HEAD_PUT, chained_table

__all__ = ["append_chained", "chain_head", "upgrade"]


def chain_head(conn: sqlite3.Connection, name: str) -> ChainHead:
    return sql.chain_head(name, conn.execute(sql.CHAIN_HEAD, (name,)).fetchone())


def append_chained(
    conn: sqlite3.Connection, name: str, events: Sequence[tuple[str, str, str, str, bytes]]
) -> int:
    """Append the events not stored yet, each linked to the one before (see
    :mod:`hub.storage.chain`), and move the head; under the write lock of the transaction."""
    table = chained_table(name)
    fresh = _first_of_each_id(events)
    ids = [e[0] for e in fresh]
    known: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        known.update(
            r[0]
            for r in conn.execute(
                f'SELECT event_id FROM "{table}" WHERE event_id IN ({",".join("?" * len(chunk))})',  # noqa: S608 - fixed names, placeholders
                chunk,
            )
        )
    fresh = [e for e in fresh if e[0] not in known]
    if not fresh:
        return 0
    head = chain_head(conn, name)
    rows = [(*e, chain) for e, chain in zip(fresh, links(head.chain, fresh), strict=True)]
    conn.executemany(
        f'INSERT INTO "{table}" (event_id, event_type, key, correlation_id, body, chain) '  # noqa: S608 - fixed names
        "VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    position = conn.execute(f'SELECT MAX(position) FROM "{table}"').fetchone()[0]  # noqa: S608
    conn.execute(CHAIN_HEAD_PUT, (name, int(position), rows[-1][5], head.count + len(rows)))
    return len(rows)


def upgrade(
    conn: sqlite3.Connection,
    journal_ddl: str,
    immediate: Callable[[sqlite3.Connection, str], AbstractContextManager[None]],
) -> None:
    """A data directory from before the chains: chain each stream's history once, and start the
    sources' journal from the sources table as it stands ("adopted")."""

    def unchained() -> list[str]:
        return [
            stream
            for stream in STREAMS
            if "chain" not in {row[1] for row in conn.execute(f'PRAGMA table_info("{stream}")')}
        ]

    def has_journal() -> bool:
        return bool(
            conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (JOURNAL,)).fetchone()
        )

    if has_journal() and not unchained():
        return  # the usual open: nothing to do, and no write lock taken
    with immediate(conn, "upgrade to chained streams"):
        journal_is_new = not has_journal()
        conn.execute(journal_ddl)
        for stream in unchained():
            conn.execute(f'ALTER TABLE "{stream}" ADD COLUMN chain TEXT')
            seal(stream, "?", conn.execute, conn.executemany)
        if journal_is_new:
            append_chained(conn, JOURNAL, adopted(conn.execute))
