"""Sign-in attempts counted per account name and per client address in a sliding minute: the
bound ``/v1/session`` holds guessers to (``HUB_CONSOLE_LOGIN_FAILURES_PER_MINUTE``)."""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Sequence

__all__ = ["LoginBounds"]


class LoginBounds:
    """Sign-in attempts per key (``account:NAME``, ``client:ADDRESS``) in a sliding minute,
    thread-safe, bounded in memory (the oldest keys are forgotten past ``max_keys``).

    An attempt counts as a failure from the moment it is let through (:meth:`attempt`) until it
    succeeds (:meth:`succeeded`), so concurrent guesses cannot slip past the bound while their
    passwords are still being checked."""

    def __init__(self, per_minute: int, window_s: float = 60.0, max_keys: int = 10_000) -> None:
        self.per_minute = per_minute
        self.window_s = window_s
        self.max_keys = max_keys
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def attempt(self, keys: Sequence[str], now: float) -> float | None:
        """Let an attempt through (None), counting it against every key; or the seconds until
        one may be tried again under all of them (nothing counted)."""
        with self._lock:
            wait = 0.0
            for key in keys:
                times = self._recent(key, now)
                if len(times) >= self.per_minute:
                    wait = max(wait, times[0] + self.window_s - now)
            if wait > 0:
                return wait
            for key in keys:
                times = self._recent(key, now)
                times.append(now)
                self._failures[key] = times
                self._failures.move_to_end(key)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)
            return None

    def succeeded(self, keys: Sequence[str], at: float) -> None:
        """The attempt made ``at`` signed in: the account's failures are forgotten; the
        client's other failures stay (one right password does not excuse other names' guesses)."""
        with self._lock:
            account, *others = keys
            self._failures.pop(account, None)
            for key in others:
                times = self._failures.get(key)
                if times is not None and at in times:
                    times.remove(at)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times
