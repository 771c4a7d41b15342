"""What a subscriber's feed may see of a record (guarantee 6, least privilege), and the Avro
schema its values are written with.

Each field of the standard says how it may be shared (``hub.sharing``: 无条件共享 unconditional,
有条件共享 conditional, 不予共享 none) and whether it is personal data (``hub.personal``: ID
numbers, phone numbers, natural persons' names). One rule per sharing class and field kind:

- a field whose level is not among the subscriber's (:attr:`Subscriber.levels`) is **withheld**:
  always null, whatever its type or requiredness, nested fields and list items alike;
- a personal field the subscriber may see by level but not unmasked (``personal`` false) is
  **masked**: a string keeps its first and last character (:func:`mask`), a list of strings
  element-wise; a personal value that is not a string is withheld;
- everything else is as stored.

Because a withheld required field is null, a feed's values do not fit the record type's schema:
:func:`feed_schema` is the record type's schema with every withheld field made nullable and
marked ``"hub.feed": "withheld"``, every masked field marked ``"hub.feed": "masked"`` (its format
rules dropped: ``张*丰`` is a display value, not a name the standard's validator would accept).
A subscriber decodes its feed with :func:`feed_schemas` alone. A subscriber that sees everything
(the national platform) gets the record type's schema unchanged, so its bytes are the stored ones.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from hub.domain.subscribers import Subscriber
from hub.standard import Standard
from hub.standard.schema import FieldSpec, RecordType

__all__ = ["FEED_ATTRIBUTE", "feed_schema", "feed_schemas", "field_view", "mask", "shape"]

MASK = "*"
#: The attribute a feed schema adds to the fields it changes: ``withheld`` or ``masked``.
FEED_ATTRIBUTE = "hub.feed"
#: Format rules a masked value no longer satisfies: dropped from a masked field's schema.
_FORMAT_RULES = ("hub.check", "hub.check_with", "hub.normalize")

View = Literal["as_stored", "masked", "withheld"]


def mask(value: str) -> str:
    """Keep the first and last character, so a reader can tell values apart by eye but not
    recover them: ``张三丰`` → ``张*丰``, an ID number → ``1****************X``, two characters
    → ``**``."""
    if len(value) <= 2:
        return MASK * len(value)
    return value[0] + MASK * (len(value) - 2) + value[-1]


def field_view(spec: FieldSpec, subscriber: Subscriber) -> View:
    """How ``subscriber`` sees the field ``spec`` (the rule of the module docstring). A record
    field seen as stored may still hide some of its own fields (they have their own view)."""
    if spec.sharing not in subscriber.levels:
        return "withheld"
    if spec.personal and not subscriber.personal:
        string = spec.kind == "string" or (
            spec.kind == "array" and spec.item is not None and spec.item.kind == "string"
        )
        return "masked" if string else "withheld"
    return "as_stored"


def shape(
    content: dict[str, Any], record_type: RecordType, subscriber: Subscriber
) -> dict[str, Any]:
    """``content`` (an Avro value of ``record_type``) as ``subscriber`` may see it; fits
    :func:`feed_schema` of the same pair."""
    return _record(content, record_type.fields, subscriber)


def _record(
    value: dict[str, Any], fields: tuple[FieldSpec, ...], subscriber: Subscriber
) -> dict[str, Any]:
    specs = {spec.name: spec for spec in fields}
    return {k: _field(v, specs.get(k), subscriber) for k, v in value.items()}


def _field(value: Any, spec: FieldSpec | None, subscriber: Subscriber) -> Any:
    if spec is None or value is None:
        return value
    view = field_view(spec, subscriber)
    if view == "withheld":
        return None
    if view == "masked":
        if isinstance(value, str):
            return mask(value)
        if isinstance(value, list):
            return [mask(v) if isinstance(v, str) else None for v in value]
        return None
    if spec.fields and isinstance(value, dict):
        return _record(value, spec.fields, subscriber)
    if spec.item is not None and isinstance(value, list):
        return [_field(v, spec.item, subscriber) for v in value]
    return value


# -- the feed's schema ----------------------------------------------------------------------------


def feed_schema(record_type: RecordType, subscriber: Subscriber) -> dict[str, Any]:
    """The Avro schema ``subscriber``'s values of ``record_type`` are written with (see the module
    docstring). Equal to the record type's schema when the subscriber sees every field as
    stored."""
    schema = copy.deepcopy(record_type.avro)
    _fields_schema(schema["fields"], record_type.fields, subscriber)
    return schema


def feed_schemas(standard: Standard, subscriber: Subscriber) -> dict[str, dict[str, Any]]:
    """The feed schema of every record type ``subscriber`` receives, by type id (what an operator
    hands the subscriber: it decodes its feed with these alone)."""
    return {
        type_id: feed_schema(standard.types[type_id], subscriber)
        for type_id in sorted(standard.types)
        if subscriber.receives(type_id)
    }


def _fields_schema(
    raw_fields: list[dict[str, Any]], specs: tuple[FieldSpec, ...], subscriber: Subscriber
) -> None:
    by_name = {spec.name: spec for spec in specs}
    for raw in raw_fields:
        spec = by_name.get(raw["name"])
        if spec is None:
            continue
        view = field_view(spec, subscriber)
        if view == "withheld":
            if not (isinstance(raw["type"], list) and raw["type"][0] == "null"):
                branch = raw["type"][1] if isinstance(raw["type"], list) else raw["type"]
                raw["type"] = ["null", branch]
            raw["default"] = None
            raw[FEED_ATTRIBUTE] = "withheld"
            continue
        if view == "masked":
            for rule in _FORMAT_RULES:
                raw.pop(rule, None)
            raw[FEED_ATTRIBUTE] = "masked"
            continue
        _nested_schema(raw["type"], spec, subscriber)


def _nested_schema(avro_type: Any, spec: FieldSpec, subscriber: Subscriber) -> None:
    if isinstance(avro_type, list):
        for branch in avro_type:
            _nested_schema(branch, spec, subscriber)
        return
    if not isinstance(avro_type, dict):
        return
    if avro_type.get("type") == "record" and spec.fields:
        _fields_schema(avro_type["fields"], spec.fields, subscriber)
    elif avro_type.get("type") == "array" and spec.item is not None:
        items = avro_type["items"]
        if isinstance(items, dict) and items.get("type") == "record" and spec.item.fields:
            _fields_schema(items["fields"], spec.item.fields, subscriber)
