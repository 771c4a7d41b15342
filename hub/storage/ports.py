"""The storage ports, small and stacked (after eventsourcing's recorders), 2-6 methods each.

Inside a transaction (:class:`Transaction` stacks them all, with no method of its own):

- :class:`EventLog`: ``append`` events to a stream, ``read`` after a position, ``head``,
  ``latest_positions`` of records' keys up to a snapshot;
- :class:`Tracking`: a consumer's ``position`` in a stream, ``set_position`` in the same
  transaction as its outputs, so a crash replays a whole batch or none of it; for a transport
  that redelivers (Kafka), ``claim`` tracks by event id instead, and ``quarantine`` keeps what
  could not be read;
- :class:`Registry`: record identity → record id, current version and content
  (``registry_get``, ``registry_put``, a compare-and-set);
- :class:`Ledger`: one row per record version and destination (``ledger_insert``,
  ``ledger_due``, ``ledger_update``, and the operators' ``ledger_select``);
- :class:`SourceBook`: the registered submitting systems (``source``, ``all_sources``,
  ``put_source``) and their credentials (``set_token``, ``set_disabled``);
- :class:`Intake`: the API's first reply per idempotency key (``api_batch``,
  ``put_api_batch``) and the connectors' watermarks (``cursor``, ``set_cursor``);
- :class:`QuarantineDesk`: the operators' ``quarantine_take``, ``quarantine_drop``,
  ``quarantine_reason``;
- :class:`SubscriberBook`: the readers of the outbound feeds (``subscriber``,
  ``all_subscribers``, ``put_subscriber``, ``remove_subscriber``);
- :class:`AccountBook`: people's accounts (``account``, ``put_account``,
  ``set_account_password``, ``set_account_token``, ``remove_account``) and the journal of their
  actions (``record_action``); :class:`SessionBook`: their sessions (``start_session``,
  ``end_session``, ``end_expired_sessions``).

Without a transaction (:class:`Store` stacks them, with ``transaction()``, ``snapshot()`` and
``close()`` of its own):

- :class:`LogReads`: ``read``, ``head``, ``scan``, ``read_key``, ``counts``;
- :class:`StatusReads`: ``in_flight``, ``handled_counts``, ``ledger_counts``,
  ``quarantine_count``;
- :class:`QueueReads`: ``quarantined``, ``quarantine_entries``, ``ledger_page``;
- :class:`CredentialReads`: ``sources``, ``subscribers``, ``credential``, ``credential_of``,
  ``credentials``;
- :class:`AuditReads`: ``chained``, ``chain_heads``, ``registry_entries``, ``ledger_rows``,
  ``account_states``;
- :class:`AccountReads`: ``accounts``, ``account_secret``, ``account_by_token``,
  ``account_by_session``.

A backend gives one :class:`Transaction` object implementing every transaction port, from
:meth:`Store.transaction`: everything a processing step does commits or rolls back together. Code
that needs one job may take the one port (a function that only appends takes an
:class:`EventLog`). Unique constraints are the final word: appending an event whose id exists is
a no-op ("already done"), and two verdicts for one submission cannot both be stored. Each port has
its contract suite in :mod:`hub.testing.contracts`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from hub.domain.values import (
    ApiBatch,
    Credential,
    DeliveryRow,
    Quarantined,
    QuarantineEntry,
    RegistryEntry,
    Source,
)

if TYPE_CHECKING:
    from hub.domain.accounts import Account
    from hub.domain.subscribers import Subscriber

__all__ = [
    "STORE_PORTS",
    "TRANSACTION_PORTS",
    "AccountBook",
    "AccountReads",
    "AuditReads",
    "ChainHead",
    "ChainedEvent",
    "CredentialReads",
    "EventLog",
    "Intake",
    "Ledger",
    "LogReads",
    "QuarantineDesk",
    "QueueReads",
    "Registry",
    "SessionBook",
    "SourceBook",
    "StatusReads",
    "Store",
    "StoredEvent",
    "SubscriberBook",
    "Tracking",
    "Transaction",
]


class StoredEvent(NamedTuple):
    """An encoded event as a stream holds it."""

    position: int
    event_id: str
    event_type: str
    key: str
    correlation_id: str
    body: bytes


class ChainedEvent(NamedTuple):
    """A stored event with its chain value (:mod:`hub.storage.chain`); None: stored without the
    hub's append (nothing the hub writes lacks one)."""

    position: int
    event_id: str
    event_type: str
    key: str
    correlation_id: str
    body: bytes
    chain: str | None


@dataclass(frozen=True, slots=True)
class ChainHead:
    """Where a chained stream stood after its last append: position, chain and count."""

    name: str
    position: int = 0
    chain: str = ""
    count: int = 0


class EventLog(ABC):
    """The event log inside a transaction: append to a stream, read it back, find the latest
    event of records' keys."""

    @abstractmethod
    def append(self, stream: str, events: Sequence[tuple[str, str, str, str, bytes]]) -> int:
        """Append ``(event_id, event_type, key, correlation_id, body)``; existing ids are skipped.
        Returns how many were new."""

    @abstractmethod
    def read(self, stream: str, after: int, limit: int) -> list[StoredEvent]: ...

    @abstractmethod
    def head(self, stream: str) -> int: ...

    @abstractmethod
    def latest_positions(self, stream: str, keys: Sequence[str], upto: int) -> dict[str, int]:
        """For each of ``keys``, the last position ``<= upto`` of an event with that key in
        ``stream`` (keys without one are absent), in one query: a feed's backfill publishes an
        event only if it is its record's latest up to the snapshot."""


class Tracking(ABC):
    """Where each consumer stands: positions for a log it reads in order, claims by event id for a
    transport that redelivers (Kafka), and the quarantine for what could not be read."""

    @abstractmethod
    def position(self, consumer: str, stream: str) -> int:
        """Where ``consumer`` stands in ``stream`` (0 before its first event). It also takes
        the consumer's turn until the transaction ends: two processes stepping one stage never
        work on the same batch at once (SQLite: the write lock; PostgreSQL: the row lock)."""

    @abstractmethod
    def set_position(self, consumer: str, stream: str, position: int) -> None: ...

    @abstractmethod
    def claim(self, consumer: str, event_ids: Sequence[str]) -> set[str]:
        """Mark ``event_ids`` handled by ``consumer``; the ids not handled before. A redelivered
        event is claimed once: a second transaction claiming the same id waits for the first
        one's end (unique key) and then gets nothing, or gets it if the first rolled back."""

    @abstractmethod
    def quarantine(self, messages: Sequence[Quarantined]) -> int:
        """Keep unreadable messages (a message seen before is skipped); how many were new."""


class Registry(ABC):
    """The identity registry: record identity → record id, current version and content."""

    @abstractmethod
    def registry_get(self, identity_hashes: Sequence[str]) -> dict[str, RegistryEntry]: ...

    @abstractmethod
    def registry_put(self, changes: Sequence[tuple[int, RegistryEntry]]) -> None:
        """Compare-and-set ``(expected version, new entry)``: expected 0 inserts only if the
        identity (and the record id) is new; expected n replaces only an entry still at version
        n. Otherwise :class:`~hub.errors.ConcurrencyError` (the step re-runs on fresh state)."""


class Ledger(ABC):
    """The delivery ledger: one row per record version and destination, and the operators' pick of
    rows to act on."""

    @abstractmethod
    def ledger_insert(self, rows: Sequence[DeliveryRow]) -> None: ...

    @abstractmethod
    def ledger_due(self, destination: str, now: float, limit: int) -> list[DeliveryRow]:
        """Rows to send now: pending, due, and the oldest unfinished version of their record."""

    @abstractmethod
    def ledger_update(self, rows: Sequence[DeliveryRow]) -> None: ...

    @abstractmethod
    def ledger_select(
        self, state: str, delivery_ids: Sequence[str] | None, limit: int
    ) -> list[DeliveryRow]:
        """Rows in ``state`` (among ``delivery_ids``; None: any), oldest first, at most
        ``limit``, held until the transaction ends (PostgreSQL: row locks, so a sender cannot
        take them meanwhile)."""


class SourceBook(ABC):
    """The registered submitting systems and their credentials (each change journaled in the same
    transaction)."""

    @abstractmethod
    def source(self, source_id: str) -> Source | None: ...

    @abstractmethod
    def all_sources(self) -> list[Source]:
        """Every registered source, as this transaction sees them (the owners to tell of a
        refused change are found inside the step that refused it)."""

    @abstractmethod
    def put_source(self, source: Source) -> None: ...

    @abstractmethod
    def set_token(self, source_id: str, token_hash: str) -> None:
        """The source's one token from now on (a rotation: the old one stops working)."""

    @abstractmethod
    def set_disabled(self, source_id: str, disabled: bool) -> None: ...


class Intake(ABC):
    """What the intake paths keep: the API's first reply per idempotency key, and the connectors'
    saved positions (watermarks)."""

    @abstractmethod
    def api_batch(self, source_id: str, idempotency_key: str) -> ApiBatch | None: ...

    @abstractmethod
    def put_api_batch(self, batch: ApiBatch) -> bool:
        """Record a first reply; False if the key was taken meanwhile (the caller lost a race
        and must answer with the stored reply)."""

    @abstractmethod
    def cursor(self, name: str) -> str | None:
        """A connector's saved position (a watermark), None before its first save."""

    @abstractmethod
    def set_cursor(self, name: str, value: str) -> None: ...


class QuarantineDesk(ABC):
    """The operators' actions on the quarantine: take messages to release, drop the released ones,
    replace the reason of one that failed again."""

    @abstractmethod
    def quarantine_take(self, origins: Sequence[str]) -> list[Quarantined]:
        """The quarantined messages of ``origins`` (unknown ones are absent), held until the
        transaction ends."""

    @abstractmethod
    def quarantine_drop(self, origins: Sequence[str]) -> int:
        """Remove messages from the quarantine (released); how many were there."""

    @abstractmethod
    def quarantine_reason(self, origin: str, reason: str) -> None:
        """Replace why a message is quarantined (a release that failed again, for a new
        reason)."""


class SubscriberBook(ABC):
    """The registered readers of the outbound feeds and their entitlement (each change journaled in
    the same transaction)."""

    @abstractmethod
    def subscriber(self, name: str) -> Subscriber | None: ...

    @abstractmethod
    def all_subscribers(self) -> list[Subscriber]:
        """Every registered subscriber, disabled ones included, by name."""

    @abstractmethod
    def put_subscriber(self, subscriber: Subscriber) -> None:
        """Insert or replace, every field."""

    @abstractmethod
    def remove_subscriber(self, name: str) -> bool:
        """Delete the registration; whether it existed."""


class AccountBook(ABC):
    """People's accounts (:mod:`hub.storage.account_rows`): every change to an account and every
    action a person took journaled in the same transaction."""

    @abstractmethod
    def account(self, name: str) -> Account | None: ...

    @abstractmethod
    def put_account(self, account: Account) -> None:
        """Insert, or replace role, region, disabled and created_at (the credentials are kept).
        Disabling ends the account's sessions."""

    @abstractmethod
    def set_account_password(self, name: str, password_hash: str) -> None:
        """The account's password hash from now on; its sessions end."""

    @abstractmethod
    def set_account_token(self, name: str, token_hash: str | None) -> None:
        """The account's one token from now on (None: none); the old one stops working."""

    @abstractmethod
    def remove_account(self, name: str) -> bool:
        """Delete the account and its sessions; whether it existed."""

    @abstractmethod
    def record_action(
        self, principal_name: str, action: str, target: str, detail: dict[str, Any]
    ) -> None:
        """Journal an action a person took (:func:`hub.storage.account_rows.record_action`)."""


class SessionBook(ABC):
    """People's signed-in sessions."""

    @abstractmethod
    def start_session(self, id_hash: str, name: str, expires_at: float, now: float) -> None:
        """A session of ``name`` until ``expires_at`` (epoch seconds); expired ones are
        deleted on the way."""

    @abstractmethod
    def end_session(self, id_hash: str) -> bool:
        """Whether there was such a session."""

    @abstractmethod
    def end_expired_sessions(self, now: float) -> int:
        """Delete the sessions expired by ``now``; how many."""


class Transaction(
    EventLog,
    Tracking,
    Registry,
    Ledger,
    SourceBook,
    Intake,
    QuarantineDesk,
    SubscriberBook,
    AccountBook,
    SessionBook,
):
    """Everything one processing step may do, committed or rolled back together: every
    transaction port, stacked."""


class LogReads(ABC):
    """The event log read without a transaction."""

    @abstractmethod
    def read(self, stream: str, after: int, limit: int) -> list[StoredEvent]: ...

    @abstractmethod
    def head(self, stream: str) -> int: ...

    @abstractmethod
    def scan(self, stream: str, batch: int = 1000) -> Iterator[StoredEvent]:
        """Every event of a stream from the start, in order."""

    @abstractmethod
    def read_key(self, stream: str, key: str, after: int, limit: int) -> list[StoredEvent]:
        """A stream's events with one key after ``after``, in order (a source's feedback)."""

    @abstractmethod
    def counts(self, stream: str) -> dict[str, int]:
        """Events of a stream per event type."""


class StatusReads(ABC):
    """The figures of a hub's status and its metrics, each one query."""

    @abstractmethod
    def in_flight(self) -> int:
        """Submissions without a verdict yet."""

    @abstractmethod
    def handled_counts(self) -> dict[str, int]:
        """Events claimed per consumer (the distributed runtime's progress)."""

    @abstractmethod
    def ledger_counts(self) -> dict[str, int]:
        """Delivery ledger rows per state, and ``attempted``: rows pushed at least once."""

    @abstractmethod
    def quarantine_count(self) -> int:
        """How many messages are quarantined (without loading them)."""


class QueueReads(ABC):
    """The operators' lists: the quarantine and the delivery ledger by state."""

    @abstractmethod
    def quarantined(self) -> list[Quarantined]:
        """Every quarantined message, oldest first."""

    @abstractmethod
    def quarantine_entries(self, limit: int) -> list[QuarantineEntry]:
        """Quarantined messages without their bodies, oldest first, at most ``limit``."""

    @abstractmethod
    def ledger_page(self, states: Sequence[str], limit: int, offset: int = 0) -> list[DeliveryRow]:
        """Rows in ``states``, newest planned first (the ledger's order), at most ``limit``
        after skipping ``offset`` (a page)."""


class CredentialReads(ABC):
    """Who may submit and who may read: the sources with their credentials, and the subscribers."""

    @abstractmethod
    def sources(self) -> list[Source]: ...

    @abstractmethod
    def subscribers(self) -> list[Subscriber]:
        """Every registered subscriber, disabled ones included, by name."""

    @abstractmethod
    def credential(self, token_hash: str) -> tuple[Source, Credential] | None:
        """The source a token hash belongs to, with its credential state."""

    @abstractmethod
    def credential_of(self, source_id: str) -> Credential | None: ...

    @abstractmethod
    def credentials(self) -> list[Credential]:
        """Every source credential row."""


class AuditReads(ABC):
    """What ``hub audit verify`` compares with the history (issue 12): the chained streams and the
    state they fold to. Read inside :meth:`Store.snapshot` for one committed state."""

    @abstractmethod
    def chained(self, name: str, after: int, limit: int) -> list[ChainedEvent]:
        """A stream's events (or the sources' journal's entries: ``source_journal``) after
        ``after``, with their chain values, in order."""

    @abstractmethod
    def chain_heads(self) -> dict[str, ChainHead]:
        """The head each chained stream recorded at its last append."""

    @abstractmethod
    def registry_entries(self) -> Iterator[RegistryEntry]:
        """Every identity registry entry."""

    @abstractmethod
    def ledger_rows(self) -> Iterator[DeliveryRow]:
        """Every delivery ledger row, oldest first."""

    @abstractmethod
    def account_states(self) -> dict[str, dict[str, Any]]:
        """Each account row as its journal entry holds it (what ``hub audit verify`` compares)."""


class AccountReads(ABC):
    """Accounts read without a transaction (a sign-in must not hold the write lock while the
    password hash is checked)."""

    @abstractmethod
    def accounts(self) -> list[Account]:
        """Every account, disabled ones included, by name."""

    @abstractmethod
    def account_secret(self, name: str) -> tuple[Account, str | None] | None:
        """An account with its password hash (None: no password set)."""

    @abstractmethod
    def account_by_token(self, token_hash: str) -> Account | None: ...

    @abstractmethod
    def account_by_session(self, id_hash: str, now: float) -> tuple[Account, float] | None:
        """The account of a session not expired by ``now``, with its expiry."""


class Store(LogReads, StatusReads, QueueReads, CredentialReads, AuditReads, AccountReads):
    """A backend: every read port stacked, and the factory of transactions."""

    @abstractmethod
    def transaction(self, durable: bool = False) -> AbstractContextManager[Transaction]:
        """``durable``: the commit survives power loss before it returns (ingest needs this;
        processing steps, which are redone identically after a loss, do not)."""

    @abstractmethod
    def snapshot(self) -> AbstractContextManager[None]:
        """Reads of this store inside the block see one committed state (a read-only
        transaction), so a running hub's appends cannot make the log and its state disagree
        mid-audit."""

    @abstractmethod
    def close(self) -> None: ...


#: The ports :class:`Transaction` stacks, and those :class:`Store` stacks, in order.
TRANSACTION_PORTS: tuple[type[ABC], ...] = Transaction.__bases__
STORE_PORTS: tuple[type[ABC], ...] = Store.__bases__
