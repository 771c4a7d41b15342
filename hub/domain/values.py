"""The values the pure processing functions take and the ports store: sources and their
coverage rule, identity registry entries, delivery ledger rows and the delivery policy, the
quarantine, credentials and API replies.

They sit below the ports and the processing so that a judge or a resolver never imports storage:
the ports (:mod:`hub.storage.ports`) say how these values are kept, this module what they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "LEDGER_STATES",
    "ApiBatch",
    "Credential",
    "DeliveryPolicy",
    "DeliveryRow",
    "QuarantineEntry",
    "Quarantined",
    "RegistryEntry",
    "Source",
]


@dataclass(frozen=True, slots=True)
class Source:
    """A registered submitting system."""

    source_id: str
    level: str
    region_code: str
    department: str
    record_types: tuple[str, ...] = ()  # empty: every type
    disabled: bool = False  # read from its credential; put_source does not write it
    #: the Kafka principal that may write its inbound topic ``in.<source_id>`` (``User:zj-x``)
    principal: str | None = None

    def may_submit(self, record_type: str) -> bool:
        return not self.record_types or record_type in self.record_types

    def covers(self, region_code: str) -> bool:
        """Least privilege: a county only its county, a city its city, a province its province."""
        prefix = {"county": 6, "city": 4, "province": 2}.get(self.level, 0)
        if self.level == "national":
            return True
        return prefix > 0 and region_code[:prefix] == self.region_code[:prefix]


@dataclass(frozen=True, slots=True)
class Credential:
    """A source's API credential: only the SHA-256 of its token is kept (the token is shown once,
    when it is made), and whether the source is disabled (every request refused with 403)."""

    source_id: str
    token_hash: str | None
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class RegistryEntry:
    """The current state of one canonical record, keyed by its identity hash."""

    identity_hash: str
    record_id: str
    record_type: str
    version: int
    content_hash: str
    version_hash: str
    updated_at: str
    content: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    """One record version on its way to one destination."""

    delivery_id: str
    record_id: str
    version: int
    destination: str
    record_type: str
    state: str
    attempt: int
    next_attempt_at: float
    idempotency_key: str
    source_id: str
    submission_id: str
    content: dict[str, Any]
    reasons: tuple[str, ...] = ()
    national_id: str | None = None
    operation: str = "upsert"  # delete: the version retracts the record
    #: how many times an operator re-drove this row from ``dead`` (``hub deliveries redrive``);
    #: part of its events' ids, so a second round of attempts adds events instead of repeating
    redrives: int = 0


@dataclass(frozen=True, slots=True)
class Quarantined:
    """A message that could not be read as an event: kept whole, with why, never dropped.
    ``origin`` names where it came from (``topic/partition/offset``) and is its identity."""

    origin: str
    stream: str
    reason: str
    key: bytes | None
    body: bytes


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    """A quarantined message as an operator's list shows it: where from, why, how big; never
    its body (it may hold personal data)."""

    origin: str
    stream: str
    reason: str
    size: int


@dataclass(frozen=True, slots=True)
class ApiBatch:
    """The first reply to an API request with an idempotency key: a retry with the same key and
    the same body gets this reply again; the same key with another body is refused."""

    source_id: str
    idempotency_key: str
    body_hash: str
    reply: bytes


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """How hard the hub tries: push batch size, how long a sent push may go unanswered before it
    is due again, attempts before a version is dead, and the backoff between attempts."""

    push_batch: int = 100
    reply_timeout_s: float = 30.0
    max_attempts: int = 12
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 300.0


#: the ledger's states (:mod:`hub.processing.delivery`)
LEDGER_STATES = ("pending", "sent", "acked", "rejected", "retrying", "dead")
