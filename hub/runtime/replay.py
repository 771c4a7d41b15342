"""``hub replay``: rebuild a read model from history, or build it aside and diff it.

Rebuild drops the projection's tables and positions and projects the log again from the start.
``--diff`` builds the projection into a temporary database up to the live one's positions and
compares the two table by table (by primary key), without touching the live one.
"""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.events import Codec
from hub.storage.ports import Store
from hub.storage.sqlite import immediate
from projections import ProjectionRunner, projection

__all__ = ["DiffReport", "diff", "rebuild"]


def rebuild(views_path: Path, store: Store, codec: Codec, name: str) -> int:
    """Drop and rebuild one projection in place; the number of events applied."""
    target = projection(name, codec)
    runner = ProjectionRunner(views_path, store, codec, [target])
    try:
        db = runner.db
        with immediate(db, f"rebuild of {name}"):
            for table in target.tables:
                db.execute(f'DROP TABLE IF EXISTS "{table}"')
            db.execute("DELETE FROM view_positions WHERE projection = ?", (name,))
            for statement in target.ddl:
                db.execute(statement)
        return runner.run_until_current()
    finally:
        runner.close()


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


def _rows(db: sqlite3.Connection, table: str) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    info = db.execute(f'PRAGMA table_info("{table}")').fetchall()
    pk = [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]] or [info[0][1]]
    columns = [row[1] for row in info]
    index = [columns.index(c) for c in pk]
    return {tuple(r[i] for i in index): tuple(r) for r in db.execute(f'SELECT * FROM "{table}"')}  # noqa: S608 - projection's table


def diff(views_path: Path, store: Store, codec: Codec, name: str) -> DiffReport:
    """Rows a fresh build would add, remove or change in the live read model."""
    target = projection(name, codec)
    live = ProjectionRunner(views_path, store, codec, [target])
    until = {(name, s): live.position(name, s) for s in target.streams}
    with tempfile.TemporaryDirectory() as tmp:
        aside = ProjectionRunner(Path(tmp) / "aside.db", store, codec, [projection(name, codec)])
        try:
            while aside.step(1000, until=until):
                pass
            report = DiffReport(name, {})
            for table in target.tables:
                fresh, current = _rows(aside.db, table), _rows(live.db, table)
                result = TableDiff()
                for key, row in fresh.items():
                    if key not in current:
                        result.added += 1
                    elif current[key] != row:
                        result.changed += 1
                        if len(result.examples) < 5:
                            result.examples.append({"key": list(key), "change": "changed"})
                result.removed = sum(1 for key in current if key not in fresh)
                report.tables[table] = result
        finally:
            aside.close()
            live.close()
    return report
