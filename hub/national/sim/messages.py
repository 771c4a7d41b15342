"""The messages only the test peer speaks: what it accepted, and its counters.

A real national platform has neither endpoint; tests use them (over HTTP or in-process through
:class:`~hub.national.sim.RunningSim`) to check the order and the counts of what arrived. They use
the protocol's codec (:mod:`hub.national.wire`), so their bytes follow the same rules.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import model_validator
from pydantic.dataclasses import dataclass

from hub.national.wire import (
    COUNT,
    NON_EMPTY,
    OPERATION,
    VERSION,
    Checks,
    Count,
    Message,
    NonEmpty,
    Operation,
    Version,
    wire_fill,
)

__all__ = ["ACCEPTED_PATH", "STATS_PATH", "AcceptedEntry", "SimStats"]

ACCEPTED_PATH = "/v1/accepted"
STATS_PATH = "/v1/stats"


def _operation_fault(value: object) -> str:
    return f"item.operation {OPERATION}"  # the sentence this reply has always used


@dataclass(frozen=True, slots=True)
class AcceptedEntry(Message):
    """One key the test peer accepted (``GET /v1/accepted``); lets tests check order and counts."""

    checks: ClassVar[Checks] = Checks(
        "accepted entry",
        {
            "idempotency_key": NON_EMPTY,
            "record_id": NON_EMPTY,
            "version": VERSION,
            "national_id": NON_EMPTY,
            "accepted_at": NON_EMPTY,
            "operation": _operation_fault,
        },
    )

    idempotency_key: NonEmpty
    record_id: NonEmpty
    version: Version
    national_id: NonEmpty
    accepted_at: NonEmpty  # ISO 8601, UTC
    operation: Operation = "upsert"


_COUNTERS = (
    "requests",
    "items",
    "accepted",
    "duplicates",
    "rejected",
    "failed_requests",
    "out_of_order",
)


@dataclass(frozen=True, slots=True)
class SimStats(Message):
    """The test peer's counters (``GET /v1/stats``), kept across restarts.

    ``requests`` counts every ``POST /v1/push``, ``failed_requests`` those answered with an error
    status. Over the items of the successful ones,
    ``items == accepted + duplicates + rejected``; ``out_of_order`` is part of ``rejected``.
    """

    checks: ClassVar[Checks] = Checks("stats", dict.fromkeys(_COUNTERS, COUNT))

    requests: Count = 0
    items: Count = 0
    accepted: Count = 0
    duplicates: Count = 0
    rejected: Count = 0
    failed_requests: Count = 0
    out_of_order: Count = 0

    @model_validator(mode="before")
    @classmethod
    def _every_counter_on_the_wire(cls, value: object) -> object:
        return wire_fill(value, **dict.fromkeys(_COUNTERS))
