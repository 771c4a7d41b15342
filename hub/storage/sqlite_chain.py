"""The chain of :mod:`hub.storage.chain` on SQLite: chained appends under the write lock of
``BEGIN IMMEDIATE``, and the upgrade of a data directory from before the chains (each stream
chained once as found, the sources' journal started from the sources table)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager

from hub.domain.values import Source
from hub.events.streams import STREAMS
from hub.storage.chain import JOURNAL, link
from hub.storage.chain import first_of_each_id as _first_of_each_id
from hub.storage.journal import ADOPTED, change_event, source_state
from hub.storage.ports import ChainHead
from hub.storage.sql import CHAIN_HEAD, CHAIN_HEAD_PUT, chained_table

__all__ = ["append_chained", "chain_head", "seal", "upgrade"]


def chain_head(conn: sqlite3.Connection, name: str) -> ChainHead:
    row = conn.execute(CHAIN_HEAD, (name,)).fetchone()
    return ChainHead(name, int(row[0]), str(row[1]), int(row[2])) if row else ChainHead(name)


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
    prev, rows = head.chain, []
    for event_id, event_type, key, correlation_id, body in fresh:
        prev = link(prev, event_id, event_type, key, correlation_id, body)
        rows.append((event_id, event_type, key, correlation_id, body, prev))
    conn.executemany(
        f'INSERT INTO "{table}" (event_id, event_type, key, correlation_id, body, chain) '  # noqa: S608 - fixed names
        "VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    position = conn.execute(f'SELECT MAX(position) FROM "{table}"').fetchone()[0]  # noqa: S608
    conn.execute(CHAIN_HEAD_PUT, (name, int(position), prev, head.count + len(rows)))
    return len(rows)


def seal(conn: sqlite3.Connection, name: str) -> None:
    """Chain the events of an older hub (stored before streams were chained), in order, once:
    the upgrade adopts its history as it finds it (record versions keep their own chain)."""
    table = chained_table(name)
    prev, count, position = "", 0, 0
    after = 0
    while True:
        rows = conn.execute(
            "SELECT position, event_id, event_type, key, correlation_id, body"  # noqa: S608
            f' FROM "{table}" WHERE position > ? ORDER BY position LIMIT 1000',
            (after,),
        ).fetchall()
        if not rows:
            break
        links = []
        for pos, event_id, event_type, key, correlation_id, body in rows:
            prev = link(prev, event_id, event_type, key, correlation_id, bytes(body))
            links.append((prev, pos))
        conn.executemany(f'UPDATE "{table}" SET chain = ? WHERE position = ?', links)  # noqa: S608
        count += len(rows)
        after = position = rows[-1][0]
    if count:
        conn.execute(
            "INSERT INTO chain_heads (name, position, chain, count) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (name) DO NOTHING",
            (name, position, prev, count),
        )


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
            seal(conn, stream)
        if journal_is_new:
            credentials = {
                r[0]: (r[1], bool(r[2]))
                for r in conn.execute(
                    "SELECT source_id, token_hash, disabled FROM source_credentials"
                )
            }
            rows = conn.execute(
                "SELECT source_id, level, region_code, department, record_types FROM sources"
                " ORDER BY source_id"
            ).fetchall()
            adopted = []
            for row in rows:
                source = Source(row[0], row[1], row[2], row[3], tuple(json.loads(row[4])))
                state = source_state(source)
                if source.source_id in credentials:
                    token, disabled = credentials[source.source_id]
                    state |= {"token_hash": token, "disabled": disabled}
                adopted.append(change_event(source.source_id, ADOPTED, state))
            append_chained(conn, JOURNAL, adopted)
