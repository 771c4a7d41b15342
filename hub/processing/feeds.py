"""What each outbound feed may see of a record (guarantee 6, least privilege).

A feed is a subscriber's view: the national platform, or other departments. Each field of the
standard says how it may be shared (``hub.sharing``: 无条件共享 unconditional, 有条件共享
conditional, 不予共享 none) and whether it is personal data (``hub.personal``: ID numbers, phone
numbers, natural persons' names). :func:`shape` keeps what a feed is entitled to, masks personal
values it is not entitled to, and blanks fields shared beyond its level. The shaped value still
fits the record type's Avro schema, so a subscriber decodes it with the ``schemas/`` folder alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.standard.schema import FieldSpec, RecordType

__all__ = ["DEPARTMENTS", "FEEDS", "NATIONAL", "FeedPolicy", "mask", "shape"]

MASK = "*"


@dataclass(frozen=True, slots=True)
class FeedPolicy:
    """``name`` names the topics (``out.<name>.<record type>``); ``sharing`` the sharing levels
    the subscriber may see; ``personal`` whether it may see personal data unmasked."""

    name: str
    sharing: frozenset[str]
    personal: bool


#: The national platform: everything the national push carries.
NATIONAL = FeedPolicy("national", frozenset({"unconditional", "conditional", "none"}), True)
#: Other departments (一次录入、多方共享): unconditionally shared fields, personal data masked.
DEPARTMENTS = FeedPolicy("departments", frozenset({"unconditional"}), False)
FEEDS = (NATIONAL, DEPARTMENTS)


def mask(value: str) -> str:
    """Keep the first and last character, so a reader can tell values apart by eye but not
    recover them: ``张三丰`` → ``张*丰``, an ID number → ``1****************X``."""
    if len(value) <= 2:
        return MASK * len(value)
    return value[0] + MASK * (len(value) - 2) + value[-1]


def shape(content: dict[str, Any], record_type: RecordType, policy: FeedPolicy) -> dict[str, Any]:
    """``content`` (an Avro value of ``record_type``) as ``policy`` may see it."""
    return {
        name: _field(value, _spec(record_type.fields, name), policy)
        for name, value in content.items()
    }


def _spec(fields: tuple[FieldSpec, ...], name: str) -> FieldSpec | None:
    for spec in fields:
        if spec.name == name:
            return spec
    return None


def _field(value: Any, spec: FieldSpec | None, policy: FeedPolicy) -> Any:
    if spec is None or value is None:
        return value
    if spec.sharing not in policy.sharing:
        return _blank(value, spec)
    if spec.personal and not policy.personal:
        return _masked(value)
    if spec.fields and isinstance(value, dict):
        return {k: _field(v, _spec(spec.fields, k), policy) for k, v in value.items()}
    if spec.item is not None and isinstance(value, list):
        return [_field(v, spec.item, policy) for v in value]
    return value


def _blank(value: Any, spec: FieldSpec) -> Any:
    """A field the feed may not see: null where the schema allows it, else masked whole. (A
    required number or date shared beyond the feed's level stays: the schema leaves no blank for
    it, and no such field is personal in the standard.)"""
    if not spec.required:
        return None
    if isinstance(value, str):
        return MASK * len(value)
    return _masked(value)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, list):
        return [_masked(v) for v in value]
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    return value  # a number or a date is not personal on its own
