"""The chain of :mod:`hub.storage.chain` on PostgreSQL: chained appends, the upgrade of an older
database (``hub db migrate`` version 5) and the sources' journal table.

Appends take ``LOCK TABLE ... IN EXCLUSIVE MODE`` on the stream (as they did before chains), so
the previous chain read from ``chain_heads`` is the last committed one and positions, chains and
commit order agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql

from hub.events.streams import STREAMS
from hub.storage.chain import JOURNAL, links
from hub.storage.chain import first_of_each_id as _first_of_each_id
from hub.storage.chain_upgrade import Many, adopted, seal
from hub.storage.ports import ChainHead
from hub.storage.sql import CHAIN_HEAD, CHAIN_HEAD_PUT, adapt, chained_table
from hub.storage.sql import chain_head as chain_head_of

__all__ = ["append_chained", "chain_head", "table", "upgrade"]


def table(name: str) -> sql.Identifier:
    """A chained table: a stream or the sources' journal (names from code, never from input)."""
    return sql.Identifier(chained_table(name))


def chain_head(conn: psycopg.Connection, name: str) -> ChainHead:
    row = conn.execute(adapt(CHAIN_HEAD, "%s"), (name,)).fetchone()
    return chain_head_of(name, row)


def append_chained(
    conn: psycopg.Connection, name: str, events: Sequence[tuple[str, str, str, str, bytes]]
) -> int:
    """Append the events not stored yet, linked, and move the head; how many were new."""
    if not events:
        return 0
    target = table(name)
    conn.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(target))
    fresh = _first_of_each_id(events)
    known = {
        r[0]
        for r in conn.execute(
            sql.SQL("SELECT event_id FROM {} WHERE event_id = ANY(%s)").format(target),
            ([e[0] for e in fresh],),
        )
    }
    fresh = [e for e in fresh if e[0] not in known]
    if not fresh:
        return 0
    head = chain_head(conn, name)
    chains = links(head.chain, fresh)
    columns = [list(col) for col in zip(*fresh, strict=True)]
    rows = conn.execute(
        sql.SQL(
            "INSERT INTO {} (event_id, event_type, key, correlation_id, body, chain)"
            " SELECT e, t, k, c, b, h FROM unnest(%s::text[], %s::text[], %s::text[],"
            " %s::text[], %s::bytea[], %s::text[]) WITH ORDINALITY AS u(e, t, k, c, b, h, n)"
            " ORDER BY n RETURNING position"
        ).format(target),
        [*columns, chains],
    ).fetchall()
    conn.execute(
        adapt(CHAIN_HEAD_PUT, "%s"),
        (name, max(int(r[0]) for r in rows), chains[-1], head.count + len(rows)),
    )
    return len(rows)


def _many(conn: psycopg.Connection) -> Many:
    def many(text: str, rows: Sequence[Sequence[Any]]) -> None:
        with conn.cursor() as cur:
            cur.executemany(text, rows)

    return many


def upgrade(conn: psycopg.Connection) -> None:
    """Migration 5: a chain column on every stream (older events chained as found), the heads,
    and the sources' journal started from the sources table as it stands ("adopted")."""
    conn.execute(
        "CREATE TABLE chain_heads (name TEXT PRIMARY KEY, position BIGINT NOT NULL,"
        " chain TEXT NOT NULL, count BIGINT NOT NULL)"
    )
    conn.execute(
        sql.SQL(
            "CREATE TABLE {} (position BIGSERIAL PRIMARY KEY, event_id TEXT NOT NULL UNIQUE,"
            " event_type TEXT NOT NULL, key TEXT NOT NULL, correlation_id TEXT NOT NULL,"
            " body BYTEA NOT NULL, chain TEXT)"
        ).format(sql.Identifier(JOURNAL))
    )
    for stream in STREAMS:
        conn.execute(sql.SQL("ALTER TABLE {} ADD COLUMN chain TEXT").format(table(stream)))
        seal(stream, "%s", conn.execute, _many(conn))
    append_chained(conn, JOURNAL, adopted(conn.execute))
