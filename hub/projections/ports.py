"""The read-model store ports: where projections keep their tables and positions.

:class:`ViewStore` stacks :class:`ViewSchema` (``create``, ``drop``, ``swap``) and
:class:`ViewReads` (``rows``, ``positions``, ``columns``, ``tables``) with ``transaction()`` and
``close()``; inside a transaction, :class:`ViewTransaction` (``position``, ``set_position``,
``write``). Each has its contract suite in :mod:`hub.testing.contracts.views`.

Two backends: SQLite (``views.db`` in the data directory, the embedded default) and PostgreSQL
(the database of ``HUB_DATABASE_URL``). Both give the same guarantees:

- a projection's rows and its positions commit in one transaction (a redelivered event is a
  no-op, a crash applies a batch completely or not at all);
- writers of one projection take turns (:meth:`ViewStore.transaction` locks the names it is
  given; two runner processes never apply the same batch twice);
- a rebuild happens aside, in tables named with a suffix, and :meth:`ViewStore.swap` puts them in
  place in one transaction, so a reader sees the old model or the new one, never half of one.

Values read back are canonical on both: JSON columns parsed, times as ISO 8601 text in UTC.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from hub.projections.tables import Row, Table

__all__ = ["ViewReads", "ViewSchema", "ViewStore", "ViewTransaction"]


class ViewTransaction(ABC):
    """Positions and row merges inside one open transaction."""

    @abstractmethod
    def position(self, name: str, stream: str) -> int:
        """Where the projection (under ``name``: its name, plus a suffix when built aside)
        stands in ``stream``; 0 before its first event."""

    @abstractmethod
    def set_position(self, name: str, stream: str, position: int) -> None: ...

    @abstractmethod
    def write(self, table: Table, rows: Sequence[Row], suffix: str = "") -> None:
        """Merge rows (reduced: one per key) into ``table`` by its merge rule."""


class ViewSchema(ABC):
    """The read models' tables: made, dropped, and swapped in after a rebuild aside."""

    @abstractmethod
    def create(self, tables: Sequence[Table], suffix: str = "") -> None:
        """Create the tables and their indexes if missing."""

    @abstractmethod
    def drop(self, tables: Sequence[Table], name: str, suffix: str) -> None:
        """Drop the tables (as named with ``suffix``) and the positions kept under
        ``name + suffix``, in one transaction."""

    @abstractmethod
    def swap(self, tables: Sequence[Table], name: str, suffix: str) -> None:
        """Replace the live tables of projection ``name`` with those built under ``suffix``, and
        its positions with theirs, in one transaction."""


class ViewReads(ABC):
    """What the read models hold, read in committed state."""

    @abstractmethod
    def rows(
        self,
        table: Table,
        *,
        suffix: str = "",
        columns: Sequence[str] | None = None,
        where: Mapping[str, Sequence[Any]] | None = None,
    ) -> list[Row]:
        """Rows of a table (``columns``, default all), those whose columns are in the given
        values when ``where`` is given (conditions joined by AND)."""

    @abstractmethod
    def positions(self, name: str) -> dict[str, int]:
        """The projection's position per stream (committed state)."""

    @abstractmethod
    def columns(self, table: str) -> list[str]:
        """The columns an existing table has, in order (empty if there is no such table)."""

    @abstractmethod
    def tables(self) -> set[str]:
        """Names of the tables that exist (for tests and cleanup)."""


class ViewStore(ViewSchema, ViewReads):
    """Read-model tables and their positions in one database: both ports stacked, and the
    factory of transactions."""

    dialect: str

    @abstractmethod
    def transaction(self, names: Sequence[str]) -> AbstractContextManager[ViewTransaction]:
        """A transaction holding the write turn of each projection in ``names``."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> ViewStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
