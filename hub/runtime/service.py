"""The long-running loop of a hub process (``hub up``, ``hub project``): step while there is
work, sleep briefly when idle, wait out an unavailable database, finish the current step on
SIGTERM/SIGINT. Each step commits on its own, so stopping between steps (or being killed inside
one) loses nothing."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable

import click

from hub.errors import StorageUnavailableError

__all__ = ["serve"]


def serve(
    name: str,
    step: Callable[[], int],
    *,
    done: Callable[[], bool] | None = None,
    idle_sleep_s: float = 0.05,
) -> None:
    """Run ``step`` until a stop signal, or, with ``done``, until idle and ``done()`` is true."""
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    pause = 0.2
    while not stopping:
        try:
            if step():
                pause = 0.2
                continue
        except StorageUnavailableError as exc:
            click.echo(
                f"{name}: store unavailable, retrying in {pause:.1f}s ({exc.code})", err=True
            )
            time.sleep(pause)
            pause = min(pause * 2, 5.0)
            continue
        if done is not None and done():
            break
        time.sleep(idle_sleep_s)
