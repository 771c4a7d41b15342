"""The push protocol between the hub and the national platform, as plain values (no I/O).

The national platform's real interface is not public, so this protocol is the hub's own contract:
the client adapter (:mod:`hub.national.client`) and the test peer (:mod:`hub.national.sim`) both
speak it, and ``docs/national-protocol.md`` is its reference. Keeping the messages here, apart from
either transport, means a real national interface replaces the adapter and leaves the rest of the
hub (and this module's tests) alone.

Every message is a frozen pydantic dataclass (:class:`~hub.national.wire.Message`): checked when
built, ``to_json()`` for a JSON-ready ``dict`` and ``from_json(value)`` for a parsed JSON value. A
value that does not fit raises :class:`~hub.national.wire.ProtocolError`. The messages only the test
peer speaks (``/v1/accepted``, ``/v1/stats``) live beside it, in :mod:`hub.national.sim.messages`.
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum
from typing import Any, ClassVar, Literal, Self, cast

from pydantic import ValidationInfo, field_validator, model_validator
from pydantic.dataclasses import dataclass
from pydantic_core import PydanticCustomError

from hub.national.wire import (
    ARRAY,
    COUNT,
    NON_EMPTY,
    OPERATION,
    OPTIONAL_TEXT,
    VERSION,
    Checks,
    Count,
    Message,
    NonEmpty,
    Operation,
    OptionalText,
    Text,
    Version,
    wire_fill,
)

__all__ = [
    "HEALTH_PATH",
    "PUSH_PATH",
    "REASON_CONTENT_REJECTED",
    "REASON_OUT_OF_ORDER",
    "TASKS_PATH",
    "ErrorBody",
    "PushBatch",
    "PushItem",
    "PushReply",
    "PushResult",
    "PushStatus",
    "Reason",
    "Task",
    "TaskPage",
    "idempotency_key",
]

PUSH_PATH = "/v1/push"
HEALTH_PATH = "/v1/healthz"
TASKS_PATH = "/v1/tasks"

REASON_CONTENT_REJECTED = "NAT.CONTENT_REJECTED"
REASON_OUT_OF_ORDER = "NAT.OUT_OF_ORDER"


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


# -- push ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reason(Message):
    """Why an item was rejected: a stable ``code`` for programs, a ``message`` for people."""

    checks: ClassVar[Checks] = Checks("reason", {"code": NON_EMPTY, "message": NON_EMPTY})

    code: NonEmpty
    message: Text


@dataclass(frozen=True, slots=True)
class PushItem(Message):
    """One canonical record version offered to the national platform.

    ``content`` is any JSON value and may hold personal data: nothing in this package logs it,
    repeats it in an error, or keeps it beyond the request. It passes through the codec untouched
    (no copy, no conversion), so what is not strict JSON fails in :func:`encode_body` as before.
    """

    checks: ClassVar[Checks] = Checks(
        "item",
        {
            "content": "is missing",
            "idempotency_key": NON_EMPTY,
            "record_id": NON_EMPTY,
            "version": VERSION,
            "record_type": NON_EMPTY,
            "source_id": NON_EMPTY,
            "operation": OPERATION,
        },
    )

    idempotency_key: NonEmpty
    record_id: NonEmpty
    version: Version
    record_type: NonEmpty
    source_id: NonEmpty
    content: Any = dataclasses.field(hash=False, repr=False)
    operation: Operation = (
        "upsert"  # "delete": this version retracts the record (content: its last)
    )

    def to_json(self) -> dict[str, Any]:
        body = self.fields_json(exclude={"content", "operation"})
        body["content"] = self.content
        if self.operation != "upsert":
            body["operation"] = self.operation
        return body


@dataclass(frozen=True, slots=True)
class PushBatch(Message):
    """The body of ``POST /v1/push``: the unit of one HTTP exchange, not of acceptance."""

    checks: ClassVar[Checks] = Checks(
        "batch", {"items": ARRAY, "batch_id": NON_EMPTY}, arrays={"items": PushItem}
    )

    batch_id: NonEmpty
    items: tuple[PushItem, ...]

    def to_json(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "items": [item.to_json() for item in self.items]}


_REJECTED_WITHOUT_REASON = "rejected_without_reason"


@dataclass(frozen=True, slots=True)
class PushResult(Message):
    """The receiver's answer for one idempotency key."""

    checks: ClassVar[Checks] = Checks(
        "result",
        {
            "status": "must be accepted, duplicate or rejected",
            "reasons": ARRAY,
            "national_id": OPTIONAL_TEXT,
            _REJECTED_WITHOUT_REASON: None,
            "idempotency_key": NON_EMPTY,
        },
        arrays={"reasons": Reason},
    )

    idempotency_key: NonEmpty
    status: PushStatus
    national_id: OptionalText = None
    reasons: tuple[Reason, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _reasons_on_the_wire(cls, value: Any) -> Any:
        return wire_fill(value, reasons=None)  # the wire always carries the array

    @field_validator("reasons")
    @classmethod
    def _a_rejection_says_why(cls, reasons: tuple[Reason, ...], info: ValidationInfo) -> Any:
        if info.data.get("status") is PushStatus.REJECTED and not reasons:
            raise PydanticCustomError(
                _REJECTED_WITHOUT_REASON, "a rejected result must carry at least one reason"
            )
        return reasons

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


@dataclass(frozen=True, slots=True)
class PushReply(Message):
    """The body of a ``200`` reply to ``POST /v1/push``.

    One result per item, in any order; a key may appear more than once (duplicate acks), which a
    reader must tolerate.
    """

    checks: ClassVar[Checks] = Checks(
        "reply", {"results": ARRAY, "batch_id": NON_EMPTY}, arrays={"results": PushResult}
    )

    batch_id: NonEmpty
    results: tuple[PushResult, ...]


@dataclass(frozen=True, slots=True)
class ErrorBody(Message):
    """The body of every non-``200`` reply, so a failure names its cause without any content.

    On the wire it is wrapped: ``{"error": {"code": ..., "message": ...}}``.
    """

    checks: ClassVar[Checks] = Checks("error", {"code": NON_EMPTY, "message": NON_EMPTY})

    code: NonEmpty
    message: Text

    def to_json(self) -> dict[str, Any]:
        return {"error": self.fields_json()}

    @classmethod
    def from_json(cls, value: Any) -> Self:
        return cast(Self, _ErrorReply.from_json(value).error)


@dataclass(frozen=True, slots=True)
class _ErrorReply(Message):
    """The wrapper of :class:`ErrorBody` on the wire."""

    checks: ClassVar[Checks] = Checks("error reply", {"error": None}, objects={"error": ErrorBody})

    error: ErrorBody


# -- tasks -----------------------------------------------------------------------------------------


def _kind_fault(value: Any) -> str:
    said = "must be task or risk_clue" if isinstance(value, str) and value else NON_EMPTY
    return f"task.kind {said}"


@dataclass(frozen=True, slots=True)
class Task(Message):
    """Something the national platform pushes down (``GET /v1/tasks``): a supervision task or a
    risk clue for a region, optionally about one record type. The hub routes it, as feedback, to
    every source whose area covers the region (and that may submit the type)."""

    checks: ClassVar[Checks] = Checks(
        "task",
        {
            "kind": _kind_fault,
            "task_id": NON_EMPTY,
            "region_code": NON_EMPTY,
            "record_type": OPTIONAL_TEXT,
            "title": NON_EMPTY,
            "detail": NON_EMPTY,
            "issued_at": NON_EMPTY,
        },
    )

    task_id: NonEmpty
    kind: Literal["task", "risk_clue"]
    region_code: NonEmpty
    record_type: OptionalText
    title: NonEmpty
    detail: Text
    issued_at: NonEmpty  # ISO 8601

    @model_validator(mode="before")
    @classmethod
    def _record_type_may_be_left_out(cls, value: Any) -> Any:
        return wire_fill(value, record_type=None)


@dataclass(frozen=True, slots=True)
class TaskPage(Message):
    """The reply to ``GET /v1/tasks?after=N&limit=M``: tasks after a cursor, in issue order."""

    checks: ClassVar[Checks] = Checks(
        "task page", {"items": ARRAY, "next_cursor": COUNT}, arrays={"items": Task}
    )

    items: tuple[Task, ...]
    next_cursor: Count
