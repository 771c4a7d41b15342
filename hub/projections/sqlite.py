"""Read models in SQLite (``<data_dir>/views.db``): the embedded default.

``BEGIN IMMEDIATE`` makes writers take turns for the whole file, which covers the per-projection
turns the port promises. SQLite cannot rename an index, so a swap recreates the secondary
indexes under their live names inside the swap's transaction (cheap at embedded sizes).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from hub.projections.ports import ViewStore, ViewTransaction
from hub.projections.tables import Kind, Merge, Row, Table
from hub.storage.sql import VIEW_POSITIONS
from hub.storage.sqlite import connect, immediate

__all__ = ["SqliteViews"]


def _chunks(values: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    """Bound the number of parameters of one IN list (SQLite allows 32,766)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


_TYPES = {Kind.TEXT: "TEXT", Kind.INT: "INTEGER", Kind.JSON: "TEXT", Kind.TIME: "TEXT"}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _merge_sql(table: Table, physical: str) -> str:
    names = table.names
    head = (  # identifiers come from the projections' table descriptions, quoted
        f"INSERT INTO {_q(physical)} ({', '.join(map(_q, names))})"
        f" VALUES ({', '.join('?' * len(names))}) ON CONFLICT ({', '.join(map(_q, table.key))})"
    )
    if table.merge is Merge.KEEP:
        return head + " DO NOTHING"
    if table.merge is Merge.ADD:
        t = _q(physical)
        sets = ", ".join(f"{_q(c)} = {t}.{_q(c)} + excluded.{_q(c)}" for c in table.updated)
        return f"{head} DO UPDATE SET {sets}"
    sets = ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in table.updated)
    v = _q(table.version)
    return f"{head} DO UPDATE SET {sets} WHERE excluded.{v} > {_q(physical)}.{v}"


class _Transaction(ViewTransaction):
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def position(self, name: str, stream: str) -> int:
        row = self._db.execute(VIEW_POSITIONS.select, (name, stream)).fetchone()
        return int(row[0]) if row else 0

    def set_position(self, name: str, stream: str, position: int) -> None:
        self._db.execute(VIEW_POSITIONS.upsert, (name, stream, position))

    def write(self, table: Table, rows: Sequence[Row], suffix: str = "") -> None:
        if rows:
            self._db.executemany(_merge_sql(table, table.name + suffix), rows)


class SqliteViews(ViewStore):
    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = connect(path)
        self.db.execute(VIEW_POSITIONS.ddl)

    @contextmanager
    def transaction(self, names: Sequence[str]) -> Iterator[ViewTransaction]:
        with immediate(self.db, f"projection of {', '.join(names)}"):
            yield _Transaction(self.db)

    def _create(self, table: Table, suffix: str) -> None:
        physical = table.name + suffix
        columns = ", ".join(
            f"{_q(c.name)} {_TYPES[c.kind]}{'' if c.nullable else ' NOT NULL'}"
            for c in table.columns
        )
        self.db.execute(
            f"CREATE TABLE IF NOT EXISTS {_q(physical)} ({columns},"
            f" PRIMARY KEY ({', '.join(map(_q, table.key))}))"
        )
        for index in table.indexes:
            self.db.execute(
                f"CREATE INDEX IF NOT EXISTS {_q(table.index_name(suffix, index))}"
                f" ON {_q(physical)} ({', '.join(map(_q, index))})"
            )

    def create(self, tables: Sequence[Table], suffix: str = "") -> None:
        with immediate(self.db, "creating read-model tables"):
            for table in tables:
                self._create(table, suffix)

    def drop(self, tables: Sequence[Table], name: str, suffix: str) -> None:
        with immediate(self.db, f"dropping {name}{suffix}"):
            for table in tables:
                self.db.execute(f"DROP TABLE IF EXISTS {_q(table.name + suffix)}")
            self.db.execute(VIEW_POSITIONS.forget, (name + suffix,))

    def swap(self, tables: Sequence[Table], name: str, suffix: str) -> None:
        with immediate(self.db, f"swapping {name}{suffix} in"):
            for table in tables:
                aside = table.name + suffix
                for index in table.indexes:
                    self.db.execute(f"DROP INDEX IF EXISTS {_q(table.index_name(suffix, index))}")
                self.db.execute(f"DROP TABLE IF EXISTS {_q(table.name)}")
                self.db.execute(f"ALTER TABLE {_q(aside)} RENAME TO {_q(table.name)}")
                self._create(table, "")  # the indexes, under their live names
            for text, params in VIEW_POSITIONS.swapped_in(name, name + suffix):
                self.db.execute(text, params)

    def rows(
        self,
        table: Table,
        *,
        suffix: str = "",
        columns: Sequence[str] | None = None,
        where: Mapping[str, Sequence[Any]] | None = None,
    ) -> list[Row]:
        names = tuple(columns or table.names)
        kinds = table.kinds_of(names)
        base = f"SELECT {', '.join(map(_q, names))} FROM {_q(table.name + suffix)}"
        raw: list[Row] = []
        if not where:
            raw = self.db.execute(base).fetchall()
        else:
            (first, values), *rest = where.items()
            tail = "".join(f" AND {_q(c)} IN ({', '.join('?' * len(v))})" for c, v in rest)
            extra = [v for _, vs in rest for v in vs]
            for part in _chunks(list(values)):
                raw += self.db.execute(
                    f"{base} WHERE {_q(first)} IN ({', '.join('?' * len(part))}){tail}",
                    [*part, *extra],
                ).fetchall()
        json_at = [i for i, k in enumerate(kinds) if k is Kind.JSON]
        if not json_at:
            return [tuple(r) for r in raw]
        out = []
        for r in raw:
            row = list(r)
            for i in json_at:
                row[i] = orjson.loads(row[i])
            out.append(tuple(row))
        return out

    def positions(self, name: str) -> dict[str, int]:
        return {str(s): int(p) for s, p in self.db.execute(VIEW_POSITIONS.of_owner, (name,))}

    def columns(self, table: str) -> list[str]:
        return [str(r[1]) for r in self.db.execute(f"PRAGMA table_info({_q(table)})")]

    def tables(self) -> set[str]:
        return {
            str(r[0]) for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }

    def close(self) -> None:
        self.db.close()
