"""How the test peer misbehaves on demand: its settings, and the seeded draws behind its faults.

``reject_rate`` needs no RNG: :func:`rejects_content` hashes the key, so a key's fate is the same
across retries, restarts and separate simulators. ``fail_rate``, ``timeout_rate`` and
``duplicate_ack_rate`` are drawn from one RNG seeded by ``seed``, so a sequential client sees the
same faults on every run.
"""

from __future__ import annotations

import hashlib
import random
import threading
from dataclasses import dataclass
from pathlib import Path

from hub.errors import ConfigError
from hub.national.protocol import PushResult

__all__ = ["Fate", "Faults", "SimConfig", "rejects_content"]


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


@dataclass(frozen=True, slots=True)
class Fate:
    """What befalls one push: a ``503`` before any item is read, or a reply held past the commit."""

    fail: bool
    timeout: bool


class Faults:
    """The seeded RNG behind the drawn faults, shared by every request handler."""

    def __init__(self, config: SimConfig) -> None:
        self._config = config
        self._rng = random.Random(config.seed)  # noqa: S311 - fault injection, not cryptography
        self._rng_lock = threading.Lock()

    def fate(self) -> Fate:
        # Both draws always happen, so changing one rate does not reshuffle the other's faults.
        with self._rng_lock:
            fail = self._rng.random() < self._config.fail_rate
            timeout = self._rng.random() < self._config.timeout_rate
        return Fate(fail=fail, timeout=timeout)

    def with_duplicate_acks(self, results: list[PushResult]) -> list[PushResult]:
        """Each result, repeated with probability ``duplicate_ack_rate``."""
        out: list[PushResult] = []
        with self._rng_lock:
            for result in results:
                out.append(result)
                if self._rng.random() < self._config.duplicate_ack_rate:
                    out.append(result)
        return out
