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
    └── SerializationError        code SERDE          exit 2   Avro encode/decode failed

A record that breaks the standard is *not* an exception: it is data, and gets a verdict
(``hub.standard.verdict``). Exceptions are for situations where no verdict can be given.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "HubError",
    "InputError",
    "SerializationError",
    "StandardError",
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
