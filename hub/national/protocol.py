"""The push protocol between the hub and the national platform, as plain values (no I/O).

The national platform's real interface is not public, so this protocol is the hub's own contract:
the client adapter (:mod:`hub.national.client`) and the test peer (:mod:`hub.national.sim`) both
speak it, and ``docs/national-protocol.md`` is its reference. Keeping the messages here, apart from
either transport, means a real national interface replaces the adapter and leaves the rest of the
hub (and this module's tests) alone.

Every message is a frozen dataclass with ``to_json()`` (a JSON-ready ``dict``) and
``from_json(value)`` (a parsed JSON value, checked field by field). A value that does not fit raises
:class:`ProtocolError`, the codec's single error type: the client turns it into
:class:`~hub.errors.PermanentDeliveryError`, the simulator into a ``400`` reply.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Self

__all__ = [
    "ACCEPTED_PATH",
    "HEALTH_PATH",
    "PUSH_PATH",
    "REASON_CONTENT_REJECTED",
    "REASON_OUT_OF_ORDER",
    "STATS_PATH",
    "TASKS_PATH",
    "AcceptedEntry",
    "ErrorBody",
    "ProtocolError",
    "PushBatch",
    "PushItem",
    "PushReply",
    "PushResult",
    "PushStatus",
    "Reason",
    "SimStats",
    "Task",
    "TaskPage",
    "decode_body",
    "encode_body",
    "idempotency_key",
]

PUSH_PATH = "/v1/push"
HEALTH_PATH = "/v1/healthz"
ACCEPTED_PATH = "/v1/accepted"  # test peer only
STATS_PATH = "/v1/stats"  # test peer only
TASKS_PATH = "/v1/tasks"

REASON_CONTENT_REJECTED = "NAT.CONTENT_REJECTED"
REASON_OUT_OF_ORDER = "NAT.OUT_OF_ORDER"


class ProtocolError(ValueError):
    """A message that does not follow the protocol (wrong JSON, a missing or mistyped field)."""


class PushStatus(StrEnum):
    """What the receiver did with one item."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"  # accepted earlier: a re-push after a lost reply
    REJECTED = "rejected"


def idempotency_key(record_id: str, version: int) -> str:
    """The key under which a receiver accepts one record version once, ever.

    It names the version, not the push, so a re-push after a lost reply is recognised as the
    same item by any receiver, whatever batch it travels in.
    """
    return f"{record_id}:{version}"


def encode_body(message: Mapping[str, Any]) -> bytes:
    """Strict JSON (no NaN or Infinity, which other platforms' parsers refuse), UTF-8."""
    try:
        text = json.dumps(message, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        # The exception's text can quote a value from the content; only its class is kept.
        raise ProtocolError(f"not encodable as strict JSON ({exc.__class__.__name__})") from None
    return text.encode("utf-8")


def _refuse_constant(name: str) -> Any:
    raise ProtocolError(f"{name} is not JSON")


def decode_body(body: bytes) -> Any:
    """Parse a body as strict UTF-8 JSON; anything else is a :class:`ProtocolError`."""
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ProtocolError(f"body is not UTF-8 JSON: {exc.__class__.__name__}") from None


# -- field readers: one place that says what a well-formed field is ------------------------------


def _object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ProtocolError(f"{what} must be a JSON object")
    return value


def _str(obj: Mapping[str, Any], name: str, what: str, *, empty: bool = False) -> str:
    value = obj.get(name)
    if not isinstance(value, str) or (not empty and not value):
        raise ProtocolError(f"{what}.{name} must be a non-empty string")
    return value


def _optional_str(obj: Mapping[str, Any], name: str, what: str) -> str | None:
    value = obj.get(name)
    if value is not None and not isinstance(value, str):
        raise ProtocolError(f"{what}.{name} must be a string or null")
    return value


def _int(obj: Mapping[str, Any], name: str, what: str, *, minimum: int = 0) -> int:
    value = obj.get(name)
    # bool is an int in Python but not in JSON; 1.0 is not a version either.
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ProtocolError(f"{what}.{name} must be an integer >= {minimum}")
    return value


def _list(obj: Mapping[str, Any], name: str, what: str) -> list[Any]:
    value = obj.get(name)
    if not isinstance(value, list):
        raise ProtocolError(f"{what}.{name} must be a JSON array")
    return value


# -- push ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reason:
    """Why an item was rejected: a stable ``code`` for programs, a ``message`` for people."""

    code: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}

    @classmethod
    def from_json(cls, value: Any) -> Self:
        obj = _object(value, "reason")
        return cls(_str(obj, "code", "reason"), _str(obj, "message", "reason", empty=True))


@dataclass(frozen=True, slots=True)
class PushItem:
    """One canonical record version offered to the national platform.

    ``content`` is any JSON value and may hold personal data: nothing in this package logs it,
    repeats it in an error, or keeps it beyond the request.
    """

    idempotency_key: str
    record_id: str
    version: int
    record_type: str
    source_id: str
    content: Any = field(hash=False, repr=False)
    operation: str = "upsert"  # "delete": this version retracts the record (content: its last)

    def to_json(self) -> dict[str, Any]:
        body = {
            "idempotency_key": self.idempotency_key,
            "record_id": self.record_id,
            "version": self.version,
            "record_type": self.record_type,
            "source_id": self.source_id,
            "content": self.content,
        }
        if self.operation != "upsert":
            body["operation"] = self.operation
        return body

    @classmethod
    def from_json(cls, value: Any) -> Self:
        obj = _object(value, "item")
        if "content" not in obj:
            raise ProtocolError("item.content is missing")
        return cls(
            idempotency_key=_str(obj, "idempotency_key", "item"),
            record_id=_str(obj, "record_id", "item"),
            version=_int(obj, "version", "item", minimum=1),
            record_type=_str(obj, "record_type", "item"),
            source_id=_str(obj, "source_id", "item"),
            content=obj["content"],
            operation=_operation(obj),
        )


def _operation(obj: Mapping[str, Any]) -> str:
    value = obj.get("operation", "upsert")
    if value not in ("upsert", "delete"):
        raise ProtocolError("item.operation must be upsert or delete")
    return str(value)


@dataclass(frozen=True, slots=True)
class PushBatch:
    """The body of ``POST /v1/push``: the unit of one HTTP exchange, not of acceptance."""

    batch_id: str
    items: tuple[PushItem, ...]

    def to_json(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "items": [item.to_json() for item in self.items]}

    @classmethod
    def from_json(cls, value: Any) -> Self:
        obj = _object(value, "batch")
        items = tuple(PushItem.from_json(item) for item in _list(obj, "items", "batch"))
        return cls(_str(obj, "batch_id", "batch"), items)


@dataclass(frozen=True, slots=True)
class PushResult:
    """The receiver's answer for one idempotency key."""

    idempotency_key: str
    status: PushStatus
    national_id: str | None = None
    reasons: tuple[Reason, ...] = ()

    @property
    def acknowledged(self) -> bool:
        """The national platform holds this version (now or from an earlier push)."""
        return self.status in (PushStatus.ACCEPTED, PushStatus.DUPLICATE)

    @property
    def final(self) -> bool:
        """Whether pushing this key again can change the answer.

        Acceptance and rejections are final; ``NAT.OUT_OF_ORDER`` alone is not: it only says the
        previous version had not arrived yet.
        """
        if self.status is not PushStatus.REJECTED:
            return True
        return any(reason.code != REASON_OUT_OF_ORDER for reason in self.reasons)

    def to_json(self) -> dict[str, Any]:
        return {
            "idempotency_key": self.idempotency_key,
            "status": self.status.value,
            "national_id": self.national_id,
            "reasons": [reason.to_json() for reason in self.reasons],
        }

    @classmethod
    def from_json(cls, value: Any) -> Self:
        obj = _object(value, "result")
        status_text = obj.get("status")
        if status_text not in set(PushStatus):
            raise ProtocolError("result.status must be accepted, duplicate or rejected")
        status = PushStatus(status_text)
        reasons = tuple(Reason.from_json(r) for r in _list(obj, "reasons", "result"))
        national_id = _optional_str(obj, "national_id", "result")
        if status is PushStatus.REJECTED and not reasons:
            raise ProtocolError("a rejected result must carry at least one reason")
        return cls(_str(obj, "idempotency_key", "result"), status, national_id, reasons)


@dataclass(frozen=True, slots=True)
class PushReply:
    """The body of a ``200`` reply to ``POST /v1/push``.

    One result per item, in any order; a key may appear more than once (duplicate acks), which a
    reader must tolerate.
    """

    batch_id: str
    results: tuple[PushResult, ...]

    def to_json(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "results": [r.to_json() for r in self.results]}

    @classmethod
    def from_json(cls, value: Any) -> Self:
        obj = _object(value, "reply")
        results = tuple(PushResult.from_json(r) for r in _list(obj, "results", "reply"))
        return cls(_str(obj, "batch_id", "reply"), results)


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """The body of every non-``200`` reply, so a failure names its cause without any content."""

    code: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}

    @classmethod
    def from_json(cls, value: Any) -> Self:
        obj = _object(_object(value, "error reply").get("error"), "error")
        return cls(_str(obj, "code", "error"), _str(obj, "message", "error", empty=True))


# -- test peer only --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AcceptedEntry:
    """One key the test peer accepted (``GET /v1/accepted``); lets tests check order and counts."""

    idempotency_key: str
    record_id: str
    version: int
    national_id: str
    accepted_at: str  # ISO 8601, UTC
    operation: str = "upsert"

    def to_json(self) -> dict[str, Any]:
        return {
            "idempotency_key": self.idempotency_key,
            "record_id": self.record_id,
            "version": self.version,
            "national_id": self.national_id,
            "accepted_at": self.accepted_at,
            "operation": self.operation,
        }

    @classmethod
    def from_json(cls, value: Any) -> Self:
        obj = _object(value, "accepted entry")
        what = "accepted entry"
        return cls(
            idempotency_key=_str(obj, "idempotency_key", what),
            record_id=_str(obj, "record_id", what),
            version=_int(obj, "version", what, minimum=1),
            national_id=_str(obj, "national_id", what),
            accepted_at=_str(obj, "accepted_at", what),
            operation=_operation(obj),
        )


@dataclass(frozen=True, slots=True)
class SimStats:
    """The test peer's counters (``GET /v1/stats``), kept across restarts.

    ``requests`` counts every ``POST /v1/push``, ``failed_requests`` those answered with an error
    status. Over the items of the successful ones,
    ``items == accepted + duplicates + rejected``; ``out_of_order`` is part of ``rejected``.
    """

    requests: int = 0
    items: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    failed_requests: int = 0
    out_of_order: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "items": self.items,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "failed_requests": self.failed_requests,
            "out_of_order": self.out_of_order,
        }

    @classmethod
    def from_json(cls, value: Any) -> Self:
        obj = _object(value, "stats")
        names = (
            "requests",
            "items",
            "accepted",
            "duplicates",
            "rejected",
            "failed_requests",
            "out_of_order",
        )
        return cls(**{name: _int(obj, name, "stats") for name in names})


@dataclass(frozen=True, slots=True)
class Task:
    """Something the national platform pushes down (``GET /v1/tasks``): a supervision task or a
    risk clue for a region, optionally about one record type. The hub routes it, as feedback, to
    every source whose area covers the region (and that may submit the type)."""

    task_id: str
    kind: str  # "task" or "risk_clue"
    region_code: str
    record_type: str | None
    title: str
    detail: str
    issued_at: str  # ISO 8601

    def to_json(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "kind": self.kind,
            "region_code": self.region_code,
            "record_type": self.record_type,
            "title": self.title,
            "detail": self.detail,
            "issued_at": self.issued_at,
        }

    @classmethod
    def from_json(cls, value: Any) -> Self:
        obj = _object(value, "task")
        kind = _str(obj, "kind", "task")
        if kind not in ("task", "risk_clue"):
            raise ProtocolError("task.kind must be task or risk_clue")
        return cls(
            task_id=_str(obj, "task_id", "task"),
            kind=kind,
            region_code=_str(obj, "region_code", "task"),
            record_type=_optional_str(obj, "record_type", "task"),
            title=_str(obj, "title", "task"),
            detail=_str(obj, "detail", "task", empty=True),
            issued_at=_str(obj, "issued_at", "task"),
        )


@dataclass(frozen=True, slots=True)
class TaskPage:
    """The reply to ``GET /v1/tasks?after=N&limit=M``: tasks after a cursor, in issue order."""

    items: tuple[Task, ...]
    next_cursor: int

    def to_json(self) -> dict[str, Any]:
        return {"items": [t.to_json() for t in self.items], "next_cursor": self.next_cursor}

    @classmethod
    def from_json(cls, value: Any) -> Self:
        obj = _object(value, "task page")
        items = tuple(Task.from_json(t) for t in _list(obj, "items", "task page"))
        return cls(items, _int(obj, "next_cursor", "task page"))
