"""The projection port and its runner over SQLite (``views.db``).

Commit order of one step, per projection and input stream:
1. ``BEGIN IMMEDIATE`` on views.db;
2. read the projection's position for the stream (in views.db);
3. read the next batch of events after it from the log;
4. apply each event (rows are keyed so that applying one twice is harmless anyway);
5. write the new position;
6. ``COMMIT``: rows and position together, or neither.
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path

from hub.errors import StorageError
from hub.events import Codec, DecodedEvent
from hub.storage.ports import Store
from hub.storage.sqlite import connect

__all__ = ["Projection", "ProjectionRunner", "ensure_positions"]

_POSITIONS = """CREATE TABLE IF NOT EXISTS view_positions (
    projection TEXT NOT NULL, stream TEXT NOT NULL, position INTEGER NOT NULL,
    PRIMARY KEY (projection, stream))"""


class Projection(ABC):
    """A read model: its tables, the streams it reads, and how one event changes its rows."""

    name: str
    description: str
    streams: tuple[str, ...]
    tables: tuple[str, ...]  # table names, for replay and diff
    ddl: tuple[str, ...]

    @abstractmethod
    def apply(self, event: DecodedEvent, db: sqlite3.Connection) -> None: ...


def ensure_positions(db: sqlite3.Connection) -> None:
    db.execute(_POSITIONS)


class ProjectionRunner:
    """Keeps a set of projections in one views database current with the log."""

    def __init__(
        self, path: Path, store: Store, codec: Codec, projections: Sequence[Projection]
    ) -> None:
        self.path = path
        self.db = connect(path)
        self.store = store
        self.codec = codec
        self.projections = tuple(projections)
        ensure_positions(self.db)
        for projection in self.projections:
            for statement in projection.ddl:
                self.db.execute(statement)

    def position(self, projection: str, stream: str) -> int:
        row = self.db.execute(
            "SELECT position FROM view_positions WHERE projection = ? AND stream = ?",
            (projection, stream),
        ).fetchone()
        return int(row[0]) if row else 0

    def step(self, batch: int = 500, until: dict[tuple[str, str], int] | None = None) -> int:
        """Apply up to ``batch`` events per projection and stream; the number applied.
        ``until`` caps positions (to rebuild a copy up to where another one stands)."""
        applied = 0
        for projection in self.projections:
            for stream in projection.streams:
                applied += self._step_one(projection, stream, batch, until)
        return applied

    def _step_one(
        self,
        projection: Projection,
        stream: str,
        batch: int,
        until: dict[tuple[str, str], int] | None,
    ) -> int:
        db = self.db
        try:
            db.execute("BEGIN IMMEDIATE")
            after = self.position(projection.name, stream)
            limit = batch
            if until is not None:
                limit = min(batch, until.get((projection.name, stream), 0) - after)
            stored = self.store.read(stream, after, limit) if limit > 0 else []
            for item in stored:
                projection.apply(self.codec.decode_event(stream, item.position, item.body), db)
            if stored:
                db.execute(
                    "INSERT INTO view_positions (projection, stream, position) VALUES (?, ?, ?)"
                    " ON CONFLICT (projection, stream) DO UPDATE SET position = excluded.position",
                    (projection.name, stream, stored[-1].position),
                )
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            db.execute("ROLLBACK")
            raise StorageError(f"projection {projection.name} failed: {exc}") from exc
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return len(stored)

    def run_until_current(self, batch: int = 500) -> int:
        total = 0
        while (applied := self.step(batch)) > 0:
            total += applied
        return total

    def close(self) -> None:
        self.db.close()
