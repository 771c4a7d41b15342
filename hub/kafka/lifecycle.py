"""How a ``hub worker`` process stops: at most ``worker_stop_grace_s`` after SIGTERM or SIGINT.

Why faust alone can hang (faust-streaming 0.15, mode-streaming 0.7, aiokafka 0.14):

- *A batch that cannot finish.* faust's stop (``App._stop_consumer``) and its rebalance callback
  (``App._on_partitions_revoked``) both wait in ``Consumer.wait_empty()`` until every event an
  agent took is acknowledged, without a time limit. While PostgreSQL is down a stage retries
  its batch (``StorageUnavailableError``) and never acknowledges it: SIGTERM then waits for
  ever (seen in ``tests/runtime/test_worker_shutdown.py`` with the watchdog disabled: still
  "wait_empty: Waiting for tasks" 40 s after SIGTERM).
- *A rebalance in the middle.* faust runs the aiokafka consumer on a thread of its own
  (``AIOKafkaConsumerThread``, a *non-daemon* ``mode.threads.WorkerThread``). In a rebalance,
  that thread's coordination task calls faust's ``on_partitions_revoked`` on the main loop
  through a method queue and waits for the answer (which comes after ``wait_empty``). aiokafka
  keeps the heartbeat task running meanwhile (so the member stays alive while the callback
  commits), and after a session timeout marks the coordinator dead, but the coordination task
  stays parked in the callback. If the main loop stops its services (the method queue among
  them) before answering, ``coordinator.close()`` awaits a coordination task that never ends,
  the heartbeats go on, ``WorkerThread.stop()`` waits on ``is_stopped`` without a timeout, and
  the interpreter joins that non-daemon thread at exit. This is the reading of the sources
  that fits what ``bench/kafka_pipeline.py`` saw (heartbeats after "marking coordinator dead",
  then ``TimeoutExpired`` after 60 s); the tests' rebalances did not hit it on demand.

So the stop has a bound that does not depend on faust: the first SIGTERM/SIGINT asks faust to
stop (its own clean path: commit, leave the group) and arms a :class:`StopWatchdog`. If the
process is still there ``grace_s`` later, the watchdog logs why, gives the worker's own threads
(relay, side loop) :data:`HALT_S` to stop, and ends the process with ``os._exit``
(:data:`FORCED_EXIT_CODE`); ``sys.exit`` would wait for the very threads that hang.

Why such an exit loses nothing: a batch's offsets are committed to Kafka only after faust has
acknowledged its events, and the agent acknowledges them only after the batch's database
transaction committed (:func:`finish_in_thread` keeps even a cancelled agent from acknowledging a
batch still in flight, and the watchdog does not tell the stages to give up waiting for the
database: a batch that failed would be acknowledged all the same). A hard exit therefore leaves, at
worst, batches that PostgreSQL holds and Kafka has not been told about; they are delivered again to
whoever takes the partition and are no-ops by event id. The relay and the projections keep their
positions in PostgreSQL and resume from there. Nothing is lost and nothing is counted twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import faust

__all__ = [
    "FORCED_EXIT_CODE",
    "HALT_S",
    "Shutdown",
    "StopWatchdog",
    "bounded_faust_worker",
    "finish_in_thread",
]

log = logging.getLogger("hub.worker")

#: The exit code of a worker the watchdog ended (sysexits' EX_TEMPFAIL: start it again, its
#: unacknowledged batches are redelivered). A worker that stopped in time exits with 0.
FORCED_EXIT_CODE = 75
#: Seconds the watchdog gives the worker's threads to stop before it ends the process.
HALT_S = 0.5

T = TypeVar("T")


class StopWatchdog:
    """Ends the process ``grace_s`` after :meth:`arm` unless it ended by itself first.

    ``halt(timeout_s)`` is asked to stop the worker's threads first (best effort, bounded);
    ``exit`` ends the process (``os._exit``: no atexit handlers, no joining of threads)."""

    def __init__(
        self,
        grace_s: float,
        halt: Callable[[float], None],
        exit: Callable[[int], object] = os._exit,
    ) -> None:
        self.grace_s = grace_s
        self._halt = halt
        self._exit = exit
        self._armed_at: float | None = None
        self._reason = ""
        self._lock = threading.Lock()

    @property
    def armed(self) -> bool:
        return self._armed_at is not None

    def arm(self, reason: str) -> bool:
        """Start the countdown (once: later calls change nothing); True the first time."""
        with self._lock:
            if self._armed_at is not None:
                return False
            self._armed_at = time.monotonic()
            self._reason = reason
        threading.Thread(target=self._watch, name="hub-stop-watchdog", daemon=True).start()
        return True

    def _watch(self) -> None:
        time.sleep(self.grace_s)
        self.expire()

    def expire(self) -> None:
        """Stop the threads (at most HALT_S), say why, and end the process."""
        started = self._armed_at if self._armed_at is not None else time.monotonic()
        try:
            log.critical(
                "hub worker: still running %.1f s after %s (grace %.1f s): exiting with code %d;"
                " batches in flight were not acknowledged and will be delivered again",
                time.monotonic() - started,
                self._reason,
                self.grace_s,
                FORCED_EXIT_CODE,
            )
            self._halt(HALT_S)
        except BaseException:  # whatever happens here, the process must end
            log.exception("hub worker: stopping the threads failed")
        finally:
            for handler in logging.getLogger().handlers:
                with contextlib.suppress(Exception):  # a broken handler must not stop the exit
                    handler.flush()
            self._exit(FORCED_EXIT_CODE)


class Shutdown:
    """One worker process's stop request: the first SIGTERM/SIGINT, and the watchdog it arms.

    Before faust runs (and in the instant before it installs its own handlers) the signals land
    in :meth:`install`'s handlers; from then on faust's loop handlers, which
    :func:`bounded_faust_worker` makes call :meth:`request` too."""

    def __init__(self, watchdog: StopWatchdog) -> None:
        self.watchdog = watchdog
        self.requested = threading.Event()
        self.signal: signal.Signals | None = None

    def request(self, signum: int) -> bool:
        """Note the stop and arm the watchdog; True for the first request."""
        sig = signal.Signals(signum)
        if self.requested.is_set():
            return False
        self.signal = sig
        self.requested.set()
        self.watchdog.arm(sig.name)
        log.warning(
            "hub worker: %s received: stopping (at the latest in %.1f s)",
            sig.name,
            self.watchdog.grace_s,
        )
        return True

    def install(self) -> None:
        """Catch SIGTERM and SIGINT from now on (they would otherwise kill the process outright
        or raise KeyboardInterrupt in the middle of the start)."""

        def on_signal(signum: int, _frame: object) -> None:
            self.request(signum)

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)


def bounded_faust_worker(app: faust.App, shutdown: Shutdown) -> faust.Worker:
    """A faust worker whose SIGTERM/SIGINT also arm the watchdog, and which stops at once when
    the signal came before faust had installed its handlers."""
    import faust

    class BoundedWorker(faust.Worker):
        # mode's handlers: loop.add_signal_handler(SIGTERM, self._on_sigterm), same for SIGINT
        def _on_sigterm(self) -> None:
            shutdown.request(signal.SIGTERM)
            super()._on_sigterm()

        def _on_sigint(self) -> None:
            shutdown.request(signal.SIGINT)
            super()._on_sigint()

        def install_signal_handlers(self) -> None:
            super().install_signal_handlers()
            if shutdown.signal is not None:  # it came while faust was starting
                self._schedule_shutdown(shutdown.signal)

    return BoundedWorker(app, loglevel="INFO", quiet=True)


async def finish_in_thread(fn: Callable[..., T], *args: Any) -> T:
    """``await asyncio.to_thread(fn, *args)``, except that a cancelled caller still waits for
    ``fn`` to return before the cancellation goes on.

    Why: faust's ``take_events`` acknowledges a batch's events in a ``finally``, so an agent
    cancelled while its batch's transaction runs would acknowledge (and faust commit) offsets
    of a batch the database may never hold. Waiting for the thread keeps "acknowledged" meaning
    "committed"; if the thread never returns, the watchdog ends the process unacknowledged."""
    future = asyncio.ensure_future(asyncio.to_thread(fn, *args))
    cancelled = False
    while True:
        try:
            result = await asyncio.shield(future)
            break
        except asyncio.CancelledError:
            if future.done():
                raise
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError
    return result
