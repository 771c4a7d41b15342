"""Record identity: the business key from the standard's identity rule, after normalisation.

The key is what "enter once, share everywhere" deduplicates on: the same inspection sent by a
county and by its city, with different local ids and formatting, normalises to the same key. The
key may hold personal data (an officer's ID number), so it is only ever stored or shown hashed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from hub.standard.schema import RecordType

__all__ = ["identity_function", "identity_hash", "identity_key"]


def _part(value: Any, as_date: bool, tz: dt.tzinfo) -> str:
    if isinstance(value, dt.datetime):
        local = value.astimezone(tz)
        return local.date().isoformat() if as_date else local.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def identity_key(
    record_type: RecordType, record: Mapping[str, Any], tz: dt.tzinfo
) -> tuple[str, ...]:
    """The identity of a valid, normalised record: its type then one string per identity entry."""
    parts = [record_type.type_id]
    for entry in record_type.identity:
        name, _, modifier = entry.partition(":")
        parts.append(_part(record.get(name), modifier == "date", tz))
    return tuple(parts)


def identity_function(
    record_type: RecordType, tz: dt.tzinfo
) -> Callable[[Mapping[str, Any]], tuple[str, ...]]:
    """:func:`identity_key` of one record type, with its entries parsed once (the validator
    computes the key of every record it judges). A string part is the field's value itself, so a
    masked value shows in the key as it is (see ``MASK_CHAR``)."""
    head = record_type.type_id
    entries = tuple(
        (name, modifier == "date")
        for name, _, modifier in (entry.partition(":") for entry in record_type.identity)
    )

    datetime = dt.datetime

    def key(record: Mapping[str, Any]) -> tuple[str, ...]:
        parts = [head]
        get = record.get
        for name, as_date in entries:
            value = get(name)
            if type(value) is str:
                parts.append(value)
            elif type(value) is datetime:
                # already at the offset (the usual case): the same wall time, no conversion
                local = value if value.tzinfo == tz else value.astimezone(tz)
                parts.append(local.date().isoformat() if as_date else local.isoformat())
            else:
                parts.append(_part(value, as_date, tz))
        return tuple(parts)

    return key


def identity_hash(key: tuple[str, ...]) -> str:
    """A stable SHA-256 of an identity key (unit separator between parts, so no part can bleed)."""
    return hashlib.sha256("\x1f".join(key).encode("utf-8")).hexdigest()
