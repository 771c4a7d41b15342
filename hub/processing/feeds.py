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
- a field the pack's ``persons.json`` names for its record type (:mod:`hub.standard.persons`:
  a counterparty's name and id, a supervised object's name) is personal when the record's subject
  is a natural person (its nature or id-type code says so): masked like a personal field in
  such a record, as stored otherwise; and in such a record the subject's name and id are
  replaced by their masked form in every other free-text field (an action name
  ``周超投诉举报核查`` → ``**投诉举报核查``), so the name is not read back from a title;
- everything else is as stored.

Because a withheld required field is null, a feed's values do not fit the record type's schema:
:func:`feed_schema` is the record type's schema with every withheld field made nullable and
marked ``"hub.feed": "withheld"``, every field that is or may be masked marked
``"hub.feed": "masked"`` (its format rules dropped: ``张*丰`` is a display value, not a name the
standard's validator would accept).
A subscriber decodes its feed with :func:`feed_schemas` alone. A subscriber that sees everything
(the national platform) gets the record type's schema unchanged, so its bytes are the stored ones.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from hub.domain.subscribers import Subscriber
from hub.standard import Standard
from hub.standard.schema import FieldSpec, PersonRule, RecordType

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


def field_view(spec: FieldSpec, subscriber: Subscriber, personal: bool = False) -> View:
    """How ``subscriber`` sees the field ``spec`` (the rule of the module docstring);
    ``personal``: the field is personal in this record (``persons.json``), whatever its schema
    says. A record field seen as stored may still hide some of its own fields (they have their
    own view)."""
    if spec.sharing not in subscriber.levels:
        return "withheld"
    if (spec.personal or personal) and not subscriber.personal:
        string = spec.kind == "string" or (
            spec.kind == "array" and spec.item is not None and spec.item.kind == "string"
        )
        return "masked" if string else "withheld"
    return "as_stored"


def shape(
    content: dict[str, Any], record_type: RecordType, subscriber: Subscriber
) -> dict[str, Any]:
    """``content`` (an Avro value of ``record_type``) as ``subscriber`` may see it; fits
    :func:`feed_schema` of the same pair. The one masking rule of the hub: the feeds, the /v1
    API's viewers and the reports all see records through it."""
    rule = record_type.person
    if rule is None or subscriber.personal or not rule.applies(content):
        return _record(content, record_type.fields, subscriber)
    shaped = _record(content, record_type.fields, subscriber, rule.fields)
    secrets = tuple((s, mask(s)) for s in rule.secrets(content))
    return _scrubbed(shaped, record_type.fields, rule, secrets) if secrets else shaped


def _record(
    value: dict[str, Any],
    fields: tuple[FieldSpec, ...],
    subscriber: Subscriber,
    personal: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    specs = {spec.name: spec for spec in fields}
    return {k: _field(v, specs.get(k), subscriber, k in personal) for k, v in value.items()}


def _field(value: Any, spec: FieldSpec | None, subscriber: Subscriber, personal: bool) -> Any:
    if spec is None or value is None:
        return value
    view = field_view(spec, subscriber, personal)
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
        return [_field(v, spec.item, subscriber, False) for v in value]
    return value


def _free_text(spec: FieldSpec) -> bool:
    """A field whose value is prose a name may be written into (no format rule: replacing part
    of it by ``*`` leaves it as valid as it was, and as long)."""
    return spec.check is None and spec.check_with is None and spec.normalize == "text"


def _scrub(text: str, secrets: tuple[tuple[str, str], ...]) -> str:
    for secret, masked in secrets:
        text = text.replace(secret, masked)
    return text


def _scrubbed(
    value: dict[str, Any],
    fields: tuple[FieldSpec, ...],
    rule: PersonRule | None,
    secrets: tuple[tuple[str, str], ...],
) -> dict[str, Any]:
    """``value`` with the subject's name and id masked in every free-text field the rule does not
    mask whole (nested records and lists included)."""
    specs = {spec.name: spec for spec in fields}
    out = {}
    for name, item in value.items():
        spec = specs.get(name)
        if spec is not None and (rule is None or name not in rule.fields):
            item = _scrub_value(item, spec, secrets)
        out[name] = item
    return out


def _scrub_value(value: Any, spec: FieldSpec, secrets: tuple[tuple[str, str], ...]) -> Any:
    if isinstance(value, str):
        return _scrub(value, secrets) if spec.kind == "string" and _free_text(spec) else value
    if isinstance(value, dict) and spec.fields:
        return _scrubbed(value, spec.fields, None, secrets)
    if isinstance(value, list) and spec.item is not None:
        return [_scrub_value(v, spec.item, secrets) for v in value]
    return value


# -- the feed's schema ----------------------------------------------------------------------------


def feed_schema(record_type: RecordType, subscriber: Subscriber) -> dict[str, Any]:
    """The Avro schema ``subscriber``'s values of ``record_type`` are written with (see the module
    docstring). Equal to the record type's schema when the subscriber sees every field as
    stored."""
    schema = copy.deepcopy(record_type.avro)
    rule = record_type.person
    personal = rule.fields if rule is not None else frozenset()
    _fields_schema(schema["fields"], record_type.fields, subscriber, personal)
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
    raw_fields: list[dict[str, Any]],
    specs: tuple[FieldSpec, ...],
    subscriber: Subscriber,
    personal: frozenset[str] = frozenset(),
) -> None:
    by_name = {spec.name: spec for spec in specs}
    for raw in raw_fields:
        spec = by_name.get(raw["name"])
        if spec is None:
            continue
        view = field_view(spec, subscriber, spec.name in personal)
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
