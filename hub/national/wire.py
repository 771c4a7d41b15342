"""How a protocol message becomes bytes and back: strict JSON, pydantic checks, one error type.

Every message of the national protocol (:mod:`hub.national.protocol`, and the test peer's own in
:mod:`hub.national.sim.messages`) is a frozen pydantic dataclass deriving from :class:`Message`:
positional construction like any dataclass, checked on construction, ``to_json()`` for a JSON-ready
``dict`` and ``from_json(value)`` for a parsed JSON value.

A value that does not fit raises :class:`ProtocolError`, the codec's single error type (the client
turns it into :class:`~hub.errors.PermanentDeliveryError`, the simulator into a ``400`` reply). Its
text names the first fault in the order the message's :class:`Checks` list them, as
``<message>.<field> must be ...``, and never quotes the value: a peer's reply, hostile or broken,
reaches the hub's logs only as that sentence.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Self

from pydantic import AfterValidator, Field, Strict, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

__all__ = [
    "Checks",
    "Count",
    "Message",
    "NonEmpty",
    "Operation",
    "OptionalText",
    "ProtocolError",
    "Text",
    "Version",
    "decode_body",
    "encode_body",
    "wire_fill",
]


class ProtocolError(ValueError):
    """A message that does not follow the protocol (wrong JSON, a missing or mistyped field)."""


# -- field types: strict (JSON has no coercions: 1 is not "1", true is not 1, 2.0 is not 2) --------

NonEmpty = Annotated[str, Strict(), Field(min_length=1)]
Text = Annotated[str, Strict()]  # may be empty
OptionalText = Annotated[str | None, Strict()]
Count = Annotated[int, Strict(), Field(ge=0)]
Version = Annotated[int, Strict(), Field(ge=1)]


def _upsert_or_delete(value: str) -> str:
    if value not in ("upsert", "delete"):
        raise ValueError("not an operation")  # said as OPERATION by the message's checks
    return value


Operation = Annotated[str, Strict(), AfterValidator(_upsert_or_delete)]  # a str, as rows hold it

NON_EMPTY = "must be a non-empty string"  # also said of a Text field that is not a string
OPTIONAL_TEXT = "must be a string or null"
COUNT = "must be an integer >= 0"
VERSION = "must be an integer >= 1"
ARRAY = "must be a JSON array"
OPERATION = "must be upsert or delete"


@dataclass(frozen=True)
class Checks:
    """What a message checks, in the order it reports the first fault, and how it says it.

    ``order`` maps a field (or a custom error type a validator raises) to the fault's text, said
    after ``<what>.<field>``; a callable gets the offending input and says the whole sentence;
    None means the error's own message, said alone. ``arrays`` and ``objects`` name the fields
    that hold other messages.
    """

    what: str
    order: Mapping[str, str | Callable[[Any], str] | None]
    arrays: Mapping[str, type[Message]] = field(default_factory=dict)
    objects: Mapping[str, type[Message]] = field(default_factory=dict)


class Message:
    """The codec shared by every protocol message (a pydantic dataclass deriving from this)."""

    __slots__ = ()
    checks: ClassVar[Checks]

    def to_json(self) -> dict[str, Any]:
        """The message as a JSON-ready ``dict``, keys in the order of the fields."""
        return self.fields_json()

    def fields_json(self, *, exclude: set[str] | None = None) -> dict[str, Any]:
        """The fields (but ``exclude``) as JSON values: enums as their values, tuples as lists."""
        value: dict[str, Any] = _adapter(type(self)).dump_python(self, mode="json", exclude=exclude)
        return value

    @classmethod
    def from_json(cls, value: Any) -> Self:
        """The message in a parsed JSON value; :class:`ProtocolError` if it does not fit."""
        try:
            message: Self = _adapter(cls).validate_python(value)
        except ValidationError as exc:
            raise ProtocolError(first_fault(cls, exc)) from None
        return message


_ADAPTERS: dict[type[Message], TypeAdapter[Any]] = {}


def _adapter(cls: type[Message]) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(cls)
    if adapter is None:  # a race builds two equal adapters; either will do
        adapter = _ADAPTERS[cls] = TypeAdapter(cls)
    return adapter


def wire_fill(value: Any, **absent: Any) -> Any:
    """``value`` with the keys it lacks set as given, for a model validator (``mode="before"``).

    The wire and the constructor may disagree on what may be left out: ``None`` for a field the
    constructor defaults but the wire requires makes its absence a fault; a valid value fills in
    a field the wire may omit but the constructor requires.
    """
    if not isinstance(value, dict):
        return value
    return {**absent, **value} if absent.keys() - value.keys() else value


def first_fault(cls: type[Message], exc: ValidationError) -> str:
    """The text of the fault a reader meets first, in each message's :class:`Checks` order."""
    faults = [_fault(cls, tuple(error["loc"]), error) for error in exc.errors()]
    return min(faults, key=lambda fault: fault[0])[1] if faults else f"{cls.checks.what} is invalid"


def _fault(
    cls: type[Message], loc: tuple[int | str, ...], error: ErrorDetails
) -> tuple[tuple[int, ...], str]:
    checks = cls.checks
    what = checks.what
    if not loc:  # the value itself: not an object
        return (), f"{what} must be a JSON object"
    name = error["type"] if error["type"] in checks.order else str(loc[0])
    if name not in checks.order:  # not a fault this message names: last, said plainly
        return (len(checks.order),), f"{what}.{name} is invalid"
    rank = list(checks.order).index(name)
    rest = loc[1:]
    if name in checks.arrays and rest and isinstance(rest[0], int):
        inner_rank, text = _fault(checks.arrays[name], rest[1:], error)
        return (rank, rest[0], *inner_rank), text
    if name in checks.objects:
        inner_rank, text = _fault(checks.objects[name], rest, error)
        return (rank, *inner_rank), text
    said = checks.order[name]
    if said is None:
        return (rank,), error["msg"]
    if callable(said):
        return (rank,), said(error.get("input"))
    return (rank,), f"{what}.{name} {said}"


# -- bodies ---------------------------------------------------------------------------------------


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
