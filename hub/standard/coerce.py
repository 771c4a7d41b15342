"""Turning submitted values (JSON values, or CSV strings) into the Avro values of a record.

JSON input is taken at its word: a number where the standard wants a string (an item code sent as a
number has lost its leading zeros) is a type error. CSV has only strings, so CSV cells are parsed.
A lenient reading that changes how a value is written (``2025/03/01``, ``是``, a timestamp without
an offset) is returned as a change kind, so the verdict records it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from hub.bounds import shape_over

__all__ = [
    "CoercionError",
    "to_bool",
    "to_date",
    "to_decimal",
    "to_double",
    "to_list",
    "to_timestamp",
]

Coerced = tuple[Any, str | None]

# a list in a CSV cell is data from a spreadsheet: bounded before the field's checks walk it
_CELL_DEPTH = 32
_CELL_FIELDS = 2_000
_TRUE = {
    "true": None,
    "1": "boolean_format",
    "是": "boolean_format",
    "y": "boolean_format",
    "yes": "boolean_format",
}
_FALSE = {
    "false": None,
    "0": "boolean_format",
    "否": "boolean_format",
    "n": "boolean_format",
    "no": "boolean_format",
}
_DATE_FORMS = (
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), None),
    (re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"), "date_format"),
    (re.compile(r"(\d{4})(\d{2})(\d{2})"), "date_format"),
    (re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"), "date_format"),
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), "date_format"),
    (re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"), "date_format"),
)
#: A date then a clock time the way people type them: ``2025.6.1 9:30``, ``2025/6/1 09:30:00``,
#: ``2025年6月1日 9时30分``.
_DATE_TIME = re.compile(
    r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*(?:T|\s)\s*"
    r"(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})秒?|分)?"
)
#: Money as written in documents: ``5,000.00``, ``5000元``, ``￥5,000``, ``5000.00 元``.
_MONEY = re.compile(r"[¥￥]?\s*([-+]?[\d,]*\d(?:\.\d+)?)\s*(?:元|人民币|元人民币)?")
_GROUPED = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+]?\d+(?:\.\d+)?")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class CoercionError(ValueError):
    """The value cannot be read as the expected type; ``expected`` names the type for messages."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


def to_bool(value: Any, lenient: bool) -> Coerced:
    if isinstance(value, bool):
        return value, None
    if isinstance(value, str):
        key = value.strip().lower()
        for table, result in ((_TRUE, True), (_FALSE, False)):
            if key in table:
                # "true" in a CSV cell is how CSV writes a boolean; in JSON it is a lenient reading
                return result, table[key] or (None if lenient else "boolean_format")
    raise CoercionError("boolean")


def to_date(value: Any) -> Coerced:
    if isinstance(value, str):
        text = (
            unicodedata.normalize("NFKC", value).strip() if not value.isascii() else value.strip()
        )
        for pattern, kind in _DATE_FORMS:
            match = pattern.fullmatch(text)
            if match:
                try:
                    day = dt.date(int(match[1]), int(match[2]), int(match[3]))
                except ValueError:
                    raise CoercionError("date (YYYY-MM-DD)") from None
                return day, kind
    raise CoercionError("date (YYYY-MM-DD)")


def _typed_date_time(text: str, default_tz: dt.tzinfo) -> dt.datetime | None:
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        return None
    try:
        return dt.datetime(
            int(match[1]),
            int(match[2]),
            int(match[3]),
            int(match[4]),
            int(match[5]),
            int(match[6] or 0),
            tzinfo=default_tz,
        )
    except ValueError:
        raise CoercionError("timestamp (ISO 8601)") from None


def to_timestamp(value: Any, default_tz: dt.tzinfo) -> Coerced:
    if isinstance(value, str):
        text = (
            unicodedata.normalize("NFKC", value).strip() if not value.isascii() else value.strip()
        )
        try:
            stamp = dt.datetime.fromisoformat(text)
        except ValueError:
            typed = _typed_date_time(text, default_tz)
            if typed is not None:
                return typed, "timestamp_format"
            try:
                day, _ = to_date(text)
            except CoercionError:
                raise CoercionError("timestamp (ISO 8601)") from None
            return dt.datetime.combine(day, dt.time(), default_tz), "time_assumed"
        if len(text) == 10:
            return stamp.replace(tzinfo=default_tz), "time_assumed"
        if stamp.tzinfo is None:
            return stamp.replace(tzinfo=default_tz), "timezone_assumed"
        return stamp, None
    if isinstance(value, int) and not isinstance(value, bool):
        return _EPOCH + dt.timedelta(milliseconds=value), "epoch_millis"
    raise CoercionError("timestamp (ISO 8601)")


def _money_text(value: str) -> str | None:
    """``5,000.00元`` as ``5000.00``; None when it is not a number written that way. Commas
    must group thousands (``5,00`` is not read)."""
    text = unicodedata.normalize("NFKC", value).strip()
    match = _MONEY.fullmatch(text)
    if match is None or _GROUPED.fullmatch(match[1]) is None:
        return None
    return match[1].replace(",", "")


def to_decimal(value: Any, scale: int, lenient: bool = False) -> Coerced:
    if isinstance(value, bool):
        raise CoercionError("decimal")
    if isinstance(value, int | float | str):
        kind = None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            written = _money_text(value) if lenient and isinstance(value, str) else None
            if written is None:
                raise CoercionError("decimal") from None
            number, kind = Decimal(written), "number_format"
        if not number.is_finite():
            raise CoercionError("decimal")
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > scale:
            raise CoercionError(f"decimal with at most {scale} decimal places")
        return number.quantize(Decimal(1).scaleb(-scale)), kind
    raise CoercionError("decimal")


def to_double(value: Any, lenient: bool) -> Coerced:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value), None
    if lenient and isinstance(value, str):
        try:
            return float(value.strip()), None
        except ValueError:
            pass
    raise CoercionError("number")


def to_list(value: Any, lenient: bool) -> list[Any]:
    if isinstance(value, list):
        return value
    if lenient and isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                # orjson refuses nesting over 1,024 levels; json recursed until RecursionError
                parsed = orjson.loads(text)
            except orjson.JSONDecodeError:
                raise CoercionError("JSON array") from None
            if shape_over(parsed, _CELL_FIELDS, _CELL_DEPTH) is not None:
                raise CoercionError(f"JSON array (at most {_CELL_DEPTH} levels)")
            if isinstance(parsed, list):
                return parsed
            raise CoercionError("JSON array")
        return [part for part in re.split(r"[;；、]", text) if part.strip()] if text else []
    raise CoercionError("array")
