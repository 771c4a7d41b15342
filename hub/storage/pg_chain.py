"""The chain of :mod:`hub.storage.chain` on PostgreSQL: chained appends, the upgrade of an older
database (``hub db migrate`` version 5) and the sources' journal table.

Appends take ``LOCK TABLE ... IN EXCLUSIVE MODE`` on the stream (as they did before chains), so
the previous chain read from ``chain_heads`` is the last committed one and positions, chains and
commit order agree.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql

from hub.events.streams import STREAMS
from hub.storage.chain import GENESIS, JOURNAL, link
from hub.storage.chain import first_of_each_id as _first_of_each_id
from hub.storage.journal import ADOPTED, change_event
from hub.storage.ports import ChainHead
from hub.storage.sql import CHAIN_HEAD, CHAIN_HEAD_PUT, adapt, chained_table

__all__ = ["append_chained", "chain_head", "table", "upgrade"]


def table(name: str) -> sql.Identifier:
    """A chained table: a stream or the sources' journal (names from code, never from input)."""
    return sql.Identifier(chained_table(name))


def chain_head(conn: psycopg.Connection, name: str) -> ChainHead:
    row = conn.execute(adapt(CHAIN_HEAD, "%s"), (name,)).fetchone()
    return ChainHead(name, int(row[0]), str(row[1]), int(row[2])) if row else ChainHead(name)


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
    prev, chains = head.chain, []
    for event_id, event_type, key, correlation_id, body in fresh:
        prev = link(prev, event_id, event_type, key, correlation_id, body)
        chains.append(prev)
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
        (name, max(int(r[0]) for r in rows), prev, head.count + len(rows)),
    )
    return len(rows)


def _seal(conn: psycopg.Connection, name: str) -> None:
    """Chain an older database's events once, in order (the upgrade adopts them as found)."""
    target = table(name)
    prev, count, after = GENESIS, 0, 0
    while True:
        rows = conn.execute(
            sql.SQL(
                "SELECT position, event_id, event_type, key, correlation_id, body FROM {}"
                " WHERE position > %s ORDER BY position LIMIT 1000"
            ).format(target),
            (after,),
        ).fetchall()
        if not rows:
            break
        links = []
        for position, event_id, event_type, key, correlation_id, body in rows:
            prev = link(prev, event_id, event_type, key, correlation_id, bytes(body))
            links.append((prev, position))
        with conn.cursor() as cur:
            cur.executemany(
                sql.SQL("UPDATE {} SET chain = %s WHERE position = %s").format(target), links
            )
        count += len(rows)
        after = rows[-1][0]
    if count:
        conn.execute(
            "INSERT INTO chain_heads (name, position, chain, count) VALUES (%s, %s, %s, %s)",
            (name, after, prev, count),
        )


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
        _seal(conn, stream)
    credentials = {
        r[0]: (r[1], bool(r[2]))
        for r in conn.execute("SELECT source_id, token_hash, disabled FROM source_credentials")
    }
    adopted = []
    for source_id, level, region, department, types in conn.execute(
        "SELECT source_id, level, region_code, department, record_types FROM sources"
        " ORDER BY source_id"
    ).fetchall():
        state: dict[str, Any] = {
            "level": level,
            "region_code": region,
            "department": department,
            "record_types": list(types if isinstance(types, list) else json.loads(types)),
        }
        if source_id in credentials:
            token, disabled = credentials[source_id]
            state |= {"token_hash": token, "disabled": disabled}
        adopted.append(change_event(source_id, ADOPTED, state))
    append_chained(conn, JOURNAL, adopted)
