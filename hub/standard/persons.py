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

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.errors import StandardError
from hub.standard.codelists import CodeList
from hub.standard.schema import FieldSpec, RecordType

__all__ = ["PERSONS_FILE", "PersonRule", "load_persons"]

PERSONS_FILE = "persons.json"


@dataclass(frozen=True, slots=True)
class PersonRule:
    """A record type's natural-person rule: the codes that make its subject a natural person
    (any one suffices), the fields that are then personal, and the name and id fields whose
    values are scrubbed from the record's free text."""

    when: tuple[tuple[str, frozenset[str]], ...]
    fields: frozenset[str]
    name: str | None = None
    id: str | None = None

    def applies(self, record: Mapping[str, Any]) -> bool:
        """Whether ``record``'s subject is a natural person by this rule."""
        return any(record.get(name) in codes for name, codes in self.when)

    def secrets(self, record: Mapping[str, Any]) -> tuple[str, ...]:
        """The values of the name and id fields of ``record`` worth scrubbing from free text
        (two characters or more: one character would blank unrelated text), longest first."""
        found = {
            value
            for field in (self.id, self.name)
            if field is not None
            and isinstance(value := record.get(field), str)
            and len(value.strip()) >= 2
        }
        return tuple(sorted(found, key=len, reverse=True))


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
    path = root / PERSONS_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        declared = data["types"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StandardError(f"{PERSONS_FILE} is unreadable: {exc}") from exc
    if not isinstance(declared, dict):
        raise StandardError(f"{PERSONS_FILE}: 'types' is an object")
    out: dict[str, PersonRule] = {}
    for type_id, raw in declared.items():
        record_type = types.get(type_id)
        if record_type is None:
            raise StandardError(f"{PERSONS_FILE}: {type_id!r} is not a record type of the pack")
        out[type_id] = _rule(raw, record_type, codelists)
    return out
