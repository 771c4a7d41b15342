"""Which fields of a record name an entity's USCC or a special-equipment code: the pack's
``links.json``, read and checked once, for the dossier read model (一企一档 / 一码追溯).

Declared in the pack, not in code, because a bureau that replaces a schema knows which of its
fields name the supervised entity (a counterparty, a respondent, an inspected unit) and which
name an agency. Links decide no verdict, so ``links.json`` is outside the pack's fingerprint:
changing it changes what a dossier shows, never what the hub accepted. The checks here keep
personal data out of the read model: an entity link is a USCC-checked field (or a counterparty
id only when its id type says USCC, never a resident ID), and a title is made only of codes,
code-list values and document numbers shared unconditionally.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.errors import StandardError
from hub.standard.codelists import CodeList
from hub.standard.schema import FieldSpec, RecordType
from hub.standard.sections import type_sections

__all__ = ["LINKS_FILE", "LinkField", "TypeLinks", "load_links"]

LINKS_FILE = "links.json"


@dataclass(frozen=True, slots=True)
class LinkField:
    """A field naming a code, and the values other fields must have for it to count (a
    counterparty id is a USCC only when its id type is the USCC's)."""

    field: str
    when: tuple[tuple[str, frozenset[str]], ...] = ()

    def value(self, record: Mapping[str, Any]) -> str | None:
        """The code this field names in ``record`` (None: absent, masked or not applicable)."""
        for name, allowed in self.when:
            if record.get(name) not in allowed:
                return None
        value = record.get(self.field)
        if not isinstance(value, str) or not value or "*" in value:
            return None
        return value


@dataclass(frozen=True, slots=True)
class TypeLinks:
    """A record type's links: entity (USCC) fields, equipment-code fields, title fields."""

    entity: tuple[LinkField, ...] = ()
    equipment: tuple[LinkField, ...] = ()
    title: tuple[str, ...] = ()


_TITLE_CODE_NORMALIZE = "code"


def _spec(record_type: RecordType, name: str, where: str) -> FieldSpec:
    try:
        return record_type.field(name)
    except KeyError:
        raise StandardError(f"{LINKS_FILE}: {where}: {name!r} is not a field") from None


def _link_field(
    raw: Any, record_type: RecordType, kind: str, codelists: Mapping[str, CodeList]
) -> LinkField:
    where = f"{record_type.type_id}.{kind}"
    if isinstance(raw, str):
        raw = {"field": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("field"), str):
        raise StandardError(f"{LINKS_FILE}: {where}: an entry is a field name or {{'field': ...}}")
    spec = _spec(record_type, raw["field"], where)
    when_raw = raw.get("when", {})
    if not isinstance(when_raw, dict):
        raise StandardError(f"{LINKS_FILE}: {where}.{spec.name}: 'when' is an object")
    when = []
    for name, values in when_raw.items():
        other = _spec(record_type, name, f"{where}.{spec.name}.when")
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise StandardError(f"{LINKS_FILE}: {where}.{spec.name}.when.{name}: a list of codes")
        listed = (
            codelists.get((other.check or "")[5:])
            if (other.check or "").startswith("code:")
            else None
        )
        unknown = sorted(v for v in values if listed is not None and v not in listed)
        if unknown:
            raise StandardError(
                f"{LINKS_FILE}: {where}.{spec.name}.when.{name}: {unknown} not in code list"
                f" {listed.name if listed else ''}"
            )
        when.append((name, frozenset(values)))
    wanted = "uscc" if kind == "entity" else "equipment_code"
    if spec.check == wanted:
        pass
    elif kind == "entity" and spec.check == "counterparty_id" and spec.check_with:
        if spec.check_with not in dict(when):
            raise StandardError(
                f"{LINKS_FILE}: {where}.{spec.name}: a counterparty id names a USCC only by"
                f" its id type: give 'when': {{{spec.check_with!r}: [the USCC's code]}}"
            )
    else:
        raise StandardError(
            f"{LINKS_FILE}: {where}.{spec.name}: hub.check is {spec.check!r}, not {wanted!r}"
        )
    return LinkField(spec.name, tuple(when))


def _title_field(name: Any, record_type: RecordType) -> str:
    where = f"{record_type.type_id}.title"
    if not isinstance(name, str):
        raise StandardError(f"{LINKS_FILE}: {where}: field names")
    spec = _spec(record_type, name, where)
    inner = spec.item or spec
    codeish = (
        inner.check == "doc_number"
        or (inner.check or "").startswith("code:")
        or inner.normalize == _TITLE_CODE_NORMALIZE
    )
    if spec.personal or spec.sharing != "unconditional" or not codeish:
        raise StandardError(
            f"{LINKS_FILE}: {where}.{name}: a title field must be shared unconditionally, not"
            " personal, and a code, code-list value or document number"
        )
    return name


def load_links(
    root: Path, types: Mapping[str, RecordType], codelists: Mapping[str, CodeList]
) -> dict[str, TypeLinks]:
    """The pack's links per record type (empty if the pack has no ``links.json``)."""
    out: dict[str, TypeLinks] = {}
    for type_id, raw, record_type in type_sections(root, LINKS_FILE, types):
        if not isinstance(raw, dict):
            raise StandardError(f"{LINKS_FILE}: {type_id}: an object")
        out[type_id] = TypeLinks(
            entity=tuple(
                _link_field(f, record_type, "entity", codelists) for f in raw.get("entity", [])
            ),
            equipment=tuple(
                _link_field(f, record_type, "equipment", codelists)
                for f in raw.get("equipment", [])
            ),
            title=tuple(_title_field(f, record_type) for f in raw.get("title", [])),
        )
    return out
