"""What the test peer remembers: accepted keys, final rejections, tasks and counters.

One SQLite file, so the peer survives a restart like a real receiver would, and so the rules a real
receiver must keep (each key accepted once, ever; versions of a record in order) hold across it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from hub.errors import StorageError
from hub.national.protocol import (
    REASON_CONTENT_REJECTED,
    REASON_OUT_OF_ORDER,
    PushBatch,
    PushItem,
    PushResult,
    PushStatus,
    Reason,
    Task,
    TaskPage,
)
from hub.national.sim.faults import rejects_content
from hub.national.sim.messages import AcceptedEntry, SimStats
from hub.storage.private import private_database, private_dir

__all__ = ["ReceiverStore"]

_COUNTERS = tuple(SimStats().to_json())


def _national_id(key: str) -> str:
    # Derived from the key so two simulators fed the same items agree; prefixed so nobody mistakes
    # it for an id the real platform issued.
    return "SIMNAT-" + hashlib.sha256(b"national-sim:" + key.encode("utf-8")).hexdigest()[:16]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_SCHEMA = """
CREATE TABLE IF NOT EXISTS accepted (
    idempotency_key TEXT PRIMARY KEY,
    record_id       TEXT NOT NULL,
    version         INTEGER NOT NULL,
    national_id     TEXT NOT NULL,
    accepted_at     TEXT NOT NULL,
    seq             INTEGER NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS accepted_by_record ON accepted (record_id, version);
CREATE TABLE IF NOT EXISTS rejections (
    idempotency_key TEXT PRIMARY KEY,
    record_id       TEXT NOT NULL,
    version         INTEGER NOT NULL,
    reasons         TEXT NOT NULL,
    rejected_at     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rejections_by_record ON rejections (record_id, version);
CREATE TABLE IF NOT EXISTS tasks (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL UNIQUE,
    body    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
"""


class ReceiverStore:
    """The receiver's memory: accepted keys, final rejections and counters, in one SQLite file.

    One connection behind one lock: the simulator's load is tiny, and serialising every access
    makes each push one atomic step (so two concurrent re-pushes cannot both see "new").
    """

    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        try:
            private_database(private_dir(path.parent) / path.name)  # it keeps records' content
            conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=5.0)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"national-sim cannot open its database {path}: {exc}") from None
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(_SCHEMA)
            columns = {row[1] for row in conn.execute("PRAGMA table_info(accepted)")}
            if "operation" not in columns:  # a database made before retractions existed
                conn.execute(
                    "ALTER TABLE accepted ADD COLUMN operation TEXT NOT NULL DEFAULT 'upsert'"
                )
        except sqlite3.Error as exc:
            conn.close()
            raise StorageError(f"national-sim cannot open its database {path}: {exc}") from None
        self._conn = conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._conn is None:
                raise StorageError("national-sim database is closed")
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                yield conn
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise StorageError(f"national-sim database failed: {exc}") from None
                raise

    @staticmethod
    def _add(conn: sqlite3.Connection, counts: Counter[str]) -> None:
        conn.executemany(
            "INSERT INTO counters (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
            [(name, n) for name, n in counts.items() if n],
        )

    def count_failed_request(self) -> None:
        with self._transaction() as conn:
            self._add(conn, Counter(requests=1, failed_requests=1))

    def push(self, batch: PushBatch, reject_rate: float) -> list[PushResult]:
        counts: Counter[str] = Counter(requests=1, items=len(batch.items))
        with self._transaction() as conn:
            results = [self._decide(conn, item, reject_rate, counts) for item in batch.items]
            self._add(conn, counts)
        return results

    def _decide(
        self, conn: sqlite3.Connection, item: PushItem, reject_rate: float, counts: Counter[str]
    ) -> PushResult:
        key = item.idempotency_key
        row = conn.execute(
            "SELECT national_id FROM accepted WHERE idempotency_key = ?", (key,)
        ).fetchone()
        if row is not None:
            counts["duplicates"] += 1
            return PushResult(key, PushStatus.DUPLICATE, national_id=row[0])
        row = conn.execute(
            "SELECT reasons FROM rejections WHERE idempotency_key = ?", (key,)
        ).fetchone()
        if row is not None:  # a rejection is final: the same answer, forever
            counts["rejected"] += 1
            return PushResult(key, PushStatus.REJECTED, reasons=_load_reasons(row[0]))
        if item.version > 1 and not self._settled(conn, item.record_id, item.version - 1):
            counts["rejected"] += 1
            counts["out_of_order"] += 1
            reason = Reason(REASON_OUT_OF_ORDER, f"version {item.version - 1} has not arrived")
            return PushResult(key, PushStatus.REJECTED, reasons=(reason,))
        now = _now()
        if rejects_content(key, reject_rate):
            reason = Reason(
                REASON_CONTENT_REJECTED, "content rejected (simulated by --reject-rate)"
            )
            conn.execute(
                "INSERT INTO rejections (idempotency_key, record_id, version, reasons, rejected_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (key, item.record_id, item.version, json.dumps([reason.to_json()]), now),
            )
            counts["rejected"] += 1
            return PushResult(key, PushStatus.REJECTED, reasons=(reason,))
        national_id = _national_id(key)
        conn.execute(
            "INSERT INTO accepted (idempotency_key, record_id, version, national_id, accepted_at,"
            " operation, seq)"
            " VALUES (?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM accepted))",
            (key, item.record_id, item.version, national_id, now, item.operation),
        )
        counts["accepted"] += 1
        return PushResult(key, PushStatus.ACCEPTED, national_id=national_id)

    @staticmethod
    def _settled(conn: sqlite3.Connection, record_id: str, version: int) -> bool:
        row = conn.execute(
            "SELECT 1 FROM accepted WHERE record_id = ? AND version = ? "
            "UNION ALL SELECT 1 FROM rejections WHERE record_id = ? AND version = ? LIMIT 1",
            (record_id, version, record_id, version),
        ).fetchone()
        return row is not None

    def issue(self, task: Task) -> None:
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO tasks (task_id, body) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (task.task_id, json.dumps(task.to_json(), ensure_ascii=False)),
            )

    def tasks(self, after: int, limit: int) -> TaskPage:
        with self._transaction() as conn:
            rows = conn.execute(
                "SELECT seq, body FROM tasks WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit)
            ).fetchall()
        items = tuple(Task.from_json(json.loads(body)) for _, body in rows)
        return TaskPage(items, rows[-1][0] if rows else after)

    def accepted(self) -> list[AcceptedEntry]:
        with self._transaction() as conn:
            rows = conn.execute(
                "SELECT idempotency_key, record_id, version, national_id, accepted_at, operation"
                " FROM accepted ORDER BY seq"
            ).fetchall()
        return [AcceptedEntry(*row) for row in rows]

    def stats(self) -> SimStats:
        with self._transaction() as conn:
            rows = conn.execute("SELECT name, value FROM counters").fetchall()
        values = {name: value for name, value in rows if name in _COUNTERS}
        return SimStats(**values)

    def close(self) -> None:
        with self._lock:  # waits for an in-flight push to commit
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def _load_reasons(text: str) -> tuple[Reason, ...]:
    return tuple(Reason.from_json(r) for r in json.loads(text))
