"""The hub's own error tree.

Callers catch these, never a driver's exceptions: adapters translate ``sqlite3``, ``psycopg``,
``aiokafka`` and ``httpx`` errors at their boundary. Each class carries a stable ``code`` (for logs
and API replies) and the CLI exit code it maps to, so a script can tell bad data (1) from a broken
environment (2 and up)::

    HubError                      code HUB            exit 2
    ├── ConfigError               code CONFIG         exit 2   settings that cannot work
    ├── InputError                code INPUT          exit 2   unusable input file or stream
    ├── StandardError             code STANDARD       exit 3   broken or missing standard pack
    │   └── UnknownRecordTypeError  code STANDARD.TYPE  exit 2
    ├── SerializationError        code SERDE          exit 2   Avro encode/decode failed
    ├── StorageError              code STORAGE        exit 4   the event log or a store failed
    │   ├── AlreadyRunningError   code STORAGE.LOCKED exit 4   another hub holds the data directory
    │   ├── ConcurrencyError      code STORAGE.CONFLICT        state changed under us: retry
    │   └── StorageUnavailableError   STORAGE.UNAVAILABLE      the database is unreachable: wait
    │       ├── BrokerUnavailableError  STORAGE.BROKER         the Kafka broker is unreachable
    │       └── RegistryUnavailableError  STORAGE.REGISTRY     the schema registry is unreachable
    ├── SchemaRegistryError       code SCHEMA_REGISTRY exit 2  the schema registry refused a request
    └── DeliveryError             code DELIVERY       exit 5   a destination could not take a push
        ├── TransientDeliveryError    DELIVERY.TRANSIENT       retry later (carries retry_after)
        └── PermanentDeliveryError    DELIVERY.PERMANENT       the destination refused the request

A record that breaks the standard is *not* an exception: it is data, and gets a verdict
(``hub.standard.verdict``). Exceptions are for situations where no verdict can be given.
"""

from __future__ import annotations

__all__ = [
    "AlreadyRunningError",
    "BrokerUnavailableError",
    "ConcurrencyError",
    "ConfigError",
    "DeliveryError",
    "HubError",
    "InputError",
    "PermanentDeliveryError",
    "RegistryUnavailableError",
    "SchemaRegistryError",
    "SerializationError",
    "StandardError",
    "StorageError",
    "StorageUnavailableError",
    "TransientDeliveryError",
    "UnknownRecordTypeError",
]


class HubError(Exception):
    """Base of every error the hub raises on purpose."""

    code = "HUB"
    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class ConfigError(HubError):
    """The settings cannot work (an unknown rule in a severity override, a missing folder...)."""

    code = "CONFIG"


class InputError(HubError):
    """The input cannot be read as records at all (wrong encoding, not JSON Lines/CSV, empty)."""

    code = "INPUT"


class StandardError(HubError):
    """The standard pack (schemas, code lists, region table) is missing or inconsistent."""

    code = "STANDARD"
    exit_code = 3


class UnknownRecordTypeError(StandardError):
    """A record type that the standard pack does not define."""

    code = "STANDARD.TYPE"
    exit_code = 2


class SerializationError(HubError):
    """Avro encoding or decoding failed."""

    code = "SERDE"


class StorageError(HubError):
    """The event log, a state store or a read model failed (disk, lock, corruption)."""

    code = "STORAGE"
    exit_code = 4


class AlreadyRunningError(StorageError):
    """Another hub process holds the data directory."""

    code = "STORAGE.LOCKED"


class ConcurrencyError(StorageError):
    """Another writer changed the state this step read (compare-and-set failed): re-run the step
    on fresh state. Transient by nature; never lost work, since nothing was committed."""

    code = "STORAGE.CONFLICT"


class StorageUnavailableError(StorageError):
    """The database cannot be reached now (restarting, network): nothing was committed; wait and
    go on. The runtime pauses on it instead of stopping."""

    code = "STORAGE.UNAVAILABLE"


class BrokerUnavailableError(StorageUnavailableError):
    """Kafka did not take or give messages in time (broker restarting, network). Whatever was
    not acknowledged is sent again later; consumers are idempotent by event id."""

    code = "STORAGE.BROKER"


class RegistryUnavailableError(StorageUnavailableError):
    """The schema registry does not answer (or answers 5xx): wait and try again, like a database
    outage; nothing is quarantined or lost for it."""

    code = "STORAGE.REGISTRY"


class SchemaRegistryError(HubError):
    """The schema registry refused a request for good: an incompatible schema under a subject,
    a bad URL, an authentication failure. Retrying will not help; an operator must act."""

    code = "SCHEMA_REGISTRY"


class DeliveryError(HubError):
    """A destination (the national platform, a subscriber) could not take a push."""

    code = "DELIVERY"
    exit_code = 5


class TransientDeliveryError(DeliveryError):
    """Worth retrying: a 5xx, a timeout, a refused connection. ``retry_after`` in seconds."""

    code = "DELIVERY.TRANSIENT"

    def __init__(self, message: str, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """Not worth retrying as is: the destination refused the request itself (a 4xx)."""

    code = "DELIVERY.PERMANENT"
