"""``hub national-sim``: a TEST PEER standing in for the national platform; it is not the platform.

The real national interface is out of our reach, so the hub's delivery is exercised against this
receiver instead. It speaks the protocol of :mod:`hub.national.protocol`
(``docs/national-protocol.md``), enforces the rules a real receiver must (each key accepted once,
ever; versions of a record in order) so tests can prove the hub keeps them, and injects the faults
a real network and platform produce (latency, 503s, replies lost after the commit, repeated acks,
content rejections).

It uses the standard library only, listens on 127.0.0.1 only, and keeps its state in one SQLite file
so it survives a restart like a real receiver would. It never logs or returns an item's ``content``.

Order of one ``POST /v1/push``:

1. wait ``latency_ms``;
2. read the body (``411``/``413``/``400`` without touching items; a body over 32 MiB is ``413``);
3. draw the request's fate from the seeded RNG: ``fail`` (``503``, items untouched) and ``timeout``;
4. decide every item in order and commit decisions and counters in ONE SQLite transaction;
5. if ``timeout`` was drawn, hold the (already committed) reply for ``timeout_ms``: the client gives
   up although the items are in, and its re-push must be answered ``duplicate``;
6. repeat each result with probability ``duplicate_ack_rate``, and reply ``200``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import shutil
import signal
import sqlite3
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, Self, cast
from urllib.parse import parse_qs, urlsplit

from hub.errors import ConfigError, StorageError
from hub.national.protocol import (
    ACCEPTED_PATH,
    HEALTH_PATH,
    PUSH_PATH,
    REASON_CONTENT_REJECTED,
    REASON_OUT_OF_ORDER,
    STATS_PATH,
    TASKS_PATH,
    AcceptedEntry,
    ErrorBody,
    ProtocolError,
    PushBatch,
    PushItem,
    PushReply,
    PushResult,
    PushStatus,
    Reason,
    SimStats,
    Task,
    TaskPage,
    decode_body,
    encode_body,
    idempotency_key,
)
from hub.storage.private import private_database, private_dir

__all__ = [
    "HOST",
    "MAX_BODY_BYTES",
    "RunningSim",
    "SimConfig",
    "rejects_content",
    "serve_forever",
    "start_sim",
]

log = logging.getLogger(__name__)

HOST = "127.0.0.1"  # a test peer has no business on a routable interface
MAX_BODY_BYTES = 32 * 1024 * 1024
_DRAIN_LIMIT = (
    4 * MAX_BODY_BYTES
)  # read (and drop) an oversized body up to here, so the 413 arrives
_COUNTERS = tuple(SimStats().to_json())


@dataclass(frozen=True, slots=True)
class SimConfig:
    """How the test peer behaves. Rates are probabilities in [0, 1]; ``port`` 0 picks a free port.

    ``seed`` fixes the RNG behind ``fail_rate``, ``timeout_rate`` and ``duplicate_ack_rate``, so a
    sequential client sees the same faults on every run. ``reject_rate`` needs no RNG: it hashes
    the key, so a key's fate is the same across retries, restarts and separate simulators.
    ``db_path`` None means a fresh temporary file, removed when the simulator stops.
    """

    port: int = 0
    reject_rate: float = 0.0
    fail_rate: float = 0.0
    latency_ms: int = 0
    timeout_rate: float = 0.0
    timeout_ms: int = 6000
    duplicate_ack_rate: float = 0.0
    seed: int = 0
    db_path: Path | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"national-sim port {self.port} is outside 0..65535")
        rates = {
            "reject_rate": self.reject_rate,
            "fail_rate": self.fail_rate,
            "timeout_rate": self.timeout_rate,
            "duplicate_ack_rate": self.duplicate_ack_rate,
        }
        for name, rate in rates.items():
            if not 0.0 <= rate <= 1.0:  # also refuses NaN
                raise ConfigError(f"national-sim {name} {rate} is outside [0, 1]")
        for name, ms in (("latency_ms", self.latency_ms), ("timeout_ms", self.timeout_ms)):
            if ms < 0:
                raise ConfigError(f"national-sim {name} {ms} is negative")


def rejects_content(key: str, reject_rate: float) -> bool:
    """Whether ``--reject-rate`` rejects this key: a hash, not a draw, so the answer is stable."""
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) / 2**32 < reject_rate


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


class _Store:
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


@dataclass(frozen=True, slots=True)
class _Fate:
    fail: bool
    timeout: bool


class _SimState:
    """What every request handler shares: settings, store, the seeded RNG, the stop signal."""

    def __init__(self, config: SimConfig, store: _Store) -> None:
        self.config = config
        self.store = store
        self.stopping = threading.Event()
        self._rng = random.Random(config.seed)  # noqa: S311 - fault injection, not cryptography
        self._rng_lock = threading.Lock()

    def fate(self) -> _Fate:
        # Both draws always happen, so changing one rate does not reshuffle the other's faults.
        with self._rng_lock:
            fail = self._rng.random() < self.config.fail_rate
            timeout = self._rng.random() < self.config.timeout_rate
        return _Fate(fail=fail, timeout=timeout)

    def with_duplicate_acks(self, results: list[PushResult]) -> list[PushResult]:
        out: list[PushResult] = []
        with self._rng_lock:
            for result in results:
                out.append(result)
                if self._rng.random() < self.config.duplicate_ack_rate:
                    out.append(result)
        return out

    def pause(self, ms: int) -> bool:
        """Sleep, but wake when the simulator stops; True if it is stopping."""
        return self.stopping.wait(ms / 1000) if ms > 0 else self.stopping.is_set()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: _SimState) -> None:
        self.state = state
        super().__init__((HOST, state.config.port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-request is normal for a fault injector; no stderr tracebacks.
        log.debug("national-sim: connection from %s ended with an error", client_address)


class _Handler(BaseHTTPRequestHandler):
    server_version = "national-sim/1 (test peer)"
    protocol_version = "HTTP/1.1"  # keep-alive, as the client's connection pool expects
    timeout = 30  # an idle or stalled connection must not hold a thread forever
    # headers and body go out in separate writes: without TCP_NODELAY, Nagle and the client's
    # delayed ACK add 40 ms to every reply on a kept-alive connection (measured: 43 ms -> 1 ms)
    disable_nagle_algorithm = True

    @property
    def _state(self) -> _SimState:
        return cast(_Server, self.server).state

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("national-sim: " + format, *args)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == HEALTH_PATH:
            self._send(200, {"status": "ok"})
        elif path == ACCEPTED_PATH:
            entries = self._state.store.accepted()
            self._send(200, {"accepted": [entry.to_json() for entry in entries]})
        elif path == STATS_PATH:
            self._send(200, self._state.store.stats().to_json())
        elif path == TASKS_PATH:
            query = parse_qs(urlsplit(self.path).query)
            try:
                after = int(query.get("after", ["0"])[0])
                limit = max(1, min(int(query.get("limit", ["100"])[0]), 1000))
            except ValueError:
                self._error(400, "NAT.MALFORMED_QUERY", "after and limit must be integers")
                return
            self._send(200, self._state.store.tasks(after, limit).to_json())
        elif path == PUSH_PATH:
            self._error(405, "NAT.METHOD_NOT_ALLOWED", "use POST", allow="POST")
        else:
            self._error(404, "NAT.NOT_FOUND", "no such endpoint")

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if path == PUSH_PATH:
            try:
                self._push()
            except StorageError as exc:
                log.error("national-sim: %s", exc)
                self._error(500, "NAT.INTERNAL", "the simulator's database failed")
        elif path in (HEALTH_PATH, ACCEPTED_PATH, STATS_PATH, TASKS_PATH):
            self._error(405, "NAT.METHOD_NOT_ALLOWED", "use GET", allow="GET")
        else:
            self._error(404, "NAT.NOT_FOUND", "no such endpoint")

    def _push(self) -> None:
        state = self._state
        if state.pause(state.config.latency_ms):
            self.close_connection = True
            return
        body = self._read_body()
        if body is None:
            return
        fate = state.fate()
        if fate.fail:
            state.store.count_failed_request()
            self._error(503, "NAT.UNAVAILABLE", "simulated outage (--fail-rate)")
            return
        try:
            batch = PushBatch.from_json(decode_body(body))
            for item in batch.items:
                if item.idempotency_key != idempotency_key(item.record_id, item.version):
                    raise ProtocolError("item.idempotency_key must be <record_id>:<version>")
        except ProtocolError as exc:
            state.store.count_failed_request()
            self._error(400, "NAT.MALFORMED_BATCH", str(exc))
            return
        results = state.store.push(batch, state.config.reject_rate)
        log.debug("national-sim: batch %s, %d items decided", batch.batch_id, len(results))
        if fate.timeout and state.pause(state.config.timeout_ms):
            self.close_connection = True  # stopping: the reply is lost, as in a crash
            return
        reply = PushReply(batch.batch_id, tuple(state.with_duplicate_acks(results)))
        self._send(200, reply.to_json())

    def _read_body(self) -> bytes | None:
        """The request body, or None after replying with the reason there is none to use."""
        store = self._state.store
        if self.headers.get("Transfer-Encoding"):
            store.count_failed_request()
            self.close_connection = True
            self._error(411, "NAT.LENGTH_REQUIRED", "send a Content-Length, not chunks")
            return None
        raw = self.headers.get("Content-Length")
        if raw is None or not raw.strip().isdigit():
            store.count_failed_request()
            self.close_connection = True
            self._error(411, "NAT.LENGTH_REQUIRED", "a numeric Content-Length is required")
            return None
        length = int(raw)
        if length > MAX_BODY_BYTES:
            store.count_failed_request()
            self._drain(length)
            self.close_connection = True
            self._error(413, "NAT.TOO_LARGE", f"the body exceeds {MAX_BODY_BYTES} bytes")
            return None
        body = self.rfile.read(length)
        if len(body) < length:  # the client hung up mid-body
            self.close_connection = True
            return None
        return body

    def _drain(self, length: int) -> None:
        # Reading the refused body lets the client finish sending and then read the 413, instead
        # of a connection reset that it would take for a transient failure.
        remaining = min(length, _DRAIN_LIMIT)
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 20))
            if not chunk:
                return
            remaining -= len(chunk)

    def _error(self, status: int, code: str, message: str, *, allow: str | None = None) -> None:
        headers = {"Allow": allow} if allow else {}
        self._send(status, ErrorBody(code, message).to_json(), headers)

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = encode_body(payload)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True  # the client gave up (often: a timeout fault)


class RunningSim:
    """A simulator serving in a background thread; a context manager that stops it on exit."""

    def __init__(
        self, server: _Server, thread: threading.Thread, temp_dir: Path | None, db_path: Path
    ) -> None:
        self._server = server
        self._thread = thread
        self._temp_dir = temp_dir
        self._stopped = False
        self.db_path = db_path
        self.port: int = server.server_address[1]
        self.url = f"http://{HOST}:{self.port}"

    @property
    def config(self) -> SimConfig:
        return self._server.state.config

    def issue_task(self, task: Task) -> None:
        """The national platform pushes a task or risk clue down (test peer: in-process)."""
        self._server.state.store.issue(task)

    def accepted(self) -> list[AcceptedEntry]:
        """What ``GET /v1/accepted`` returns, read in-process."""
        return self._server.state.store.accepted()

    def stats(self) -> SimStats:
        """What ``GET /v1/stats`` returns, read in-process."""
        return self._server.state.store.stats()

    def stop(self) -> None:
        """Stop serving and close the database; requests held by faults are cut short."""
        if self._stopped:
            return
        self._stopped = True
        state = self._server.state
        state.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        state.store.close()
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_sim(config: SimConfig) -> RunningSim:
    """Start a simulator on 127.0.0.1 in a background thread, for tests and demos.

    Raises :class:`~hub.errors.ConfigError` when the port cannot be bound and
    :class:`~hub.errors.StorageError` when the database cannot be opened.
    """
    temp_dir: Path | None = None
    db_path = config.db_path
    if db_path is None:
        temp_dir = Path(tempfile.mkdtemp(prefix="national-sim-"))
        db_path = temp_dir / "national-sim.sqlite3"
    try:
        store = _Store(db_path)
    except StorageError:
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)
        raise
    try:
        server = _Server(_SimState(config, store))
    except OSError as exc:
        store.close()
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)
        reason = exc.strerror or exc.__class__.__name__
        raise ConfigError(f"national-sim cannot listen on {HOST}:{config.port}: {reason}") from None
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},  # how fast stop() is noticed
        name=f"national-sim-{server.server_address[1]}",
        daemon=True,
    )
    thread.start()
    return RunningSim(server, thread, temp_dir, db_path)


def serve_forever(
    config: SimConfig, *, on_ready: Callable[[RunningSim], None] | None = None
) -> None:
    """Serve until SIGTERM or SIGINT, then stop cleanly; call from the main thread.

    ``on_ready`` runs once the port is bound (the CLI prints its listening line there), so a
    supervisor reading that line can connect at once.
    """
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # Handlers go in before the port opens: a signal sent right after the listening line is
    # printed must still end in a clean stop.
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with start_sim(config) as sim:
            if on_ready is not None:
                on_ready(sim)
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
