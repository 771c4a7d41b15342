"""Record types read from the Avro schemas of the standard pack, with the hub's annotations.

The Avro schema is the single description of a record type: its fields and Avro types (which the
event streams use), and the ``hub.*`` attributes (rules, identity, sharing) described in
``schemas/CONVENTIONS.md``. Nothing about a record type is repeated in code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from hub.errors import StandardError

__all__ = ["FieldSpec", "Kind", "PersonRule", "RecordType", "parse_record_type"]

Kind = Literal[
    "string", "boolean", "int", "long", "double", "date", "timestamp", "decimal", "array", "record"
]
Sharing = Literal["unconditional", "conditional", "none"]

_CODE_CHECKS = frozenset(
    {
        "uscc",
        "resident_id",
        "region_code",
        "item_code",
        "impl_list_code",
        "equipment_code",
        "phone",
        "counterparty_id",
    }
)
_SHARING = ("unconditional", "conditional", "none")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field: its Avro kind, whether required, and the hub's rules for it."""

    name: str
    label: str
    kind: Kind
    required: bool
    sharing: Sharing
    personal: bool
    check: str | None = None
    check_with: str | None = None
    max_length: int | None = None
    normalize: str = "text"
    scale: int = 0
    item: FieldSpec | None = None
    fields: tuple[FieldSpec, ...] = ()


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


@dataclass(frozen=True, slots=True)
class RecordType:
    """A record type of the standard."""

    type_id: str
    full_name: str
    title_zh: str
    title_en: str
    fields: tuple[FieldSpec, ...]
    identity: tuple[str, ...]
    identity_doc: str
    event_date: str
    avro: dict[str, Any] = field(repr=False)
    owner_parent: str | None = None  # hub.owner: the type whose record's region decides ownership
    #: persons.json: the fields that are personal when the record's subject is a natural person
    person: PersonRule | None = field(default=None, compare=False)

    @property
    def field_names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)


def _kind_of(avro_type: Any, where: str) -> tuple[Kind, dict[str, Any]]:
    if isinstance(avro_type, str):
        if avro_type in ("string", "boolean", "int", "long", "double"):
            return avro_type, {}  # type: ignore[return-value]
    elif isinstance(avro_type, dict):
        logical = avro_type.get("logicalType")
        base = avro_type.get("type")
        if logical == "date" and base == "int":
            return "date", avro_type
        if logical in ("timestamp-millis", "timestamp-micros") and base == "long":
            return "timestamp", avro_type
        if logical == "decimal" and base == "bytes":
            return "decimal", avro_type
        if base == "array":
            return "array", avro_type
        if base == "record":
            return "record", avro_type
        if base in ("string", "boolean", "int", "long", "double") and logical is None:
            return base, {}
    raise StandardError(f"{where}: unsupported Avro type {avro_type!r}")


def _parse_field(raw: dict[str, Any], where: str) -> FieldSpec:
    name = raw["name"]
    avro_type = raw["type"]
    required = True
    if isinstance(avro_type, list):
        branches = [t for t in avro_type if t != "null"]
        if len(branches) != 1 or len(avro_type) != 2:
            raise StandardError(f'{where}.{name}: only ["null", T] unions are supported')
        required, avro_type = False, branches[0]
    kind, detail = _kind_of(avro_type, f"{where}.{name}")
    sharing = raw.get("hub.sharing", "conditional")
    if sharing not in _SHARING:
        raise StandardError(f"{where}.{name}: hub.sharing must be one of {_SHARING}")
    check = raw.get("hub.check")
    default_normalize = (
        "code" if check in _CODE_CHECKS else "doc_number" if check == "doc_number" else "text"
    )
    item: FieldSpec | None = None
    fields: tuple[FieldSpec, ...] = ()
    if kind == "array":
        item = _parse_field(
            {
                **{k: v for k, v in raw.items() if k.startswith("hub.")},
                "name": name,
                "type": detail["items"],
            },
            where,
        )
    elif kind == "record":
        fields = tuple(_parse_field(f, f"{where}.{name}") for f in detail["fields"])
    label = str(raw.get("doc", name)).split(" — ")[0].strip() or name
    return FieldSpec(
        name=name,
        label=label,
        kind=kind,
        required=required,
        sharing=sharing,
        personal=bool(raw.get("hub.personal", False)),
        check=check,
        check_with=raw.get("hub.check_with"),
        max_length=raw.get("hub.max_length"),
        normalize=raw.get("hub.normalize", default_normalize),
        scale=int(detail.get("scale", 0)) if kind == "decimal" else 0,
        item=item,
        fields=fields,
    )


def parse_record_type(avro: dict[str, Any]) -> RecordType:
    """Read a record type from its Avro schema (already JSON-decoded)."""
    where = str(avro.get("name", "?"))
    try:
        fields = tuple(_parse_field(f, where) for f in avro["fields"])
        names = {f.name for f in fields}
        identity = tuple(avro["hub.identity"]["fields"])
        type_id = avro["hub.type"]
        title = avro.get("hub.title", {})
    except (KeyError, TypeError) as exc:
        raise StandardError(f"schema {where}: missing {exc}") from exc
    for required in ("source_record_id", "updated_at"):
        if required not in names:
            raise StandardError(f"schema {where}: every record type needs {required}")
    for entry in identity:
        if entry.split(":")[0] not in names:
            raise StandardError(f"schema {where}: identity field {entry} is not a field")
    event_date = avro.get("hub.event_date", "updated_at")
    if event_date not in names:
        raise StandardError(f"schema {where}: hub.event_date {event_date} is not a field")
    owner = avro.get("hub.owner", {})
    owner_parent = owner.get("parent") if isinstance(owner, dict) else None
    if owner_parent is None and "region_code" not in names:
        raise StandardError(
            f"schema {where}: a type without region_code needs hub.owner"
            ' {"parent": TYPE}: the region that decides who may change its records'
        )
    namespace = avro.get("namespace", "")
    return RecordType(
        type_id=type_id,
        full_name=f"{namespace}.{avro['name']}" if namespace else avro["name"],
        title_zh=title.get("zh", type_id),
        title_en=title.get("en", type_id),
        fields=fields,
        identity=identity,
        identity_doc=str(avro["hub.identity"].get("doc", "")),
        event_date=event_date,
        avro=avro,
        owner_parent=owner_parent,
    )
