"""The projection port and the runner that keeps read models current with the log.

A projection is pure: it describes its tables and turns a batch of events into rows. The runner
does the I/O, per input stream (every projection reading that stream at once):
1. open a read-model transaction holding those projections' write turns;
2. read their positions in the stream;
3. read the next batch after the lowest of them from the log, and decode it once;
4. hand each projection the events past its own position, reduce its rows per key, merge them;
5. write each projection's new position;
6. commit: rows and positions together, or neither. A crash replays the whole batch.

While the database takes a batch, the next one (when the readers stand level and the log has a
full batch more) is read and decoded on a helper thread: decoding is Python work, the merge is the
server's, and on two cores they overlap. A prefetched batch is used only if the positions read in
the next transaction are where it starts; otherwise it is discarded.

``suffix`` names a copy built aside (tables ``<table><suffix>``, positions under
``<name><suffix>``): ``hub replay`` builds one and swaps it in, and so does the runner itself
when it starts on a read model whose tables have other columns than the projection now defines
(a new version of the hub added one): the old model keeps serving until the new one, built from
the whole history, replaces it.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from hub.events import Codec, DecodedEvent
from hub.projections.ports import ViewStore
from hub.projections.tables import Row, Table, reduce_rows
from hub.storage.ports import Store, StoredEvent

__all__ = ["NEXT", "Projection", "ProjectionRunner", "definition_changed", "rebuild"]

log = logging.getLogger("hub.projections")

NEXT = "__next"


class Projection(ABC):
    """A read model: its tables, the streams it reads, and the rows a batch of events gives."""

    name: str
    description: str
    streams: tuple[str, ...]
    tables: tuple[Table, ...]

    @abstractmethod
    def rows(self, events: Sequence[DecodedEvent]) -> dict[str, list[Row]]:
        """Rows per table name for events of one stream, in order (pure)."""

    def table(self, name: str) -> Table:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(f"{self.name} has no table {name!r}")


class ProjectionRunner:
    """Keeps a set of projections in one read-model store current with the log."""

    def __init__(
        self,
        views: ViewStore,
        store: Store,
        codec: Codec,
        projections: Sequence[Projection],
        suffix: str = "",
    ) -> None:
        self.views = views
        self.store = store
        self.codec = codec
        self.projections = tuple(projections)
        self.suffix = suffix
        if not suffix:
            for projection in self.projections:
                if definition_changed(views, projection):
                    log.warning("read model %s changed its tables: rebuilding", projection.name)
                    rebuild(views, store, codec, projection)
        views.create([t for p in self.projections for t in p.tables], suffix)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="projector")
        self._ahead: dict[str, tuple[tuple[int, int], list[StoredEvent], Future[Any]]] = {}
        self._streams: dict[str, list[Projection]] = {}
        for projection in self.projections:
            for stream in projection.streams:
                self._streams.setdefault(stream, []).append(projection)

    def position(self, projection: str, stream: str) -> int:
        return self.views.positions(projection + self.suffix).get(stream, 0)

    def step(self, batch: int = 500, until: dict[tuple[str, str], int] | None = None) -> int:
        """Apply up to ``batch`` events of every stream; the number of events read.
        ``until`` caps positions (to build a copy up to where another one stands)."""
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
        suffix = self.suffix
        keys = [p.name + suffix for p in readers]
        with self.views.transaction(keys) as tx:
            positions = {p.name: tx.position(p.name + suffix, stream) for p in readers}
            limits = {name: (until or {}).get((name, stream), 1 << 62) for name in positions}
            after = min(positions.values())
            limit = min(batch, max(limits[n] - positions[n] for n in positions))
            level = until is None and len(set(positions.values())) == 1
            ahead = self._ahead.pop(stream, None)
            if level and ahead is not None and ahead[0] == (after, limit):
                stored, rows = ahead[1], ahead[2].result()
            else:
                stored = self.store.read(stream, after, limit) if limit > 0 else []
                rows = self._rows(stream, readers, stored, positions, limits)
            if level and stored and len(stored) == limit:
                # decode the next batch on the other core while the database takes this one
                following = self.store.read(stream, stored[-1].position, limit)
                if following:
                    at = {name: stored[-1].position for name in positions}
                    self._ahead[stream] = (
                        (stored[-1].position, limit),
                        following,
                        self._pool.submit(self._rows, stream, readers, following, at, limits),
                    )
            for projection in readers:
                mine = rows.get(projection.name)
                if mine is None:
                    continue
                last, tables = mine
                for name, table_rows in tables.items():
                    table = projection.table(name)
                    tx.write(table, reduce_rows(table, table_rows), suffix)
                tx.set_position(projection.name + suffix, stream, last)
        return len(stored)

    def _rows(
        self,
        stream: str,
        readers: list[Projection],
        stored: Sequence[StoredEvent],
        positions: dict[str, int],
        limits: dict[str, int],
    ) -> dict[str, tuple[int, dict[str, list[Row]]]]:
        """Decode a batch once; each projection's rows for the events past its position:
        projection name → (its new position, rows per table). Pure (no I/O)."""
        events = [self.codec.decode_event(stream, s.position, s.body) for s in stored]
        out = {}
        for projection in readers:
            name = projection.name
            mine = [e for e in events if positions[name] < e.position <= limits[name]]
            if mine:
                out[name] = (mine[-1].position, projection.rows(mine))
        return out

    def run_until_current(self, batch: int = 1000) -> int:
        total = 0
        while (applied := self.step(batch)) > 0:
            total += applied
        return total

    def close(self) -> None:
        self._ahead.clear()
        self._pool.shutdown(wait=True)


def definition_changed(views: ViewStore, projection: Projection) -> bool:
    """Whether an existing table of the projection has other columns than it defines."""
    for table in projection.tables:
        have = views.columns(table.name)
        if have and have != [c.name for c in table.columns]:
            return True
    return False


def rebuild(
    views: ViewStore, store: Store, codec: Codec, projection: Projection, batch: int = 1000
) -> int:
    """Build the projection aside from the whole history and swap it in (blue/green); the
    number of events applied. What an interrupted rebuild left aside is dropped first."""
    views.drop(projection.tables, projection.name, NEXT)
    runner = ProjectionRunner(views, store, codec, [projection], suffix=NEXT)
    try:
        applied = runner.run_until_current(batch)  # ends on an empty read: the copy is current
    finally:
        runner.close()
    views.swap(projection.tables, projection.name, NEXT)
    return applied
