"""The test peer's HTTP side: one handler per connection, serving the protocol's endpoints.

Order of one ``POST /v1/push``:

1. wait ``latency_ms``;
2. read the body (``411``/``413``/``400`` without touching items; a body over 32 MiB is ``413``);
3. draw the request's fate from the seeded RNG: ``fail`` (``503``, items untouched) and ``timeout``;
4. decide every item in order and commit decisions and counters in ONE SQLite transaction;
5. if ``timeout`` was drawn, hold the (already committed) reply for ``timeout_ms``: the client gives
   up although the items are in, and its re-push must be answered ``duplicate``;
6. repeat each result with probability ``duplicate_ack_rate``, and reply ``200``.

Every reply is strict JSON; an error reply is an :class:`~hub.national.protocol.ErrorBody` and never
quotes an item's ``content``.
"""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from hub.errors import StorageError
from hub.national.protocol import (
    HEALTH_PATH,
    PUSH_PATH,
    TASKS_PATH,
    ErrorBody,
    PushBatch,
    PushReply,
    idempotency_key,
)
from hub.national.sim.faults import Faults, SimConfig
from hub.national.sim.messages import ACCEPTED_PATH, STATS_PATH
from hub.national.sim.store import ReceiverStore
from hub.national.wire import ProtocolError, decode_body, encode_body

__all__ = ["MAX_BODY_BYTES", "Handler", "SimServer", "SimState"]

log = logging.getLogger("hub.national.sim")

MAX_BODY_BYTES = 32 * 1024 * 1024
# read (and drop) an oversized body up to here, so the 413 arrives
_DRAIN_LIMIT = 4 * MAX_BODY_BYTES


class SimState:
    """What every request handler shares: settings, store, the seeded faults, the stop signal."""

    def __init__(self, config: SimConfig, store: ReceiverStore) -> None:
        self.config = config
        self.store = store
        self.faults = Faults(config)
        self.stopping = threading.Event()

    def pause(self, ms: int) -> bool:
        """Sleep, but wake when the simulator stops; True if it is stopping."""
        return self.stopping.wait(ms / 1000) if ms > 0 else self.stopping.is_set()


class SimServer(ThreadingHTTPServer):
    """The listening socket and its handler threads, with the state they share."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: SimState) -> None:
        self.state = state
        super().__init__(address, Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-request is normal for a fault injector; no stderr tracebacks.
        log.debug("national-sim: connection from %s ended with an error", client_address)


class Handler(BaseHTTPRequestHandler):
    """One connection: the test peer's endpoints, with the faults of its configuration."""

    server_version = "national-sim/1 (test peer)"
    protocol_version = "HTTP/1.1"  # keep-alive, as the client's connection pool expects
    timeout = 30  # an idle or stalled connection must not hold a thread forever
    # headers and body go out in separate writes: without TCP_NODELAY, Nagle and the client's
    # delayed ACK add 40 ms to every reply on a kept-alive connection (measured: 43 ms -> 1 ms)
    disable_nagle_algorithm = True

    @property
    def _state(self) -> SimState:
        return cast(SimServer, self.server).state

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
        fate = state.faults.fate()
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
        reply = PushReply(batch.batch_id, tuple(state.faults.with_duplicate_acks(results)))
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
