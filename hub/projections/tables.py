"""Read-model tables described once, written by any backend.

A projection says what its tables look like (:class:`Table`) and how a row merges with the row
already stored under its key (:class:`Merge`); it turns events into rows with pure code. The
backends (SQLite, PostgreSQL) turn the description into DDL in their dialect and the merge into
one statement per table and batch. Rows of one batch are reduced per key here first, in Python,
so each key reaches the database once per batch (PostgreSQL's ``ON CONFLICT DO UPDATE`` refuses to
touch a row twice in one statement, and it saves work on both).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from operator import itemgetter
from typing import Any

__all__ = ["Borrow", "Column", "Kind", "Merge", "Row", "Table", "reduce_rows"]

Row = tuple[Any, ...]


class Kind(Enum):
    """Column kinds. ``JSON`` values travel as JSON text (serialised once, by the projection);
    ``TIME`` values as ISO 8601 text. PostgreSQL stores them as ``jsonb`` and ``timestamptz``,
    SQLite as text; reading gives parsed JSON and ISO text on both."""

    TEXT = "text"
    INT = "int"
    JSON = "json"
    TIME = "time"


class Merge(Enum):
    """What happens when a row's key is already stored.

    - ``KEEP``: the stored row stays (history rows, written once; a replayed event is a no-op);
    - ``NEWER``: the row replaces the stored one if its ``version`` column is greater (a current
      view; a late or replayed older version changes nothing);
    - ``ADD``: the row's counter columns are added to the stored ones (statistics; exact only
      because rows and positions commit together, so a batch is applied once).
    """

    KEEP = "keep"
    NEWER = "newer"
    ADD = "add"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT
    nullable: bool = False


@dataclass(frozen=True, slots=True)
class Borrow:
    """Columns whose values a table's rows share with rows of another table of the same
    projection, matched on ``on`` (columns of the same names in both).

    The projection still puts the values in its rows (SQLite stores them as given), and writes
    the rows they come from first, in the same batch (its ``rows`` lists that table first). A
    backend that parses the values on the way in (PostgreSQL's ``jsonb``) may instead take them
    from the stored row: the content of a record version is then parsed and sent once, not
    once per table (measured: bench/project_postgres.py)."""

    table: str
    columns: tuple[str, ...]
    on: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    merge: Merge = Merge.KEEP
    indexes: tuple[tuple[str, ...], ...] = ()
    version: str = "version"  # the column NEWER compares
    counters: tuple[str, ...] = ()  # the columns ADD sums
    borrows: Borrow | None = None  # columns a backend may take from another table's row

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @cached_property
    def key_at(self) -> tuple[int, ...]:
        """Where the key's columns stand in a row."""
        return tuple(self.names.index(k) for k in self.key)

    @cached_property
    def own(self) -> tuple[str, ...]:
        """The columns a backend that borrows must be sent (all but the borrowed ones)."""
        borrowed = self.borrows.columns if self.borrows else ()
        return tuple(n for n in self.names if n not in borrowed)

    @cached_property
    def own_at(self) -> tuple[int, ...]:
        """Where the :attr:`own` columns stand in a row."""
        return tuple(self.names.index(n) for n in self.own)

    @property
    def updated(self) -> tuple[str, ...]:
        """Columns a merge writes over a stored row."""
        if self.merge is Merge.ADD:
            return self.counters
        return tuple(n for n in self.names if n not in self.key)

    def kinds_of(self, names: Sequence[str]) -> list[Kind]:
        """The kinds of the named columns, in that order."""
        return [self.columns[self.names.index(n)].kind for n in names]

    def key_of(self, row: Row) -> Row:
        return tuple(row[i] for i in self.key_at)

    def index_name(self, suffix: str, columns: Sequence[str]) -> str:
        """A secondary index's name, for the table built under ``suffix``."""
        return f"{self.name}{suffix}__{'_'.join(columns)}"


def reduce_rows(table: Table, rows: Sequence[Row]) -> list[Row]:
    """One row per key, as the merge would leave it if the rows were applied in order."""
    names = table.names
    key_of = _key_getter(table.key_at)
    out: dict[Any, Row] = {}
    if table.merge is Merge.KEEP:
        for row in rows:
            out.setdefault(key_of(row), row)
    elif table.merge is Merge.NEWER:
        at = names.index(table.version)
        for row in rows:
            key = key_of(row)
            held = out.get(key)
            if held is None or row[at] > held[at]:
                out[key] = row
    else:
        counters = [names.index(c) for c in table.counters]
        for row in rows:
            key = key_of(row)
            held = out.get(key)
            if held is None:
                out[key] = row
                continue
            summed = list(held)
            for i in counters:
                summed[i] += row[i]
            out[key] = tuple(summed)
    return list(out.values())


def _key_getter(at: tuple[int, ...]) -> Callable[[Row], Any]:
    """A row's key, picked in C (a dict key: one value, or a tuple of several)."""
    return itemgetter(*at)
