"""Record content in its two forms: Avro values (typed) and canonical JSON (for hashing, merging,
storage and the national push).

JSON form: dates ``YYYY-MM-DD``, timestamps ISO 8601 in UTC (as Avro ``timestamp-millis`` holds
them), decimals as strings, everything else as is. Canonical JSON (sorted keys, no spaces) of the
JSON form is what content hashes are computed over.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

import orjson

from hub.standard.schema import FieldSpec, RecordType

__all__ = [
    "NON_CONTENT",
    "avro_to_json",
    "business_content",
    "canonical_json",
    "content_hash",
    "json_to_avro",
    "version_hash",
]

#: Fields that say who sent a record and when, not what it is: two submissions that differ only
#: here are the same content (a cross-level duplicate).
NON_CONTENT = frozenset({"source_record_id", "updated_at", "submitted_at", "submitter"})


def avro_to_json(value: Any) -> Any:
    """Typed Avro values to their JSON form.

    Done by orjson in C (a round trip): it writes dates and datetimes as ``isoformat()`` does,
    and Decimals go through ``str``. Meant for values decoded from Avro, whose datetimes are UTC
    (timestamp-millis); a datetime in another zone would keep its offset. Measured 3.0x faster
    than a recursive Python conversion on the penalty example (10.3 us -> 3.4 us).
    """
    return orjson.loads(orjson.dumps(value, default=_default))


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} has no JSON form")


def _typed(spec: FieldSpec, value: Any) -> Any:
    if value is None:
        return None
    kind = spec.kind
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "timestamp":
        return dt.datetime.fromisoformat(value)
    if kind == "decimal":
        return Decimal(value)
    if kind == "array" and spec.item is not None:
        return [_typed(spec.item, v) for v in value]
    if kind == "record":
        return {f.name: _typed(f, value.get(f.name)) for f in spec.fields}
    return value


def json_to_avro(record_type: RecordType, content: dict[str, Any]) -> dict[str, Any]:
    """JSON form back to typed Avro values, field by field from the schema."""
    return {spec.name: _typed(spec, content.get(spec.name)) for spec in record_type.fields}


def canonical_json(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def content_hash(content: dict[str, Any], retracted: bool = False) -> str:
    """The hash of a version's content; a retraction hashes differently from the same content
    live, so flipping a version's ``retracted`` flag breaks its hash chain (the audit sees it)."""
    digest = hashlib.sha256(canonical_json(content)).hexdigest()
    if retracted:
        return hashlib.sha256(f"retracted|{digest}".encode()).hexdigest()
    return digest


def business_content(content: dict[str, Any]) -> dict[str, Any]:
    """The content without who-sent-it fields, and without empty values."""
    return {k: v for k, v in content.items() if k not in NON_CONTENT and v is not None}


def version_hash(prev_hash: str | None, record_id: str, version: int, chash: str) -> str:
    """Link of the hash chain of a record's versions."""
    text = f"{prev_hash or ''}|{record_id}|{version}|{chash}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
