"""The sender's own counts, per process (``hub.metrics`` exports them with the hub's numbers):
kept in the engine so the sender does not import the collector that reads the engine."""

from __future__ import annotations

import re
import threading

from prometheus_client import CollectorRegistry, Counter, Histogram

__all__ = ["DELIVERY_LATENCY", "NATIONAL_REPLIES", "PROCESS", "BoundedLabels", "reply_code"]

PROCESS = CollectorRegistry(auto_describe=True)

DELIVERY_LATENCY = Histogram(
    "hub_delivery_latency_seconds",
    "seconds from a version's recording to its national acknowledgement (this process's sender)",
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 86400),
    registry=PROCESS,
)
NATIONAL_REPLIES = Counter(
    "hub_national_replies",
    "national replies per version offered, by code (accepted, duplicate, a rejection's reason"
    " code, DELIVERY.TRANSIENT / DELIVERY.PERMANENT for a push that failed as a whole)",
    ["code"],
    registry=PROCESS,
)


class BoundedLabels:
    """Label values from text the hub does not control (the national platform's reply codes):
    a value must look like a short code, and only the first ``limit`` distinct ones become
    series; anything else is ``OTHER``, so a peer cannot grow the exposition without bound."""

    _CODE = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]{0,63}")

    def __init__(self, limit: int = 64) -> None:
        self.limit = limit
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, value: str) -> str:
        if not self._CODE.fullmatch(value):
            return "OTHER"
        with self._lock:
            if value not in self._seen:
                if len(self._seen) >= self.limit:
                    return "OTHER"
                self._seen.add(value)
        return value


#: the reply codes of this process (``hub_national_replies_total{code}``)
reply_code = BoundedLabels()
