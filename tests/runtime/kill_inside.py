"""A test-only kill switch inside the hub's transactions: ``HUB_TEST_KILL_AFTER_APPENDS=N``.

Why: a SIGKILL sent from outside lands wherever the process happens to be, mostly between
steps; the window that matters most (a step has read its input and appended its outputs but not
committed) is short, and a faster engine makes it shorter. With the switch armed, the process
SIGKILLs itself right after the append call by which it has handed N events to the log in all,
inside that call's transaction and before its commit: a kill in the middle of a step, whatever
the speed. Events are counted rather than calls so that N means the same progress however an
engine batches its appends.

It wraps the embedded store's transaction (:class:`hub.storage.sqlite.SqliteTransaction`) in
this process only; nothing in ``hub/`` knows of it.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence

from hub.storage.sqlite import SqliteTransaction

__all__ = ["ENV", "MARK", "arm", "arm_from_environment"]

ENV = "HUB_TEST_KILL_AFTER_APPENDS"
MARK = "kill_inside: SIGKILL in an append to"  # + the stream, on stderr: where it landed
Row = tuple[str, str, str, str, bytes]  # event id, type, key, correlation id, body


def arm(limit: int) -> None:
    """From now on, die by SIGKILL inside the transaction whose append reaches ``limit``
    events handed to the log by this process."""
    if limit < 1:
        raise ValueError(f"{ENV} must be at least 1, not {limit}")
    original = SqliteTransaction.append
    passed = 0

    def append(self: SqliteTransaction, stream: str, events: Sequence[Row]) -> int:
        nonlocal passed
        new = original(self, stream, events)
        passed += len(events)
        if passed >= limit:
            sys.stderr.write(f"{MARK} {stream}\n")
            sys.stderr.flush()
            os.kill(os.getpid(), signal.SIGKILL)  # the transaction is open: nothing commits
        return new

    SqliteTransaction.append = append  # type: ignore[method-assign]


def arm_from_environment() -> int | None:
    """Arm the switch if ``HUB_TEST_KILL_AFTER_APPENDS`` is set; its value, or None."""
    value = os.environ.get(ENV)
    if not value:
        return None
    arm(int(value))
    return int(value)
