"""Which fields of a record are personal data only when its subject is a natural person: the
pack's ``persons.json``, read and checked once, for masking (:mod:`hub.processing.feeds`).

``hub.personal`` in a schema is static, but a counterparty's name is a company's name (shared)
or a person's name (personal data), its id a USCC or a resident ID number; only the record's own
codes (the counterparty's nature, its id type) tell which. Declared in the pack beside the
schemas, not in code and not in the ``.avsc`` files (their bytes are the standard's version): a
bureau that replaces a schema knows which of its fields name its subject. Masking decides no
verdict, so ``persons.json`` is outside the pack's fingerprint.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hub.errors import StandardError
from hub.standard.codelists import CodeList
from hub.standard.schema import FieldSpec, PersonRule, RecordType
from hub.standard.sections import type_sections

__all__ = ["PERSONS_FILE", "PersonRule", "load_persons"]

PERSONS_FILE = "persons.json"


def _string_field(record_type: RecordType, name: Any, where: str) -> FieldSpec:
    if not isinstance(name, str):
        raise StandardError(f"{PERSONS_FILE}: {where}: a field name")
    try:
        spec = record_type.field(name)
    except KeyError:
        raise StandardError(f"{PERSONS_FILE}: {where}: {name!r} is not a field") from None
    if spec.kind != "string":
        raise StandardError(
            f"{PERSONS_FILE}: {where}: {name!r} is a {spec.kind}, not a string (only strings"
            " are masked)"
        )
    return spec


def _rule(raw: Any, record_type: RecordType, codelists: Mapping[str, CodeList]) -> PersonRule:
    where = record_type.type_id
    if not isinstance(raw, dict):
        raise StandardError(f"{PERSONS_FILE}: {where}: an object")
    when_raw = raw.get("when")
    if not isinstance(when_raw, dict) or not when_raw:
        raise StandardError(f"{PERSONS_FILE}: {where}.when: an object of field → codes")
    when = []
    for name, values in when_raw.items():
        spec = _string_field(record_type, name, f"{where}.when")
        check = spec.check or ""
        listed = codelists.get(check[5:]) if check.startswith("code:") else None
        if listed is None:
            raise StandardError(
                f"{PERSONS_FILE}: {where}.when.{name}: not a code-list field (hub.check code:…)"
            )
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) for v in values)
        ):
            raise StandardError(f"{PERSONS_FILE}: {where}.when.{name}: a list of codes")
        unknown = sorted(v for v in values if v not in listed)
        if unknown:
            raise StandardError(
                f"{PERSONS_FILE}: {where}.when.{name}: {unknown} not in code list {listed.name}"
            )
        when.append((name, frozenset(values)))
    fields_raw = raw.get("fields")
    if not isinstance(fields_raw, list) or not fields_raw:
        raise StandardError(f"{PERSONS_FILE}: {where}.fields: a list of field names")
    fields = frozenset(_string_field(record_type, f, f"{where}.fields").name for f in fields_raw)
    if fields & dict(when).keys():
        raise StandardError(
            f"{PERSONS_FILE}: {where}: a 'when' field cannot be masked (the rule reads it)"
        )
    named: dict[str, str | None] = {}
    for key in ("name", "id"):
        value = raw.get(key)
        if (
            value is not None
            and _string_field(record_type, value, f"{where}.{key}").name not in fields
        ):
            raise StandardError(f"{PERSONS_FILE}: {where}.{key}: {value!r} must be in 'fields'")
        named[key] = value
    return PersonRule(tuple(when), fields, named["name"], named["id"])


def load_persons(
    root: Path, types: Mapping[str, RecordType], codelists: Mapping[str, CodeList]
) -> dict[str, PersonRule]:
    """The pack's natural-person rules per record type (none if the pack has no
    ``persons.json``)."""
    return {
        type_id: _rule(raw, record_type, codelists)
        for type_id, raw, record_type in type_sections(root, PERSONS_FILE, types)
    }
