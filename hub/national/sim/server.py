"""The test peer's lifecycle: start it in a background thread, or serve until a signal; stop it.

It listens on 127.0.0.1 only (a test peer has no business on a routable interface) and, unless
told where, keeps its database in a temporary directory removed when it stops.
"""

from __future__ import annotations

import shutil
import signal
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType, TracebackType
from typing import Self

from hub.errors import ConfigError, StorageError
from hub.national.protocol import Task
from hub.national.sim.faults import SimConfig
from hub.national.sim.handler import SimServer, SimState
from hub.national.sim.messages import AcceptedEntry, SimStats
from hub.national.sim.store import ReceiverStore

__all__ = ["HOST", "RunningSim", "serve_forever", "start_sim"]

HOST = "127.0.0.1"  # a test peer has no business on a routable interface


class RunningSim:
    """A simulator serving in a background thread; a context manager that stops it on exit."""

    def __init__(
        self, server: SimServer, thread: threading.Thread, temp_dir: Path | None, db_path: Path
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
        store = ReceiverStore(db_path)
    except StorageError:
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)
        raise
    try:
        server = SimServer((HOST, config.port), SimState(config, store))
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
