"""Field handlers: each field of a record type compiled once into a function that coerces,
normalises and checks one value on its own (steps 2-4 of ``validator.py`` that need no context).

A handler returns the plain Avro value when there is nothing to report (the common case, and
the cheap one), else a :class:`FieldResult`: the value (or :data:`ABSENT` / :data:`INVALID`), the
findings and the normalisation changes, with paths relative to the field (``""`` for the field
itself, ``[2]`` or ``[2].conclusion`` inside arrays and nested records). Results are immutable and
depend only on the value, so :class:`FieldPlan` memoises them for values that repeat (agency
codes, item codes, code-list values) and stops caching a field whose values do not repeat
(timestamps, source ids).

Checks that need the rest of the record (a region code on the record's date, a counterparty id by
its declared type) are not done here: see ``validator.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, NamedTuple

from hub.standard.checks import Finding
from hub.standard.coerce import (
    CoercionError,
    to_bool,
    to_date,
    to_decimal,
    to_double,
    to_list,
    to_timestamp,
)
from hub.standard.normalize import (
    normalize_code,
    normalize_doc_number,
    normalize_text,
    uscc_letter_o,
)
from hub.standard.schema import FieldSpec

__all__ = [
    "ABSENT",
    "INVALID",
    "SHOWN_LENGTH",
    "FieldPlan",
    "FieldResult",
    "Handler",
    "Inline",
    "array_inline_form",
    "compile_field",
    "inline_form",
    "is_canonical_code",
]

ABSENT: Any = type("Absent", (), {"__repr__": lambda self: "ABSENT"})()
INVALID: Any = type("Invalid", (), {"__repr__": lambda self: "INVALID"})()

SubFinding = tuple[str, Finding]  # (sub-path, finding)
SubChange = tuple[str, tuple[str, ...], str, str]  # (sub-path, kinds, before, after)
ValueCheck = Callable[[str], tuple[Finding, ...]]

_NORMALIZERS = {"code": normalize_code, "text": normalize_text, "doc_number": normalize_doc_number}
SHOWN_LENGTH = 60  # longest value echoed in a message or a change
_SHOWN = SHOWN_LENGTH


class FieldResult(NamedTuple):
    value: Any
    findings: tuple[SubFinding, ...] = ()
    changes: tuple[SubChange, ...] = ()


#: Returns the plain Avro value when there is nothing to report, else a FieldResult.
Handler = Callable[[Any, bool], Any]


def shown(value: str) -> str:
    """A value as echoed to users: long values cut."""
    return value if len(value) <= _SHOWN else value[:_SHOWN] + "…"


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    names = {
        bool: "boolean",
        int: "number",
        float: "number",
        str: "string",
        list: "array",
        dict: "object",
    }
    return names.get(type(value), type(value).__name__)


def _type_error(expected: str, value: Any) -> FieldResult:
    finding = Finding("SCHEMA.TYPE", {"expected": expected, "actual": type_name(value)})
    return FieldResult(INVALID, (("", finding),))


#: What a cell of each kind must look like, in an officer's terms (rule VALUE.FORM).
_FORMS = {
    "decimal": ("数字", "a number", "5000.00"),
    "double": ("数字", "a number", "3.5"),
    "int": ("整数", "a whole number", "12"),
    "long": ("整数", "a whole number", "12"),
    "date": ("日期", "a date", "2025-06-01"),
    "timestamp": ("日期时间", "a date and time", "2025-06-01 09:30"),
    "boolean": ("是或否", "是 or 否 (yes or no)", "是"),
}


def _form_error(kind: str) -> FieldResult:
    zh, en, example = _FORMS.get(kind, ("正确的格式", "in the right form", "-"))
    finding = Finding("VALUE.FORM", {"form_zh": zh, "form_en": en, "example": example})
    return FieldResult(INVALID, (("", finding),))


_REQUIRED = Finding("SCHEMA.REQUIRED")
fromisoformat = dt.datetime.fromisoformat
_ABSENT_RESULT = FieldResult(ABSENT)


class Inline(NamedTuple):
    """A test a compiled record pass runs in line, before calling a field's handler:

    - ``text``: a string with nothing to trim, 1 to ``limit`` characters, is its own value;
    - ``code``: a canonical code (ASCII letters and digits, upper case, at most ``limit``) is its
      own value when ``check`` (the field's context-free check, if any) finds nothing;
    - ``timestamp``: ISO 8601 with an offset and nothing to trim is read as it is written;
    - ``text_list`` / ``code_list``: a JSON array whose items all pass the ``text`` test, or the
      ``code`` test of a code without a check, is a new list of the same items.

    A value that fails the test goes to the handler, which decides; so a test may only accept
    values the handler would return unchanged and without findings."""

    kind: str
    limit: int = 0
    check: ValueCheck | None = None


def _limit(spec: FieldSpec, max_length: int) -> int:
    return min(spec.max_length or max_length, max_length)


def _plain_text(spec: FieldSpec, check: ValueCheck | None) -> bool:
    """A free-text field with no check: only trimming and the length limit apply."""
    return spec.normalize == "text" and check is None and spec.check != "uscc"


def inline_form(spec: FieldSpec, check: ValueCheck | None, max_length: int) -> Inline | None:
    """The in-line test of a field (see :class:`Inline`), None for fields without one.
    ``check`` is the field's context-free check, as given to :func:`compile_field`."""
    if spec.kind == "string" and _plain_text(spec, check):
        return Inline("text", _limit(spec, max_length))
    if spec.kind == "string" and spec.normalize == "code" and spec.check != "uscc":
        # (a USCC field also reads the letter O as a zero: left to its handler)
        return Inline("code", _limit(spec, max_length), check)
    if spec.kind == "timestamp":
        return Inline("timestamp")
    return None


def array_inline_form(
    spec: FieldSpec, item_check: ValueCheck | None, max_length: int
) -> Inline | None:
    """The in-line test of an array field from its item's (``text_list`` or ``code_list``).
    ``item_check`` is the item's context-free check."""
    if spec.kind != "array" or spec.item is None:
        return None
    item = inline_form(spec.item, item_check, max_length)
    if item is not None and item.kind == "text":
        return Inline("text_list", item.limit)
    if item is not None and item.kind == "code" and item.check is None:
        return Inline("code_list", item.limit)
    return None


def is_canonical_code(value: str) -> bool:
    """What :func:`~hub.standard.normalize.normalize_code` leaves as it is, tested cheaply."""
    return value.isascii() and value.isalnum() and (value.isdigit() or value.isupper())


def _string_handler(spec: FieldSpec, check: ValueCheck | None, max_length: int) -> Handler:
    normalize = _NORMALIZERS[spec.normalize]
    letter_o = spec.check == "uscc"
    limit = _limit(spec, max_length)

    def fast_text(value: Any, lenient: bool) -> Any:
        # str.strip() returns the very object when there is nothing to strip
        if type(value) is str and value.strip() is value and 0 < len(value) <= limit:
            return value
        return handle(value, lenient)

    def handle(value: Any, lenient: bool) -> Any:
        if type(value) is not str:
            return _type_error("string", value)
        new, kinds = normalize(value)
        if letter_o:
            new, more = uscc_letter_o(new)
            kinds += more
        if not new:
            return FieldResult(ABSENT)
        changes: tuple[SubChange, ...] = (("", kinds, shown(value), shown(new)),) if kinds else ()
        if len(new) > limit:
            finding = Finding("SCHEMA.MAX_LENGTH", {"length": len(new), "limit": limit})
            return FieldResult(INVALID, (("", finding),), changes)
        findings = check(new) if check is not None else ()
        if not findings and not changes:
            return new
        return FieldResult(new, tuple(("", f) for f in findings), changes)

    def fast_code(value: Any, lenient: bool) -> Any:
        # an already-canonical code (ASCII letters and digits, upper case) normalises to itself
        if (
            type(value) is str
            and value.isascii()
            and value.isalnum()
            and (value.isdigit() or value.isupper())
            and len(value) <= limit
            and not (letter_o and "O" in value)
        ):
            if check is None:
                return value
            findings = check(value)
            if not findings:
                return value
            return FieldResult(value, tuple(("", f) for f in findings))
        return handle(value, lenient)

    if _plain_text(spec, check):
        return fast_text
    if normalize is normalize_code:
        return fast_code
    return handle


def _scalar_handler(spec: FieldSpec, tz: dt.tzinfo) -> Handler:
    kind = spec.kind
    scale = spec.scale

    def coerce(value: Any, lenient: bool) -> tuple[Any, str | None]:
        if kind == "date":
            return to_date(value)
        if kind == "timestamp":
            return to_timestamp(value, tz)
        if kind == "boolean":
            return to_bool(value, lenient)
        if kind == "decimal":
            return to_decimal(value, scale, lenient)
        if kind == "double":
            return to_double(value, lenient)
        if isinstance(value, int) and not isinstance(value, bool):
            return value, None
        if lenient and isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip()), None
        raise CoercionError("integer")

    def fast_timestamp(value: Any, lenient: bool) -> Any:
        # ISO 8601 with an offset, as sources and the hub itself write it: no change to record
        if type(value) is str and len(value) > 10 and value.isascii() and value.strip() is value:
            try:
                stamp = fromisoformat(value)
            except ValueError:
                pass
            else:
                if stamp.tzinfo is not None:
                    return stamp
        return handle(value, lenient)

    def handle(value: Any, lenient: bool) -> Any:
        if value == "":
            return FieldResult(ABSENT)
        try:
            new, kind_changed = coerce(value, lenient)
        except CoercionError as exc:
            if lenient and isinstance(value, str):
                return _form_error(kind)
            return _type_error(exc.expected, value)
        if kind_changed is None and not (kind == "decimal" and new < 0):
            return new
        changes: tuple[SubChange, ...] = ()
        if kind_changed is not None:
            after = new.isoformat() if hasattr(new, "isoformat") else str(new)
            changes = (("", (kind_changed,), shown(str(value)), after),)
        if kind == "decimal" and new < 0:
            return FieldResult(INVALID, (("", Finding("VALUE.NEGATIVE")),), changes)
        return FieldResult(new, (), changes)

    return fast_timestamp if kind == "timestamp" else handle


def _array_handler(item: Handler, item_required: bool, inline: Inline | None) -> Handler:
    limit = inline.limit if inline is not None else 0
    text = inline is not None and inline.kind == "text"
    code = inline is not None and inline.kind == "code" and inline.check is None

    def clean(value: Any, lenient: bool) -> Any:
        # strings that are their own values (the item's in-line test), then any JSON array whose
        # items all pass as they are: a new list of their values
        if type(value) is list:
            if text:
                for raw in value:
                    if type(raw) is not str or raw.strip() is not raw or not 0 < len(raw) <= limit:
                        break
                else:
                    return list(value)
            elif code:
                for raw in value:
                    if (
                        type(raw) is not str
                        or not (raw.isascii() and raw.isalnum())
                        or not (raw.isdigit() or raw.isupper())
                        or len(raw) > limit
                    ):
                        break
                else:
                    return list(value)
            return fast(value, lenient)
        return handle(value, lenient)

    def fast(value: Any, lenient: bool) -> Any:
        if type(value) is list:
            out = []
            for raw in value:
                got = item(raw, lenient) if raw is not None else _ABSENT_RESULT
                if type(got) is FieldResult:
                    return handle(value, lenient)
                out.append(got)
            return out
        return handle(value, lenient)

    def handle(value: Any, lenient: bool) -> Any:
        try:
            values = to_list(value, lenient)
        except CoercionError as exc:
            return _type_error(exc.expected, value)
        plain = [item(raw, lenient) if raw is not None else _ABSENT_RESULT for raw in values]
        if not any(type(r) is FieldResult for r in plain):
            return plain
        out: list[Any] = []
        findings: list[SubFinding] = []
        changes: list[SubChange] = []
        invalid = False
        for i, got in enumerate(plain):
            result = got if type(got) is FieldResult else FieldResult(got)
            prefix = f"[{i}]"
            findings.extend((prefix + p, f) for p, f in result.findings)
            changes.extend((prefix + c[0], *c[1:]) for c in result.changes)
            if result.value is ABSENT and item_required:
                findings.append((prefix, _REQUIRED))
                invalid = True
            elif result.value is INVALID:
                invalid = True
            out.append(None if result.value is ABSENT else result.value)
        return FieldResult(INVALID if invalid else out, tuple(findings), tuple(changes))

    return clean if text or code else fast


def _record_handler(specs: tuple[FieldSpec, ...], handlers: tuple[Handler, ...]) -> Handler:
    known = frozenset(spec.name for spec in specs)
    pairs = tuple(zip(specs, handlers, strict=True))

    def handle(value: Any, lenient: bool) -> Any:
        if not isinstance(value, dict):
            return _type_error("object", value)
        findings: list[SubFinding] = [
            ("." + shown(str(key)), Finding("SCHEMA.UNKNOWN_FIELD"))
            for key in value
            if key not in known
        ]
        changes: list[SubChange] = []
        out: dict[str, Any] = {}
        invalid = bool(findings)
        for spec, handler in pairs:
            raw = value.get(spec.name)
            got = _ABSENT_RESULT if raw is None else handler(raw, lenient)
            result = got if type(got) is FieldResult else FieldResult(got)
            prefix = "." + spec.name
            findings.extend((prefix + p, f) for p, f in result.findings)
            changes.extend((prefix + c[0], *c[1:]) for c in result.changes)
            if result.value is ABSENT:
                if spec.required:
                    findings.append((prefix, _REQUIRED))
                    invalid = True
                out[spec.name] = None
            elif result.value is INVALID:
                invalid = True
            else:
                out[spec.name] = result.value
        return FieldResult(INVALID if invalid else out, tuple(findings), tuple(changes))

    return handle


def compile_field(
    spec: FieldSpec,
    value_check: Callable[[FieldSpec], ValueCheck | None],
    tz: dt.tzinfo,
    max_length: int,
) -> Handler:
    """The handler of one field. ``value_check`` gives the context-free check of a spec."""
    if spec.kind == "string":
        return _string_handler(spec, value_check(spec), max_length)
    if spec.kind == "array":
        assert spec.item is not None
        item = compile_field(spec.item, value_check, tz, max_length)
        inline = inline_form(spec.item, value_check(spec.item), max_length)
        return _array_handler(item, spec.item.required, inline)
    if spec.kind == "record":
        handlers = tuple(compile_field(f, value_check, tz, max_length) for f in spec.fields)
        return _record_handler(spec.fields, handlers)
    return _scalar_handler(spec, tz)


class FieldPlan:
    """A top-level field's handler with memos of its results per value (one per reading mode).

    The validator looks values up in ``strict``/``lenient`` itself (a method call per field costs
    as much as the lookup) and calls :meth:`miss` on a miss. After ``PROBE`` records it calls
    :meth:`review`: a field whose values rarely repeat (timestamps, ids) stops caching, since
    memoising unique values costs memory and time and saves nothing.
    """

    __slots__ = ("handler", "inline", "lenient", "misses", "name", "required", "spec", "strict")

    PROBE = 2_000
    MIN_HIT_RATE = 0.3
    LIMIT = 50_000

    def __init__(self, spec: FieldSpec, handler: Handler, inline: Inline | None = None) -> None:
        self.spec = spec
        self.name = spec.name
        self.required = spec.required
        self.handler = handler
        self.inline = inline
        # plain text is cheaper to test in line than to look up: never memoised
        memoised = inline is None or inline.kind != "text"
        self.strict: dict[str, Any] | None = {} if memoised else None
        self.lenient: dict[str, Any] | None = {} if memoised else None
        self.misses = 0

    def miss(self, value: str, lenient: bool) -> Any:
        result = self.handler(value, lenient)
        cache = self.lenient if lenient else self.strict
        if cache is not None:
            if len(cache) >= self.LIMIT:
                cache.clear()
            cache[value] = result
        self.misses += 1
        return result

    def review(self, records: int) -> None:
        if self.misses > records * (1 - self.MIN_HIT_RATE):
            self.strict = self.lenient = None
