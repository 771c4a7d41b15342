"""``hub replay``: rebuild a read model from history (blue/green), or build it aside and diff it.

Rebuild projects the log from the start into tables named ``<table>__next`` (positions under
``<name>__next``) while the live model keeps serving and keeps being updated, then swaps them in
with their positions in one transaction: a reader sees the old model or the new one, never a
half-built one. An interrupted rebuild leaves only ``__next`` tables, dropped by the next one.

``--diff`` builds into ``__diff`` tables up to the live model's positions and compares the two
table by table (by primary key), without touching the live one; then drops its tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hub.events import Codec
from hub.projections import ProjectionRunner, ViewStore, projection
from hub.projections.base import NEXT
from hub.projections.base import rebuild as rebuild_projection
from hub.projections.tables import Table
from hub.storage.ports import Store

__all__ = ["ASIDE", "NEXT", "DiffReport", "diff", "rebuild"]

ASIDE = "__diff"
EXAMPLES = 5  # rows named per table and kind of difference


def rebuild(
    views: ViewStore,
    store: Store,
    codec: Codec,
    name: str,
    batch: int = 1000,
    timezone: dt.tzinfo | None = None,
) -> int:
    """Rebuild one projection aside and swap it in; the number of events applied.
    ``timezone``: the hub's, for read models that count per day."""
    return rebuild_projection(views, store, codec, projection(name, codec, timezone), batch)


@dataclass
class TableDiff:
    added: int = 0
    removed: int = 0
    changed: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class DiffReport:
    projection: str
    tables: dict[str, TableDiff]

    @property
    def identical(self) -> bool:
        return all(t.added == t.removed == t.changed == 0 for t in self.tables.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "projection": self.projection,
            "identical": self.identical,
            "tables": {
                name: {
                    "added": t.added,
                    "removed": t.removed,
                    "changed": t.changed,
                    "examples": t.examples,
                }
                for name, t in self.tables.items()
            },
        }


def diff(
    views: ViewStore, store: Store, codec: Codec, name: str, timezone: dt.tzinfo | None = None
) -> DiffReport:
    """Rows a fresh build would add, remove or change in the live read model."""
    target = projection(name, codec, timezone)
    views.drop(target.tables, name, ASIDE)
    aside = ProjectionRunner(views, store, codec, [target], suffix=ASIDE)
    try:
        for _ in range(5):  # the live model may move on while we build: catch up, compare again
            live_at = views.positions(name)
            until = {(name, s): live_at.get(s, 0) for s in target.streams}
            while aside.step(1000, until=until):
                pass
            report = _compare(views, name, target.tables)
            if views.positions(name) == live_at:
                break
    finally:
        aside.close()
        views.drop(target.tables, name, ASIDE)
    return report


def _compare(views: ViewStore, name: str, tables: Sequence[Table]) -> DiffReport:
    """Counts per table, and up to :data:`EXAMPLES` rows in all named by key: ``changed``
    (with the columns that differ, never their values), ``missing`` (a fresh build has it, the
    live model not: ``added``) and ``not from history`` (the live model has a row no event
    makes: ``removed``)."""
    report = DiffReport(name, {})
    for table in tables:
        fresh = {table.key_of(r): r for r in views.rows(table, suffix=ASIDE)}
        current = {table.key_of(r): r for r in views.rows(table)}
        result = TableDiff()
        for key, row in fresh.items():
            if key not in current:
                result.added += 1
                if len(result.examples) < EXAMPLES:
                    result.examples.append({"key": list(key), "change": "missing"})
            elif current[key] != row:
                result.changed += 1
                if len(result.examples) < EXAMPLES:
                    columns = [
                        n for n, a, b in zip(table.names, current[key], row, strict=True) if a != b
                    ]
                    result.examples.append(
                        {"key": list(key), "change": "changed", "columns": columns}
                    )
        for key in current:
            if key not in fresh:
                result.removed += 1
                if len(result.examples) < EXAMPLES:
                    result.examples.append({"key": list(key), "change": "not from history"})
        report.tables[table.name] = result
    return report
