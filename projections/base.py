"""The projection port and its runner over SQLite (``views.db``).

Commit order of one step, per input stream (every projection reading that stream at once):
1. ``BEGIN IMMEDIATE`` on views.db;
2. read the positions of the projections that read the stream (in views.db);
3. read the next batch of events after the lowest of them from the log, and decode it once;
4. hand each projection the events past its own position (``apply``: rows in bulk);
5. write each projection's new position;
6. ``COMMIT``: rows and positions together, or neither. A crash replays the whole batch.
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path

from hub.events import Codec, DecodedEvent
from hub.storage.ports import Store
from hub.storage.sqlite import connect, immediate

__all__ = ["Projection", "ProjectionRunner", "ensure_positions"]

_POSITIONS = """CREATE TABLE IF NOT EXISTS view_positions (
    projection TEXT NOT NULL, stream TEXT NOT NULL, position INTEGER NOT NULL,
    PRIMARY KEY (projection, stream))"""


class Projection(ABC):
    """A read model: its tables, the streams it reads, and how a batch of events changes it."""

    name: str
    description: str
    streams: tuple[str, ...]
    tables: tuple[str, ...]  # table names, for replay and diff
    ddl: tuple[str, ...]

    @abstractmethod
    def apply(self, events: Sequence[DecodedEvent], db: sqlite3.Connection) -> None:
        """Apply events of one stream, in order, inside the runner's transaction."""


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
        self._streams: dict[str, list[Projection]] = {}
        for projection in self.projections:
            for stream in projection.streams:
                self._streams.setdefault(stream, []).append(projection)

    def position(self, projection: str, stream: str) -> int:
        row = self.db.execute(
            "SELECT position FROM view_positions WHERE projection = ? AND stream = ?",
            (projection, stream),
        ).fetchone()
        return int(row[0]) if row else 0

    def step(self, batch: int = 500, until: dict[tuple[str, str], int] | None = None) -> int:
        """Apply up to ``batch`` events of every stream; the number of events read.
        ``until`` caps positions (to rebuild a copy up to where another one stands)."""
        return sum(
            self._step_stream(stream, readers, batch, until)
            for stream, readers in self._streams.items()
        )

    def _step_stream(
        self,
        stream: str,
        readers: list[Projection],
        batch: int,
        until: dict[tuple[str, str], int] | None,
    ) -> int:
        db = self.db
        with immediate(db, f"projections of {stream}"):
            positions = {p.name: self.position(p.name, stream) for p in readers}
            limits = {name: (until or {}).get((name, stream), 1 << 62) for name in positions}
            after = min(positions.values())
            limit = min(batch, max(limits[n] - positions[n] for n in positions))
            stored = self.store.read(stream, after, limit) if limit > 0 else []
            events = [self.codec.decode_event(stream, s.position, s.body) for s in stored]
            for projection in readers:
                mine = [
                    e
                    for e in events
                    if positions[projection.name] < e.position <= limits[projection.name]
                ]
                if not mine:
                    continue
                projection.apply(mine, db)
                db.execute(
                    "INSERT INTO view_positions (projection, stream, position) VALUES (?, ?, ?)"
                    " ON CONFLICT (projection, stream) DO UPDATE SET position = excluded.position",
                    (projection.name, stream, mine[-1].position),
                )
        return len(stored)

    def run_until_current(self, batch: int = 1000) -> int:
        total = 0
        while (applied := self.step(batch)) > 0:
            total += applied
        return total

    def close(self) -> None:
        self.db.close()
