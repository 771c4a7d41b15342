"""Links from an entity's USCC and from a special-equipment code to every record naming them:
the read model behind 一企一档 (an entity's dossier) and 一码追溯 (an equipment unit's life).

Which fields name a USCC or an equipment code is the standard pack's ``links.json``
(:mod:`hub.standard.links`). A row per (code, record type, record id) follows the record's latest
version (``Merge.NEWER``); the key starts with the code, so a dossier is one range scan of the
primary key on both backends, whatever the entity's size (bench/dossier.py).

- **Retraction.** A retraction is a version of its own (``retracted`` in the records stream; its
  content is the last content): the link moves to that version and its title is marked
  ``已撤回``. The dossier query reads the retracted flag of the current version from
  ``records_current`` (written in the same transaction: both read the records stream).
- **A code that changed.** When a new version names another USCC, the row under the old one
  keeps the old version; the dossier query drops links whose version is not the record's
  current version, so the row is inert, not wrong.
- **Types without a link of their own** (a rectification has no USCC; ``hub.owner`` makes it its
  hazard's): ``child_links`` keys them by their parent's record id, which is the parent's
  identity hash (from the identity fields the child carries) as the resolver derives it. The
  dossier hangs them under their hazard.

Titles are made only of the type's label and the fields ``links.json`` names for it (codes,
code-list labels, document numbers; the loader refuses personal or free-text fields).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from hub.events import Codec, DecodedEvent, derive_id
from hub.events.streams import RECORDS
from hub.projections.base import Projection
from hub.projections.tables import Column, Kind, Merge, Row, Table
from hub.standard import Standard, identity_hash, identity_key, load_standard
from hub.standard.links import TypeLinks

__all__ = [
    "CHILD_LINKS",
    "ENTITY_LINKS",
    "EQUIPMENT_LINKS",
    "RETRACTED_MARK",
    "DossierProjection",
    "business_time",
    "title_of",
]

HUB_TZ = dt.timezone(dt.timedelta(hours=8))  # the default of HubSettings.utc_offset_hours
RETRACTED_MARK = "已撤回"
TITLE_MAX = 200


def _link_table(name: str, code: str) -> Table:
    return Table(
        name,
        (
            Column(code),
            Column("record_type"),
            Column("record_id"),
            Column("version", Kind.INT),
            Column("business_time", Kind.TIME, nullable=True),
            Column("region_code", nullable=True),
            Column("title"),
        ),
        key=(code, "record_type", "record_id"),
        merge=Merge.NEWER,
    )


ENTITY_LINKS = _link_table("entity_links", "uscc")
EQUIPMENT_LINKS = _link_table("equipment_links", "equipment_code")
CHILD_LINKS = _link_table("child_links", "parent_id")


def business_time(value: object, tz: dt.tzinfo = HUB_TZ) -> str | None:
    """A record's business time as UTC ISO text: a date is its midnight in the hub's zone."""
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=tz)
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(), tz)
    else:
        return None
    return moment.astimezone(dt.UTC).isoformat()


def _shown(standard: Standard, type_id: str, name: str, value: Any) -> str:
    spec = standard.record_type(type_id).field(name)
    inner = spec.item or spec
    values = value if isinstance(value, list) else [value]
    check = inner.check or ""
    out = []
    for v in values:
        text = str(v)
        if check.startswith("code:"):
            codes = standard.codelists.get(check[5:])
            code = codes.codes.get(text) if codes is not None else None
            text = code.zh if code is not None else text
        out.append(text)
    return "、".join(out)


def title_of(
    standard: Standard, type_id: str, content: Mapping[str, Any], retracted: bool = False
) -> str:
    """The short, non-personal summary of a record: its type label and its title fields."""
    record_type = standard.record_type(type_id)
    links = standard.links.get(type_id, TypeLinks())
    parts = [record_type.title_zh]
    for name in links.title:
        value = content.get(name)
        if value not in (None, "", []):
            parts.append(_shown(standard, type_id, name, value))
    if retracted:
        parts.append(RETRACTED_MARK)
    return " · ".join(parts)[:TITLE_MAX]


class DossierProjection(Projection):
    name = "dossier"
    description = "links from USCCs and equipment codes to every record naming them (一企一档)"
    streams = (RECORDS,)
    tables = (ENTITY_LINKS, EQUIPMENT_LINKS, CHILD_LINKS)

    def __init__(
        self, codec: Codec, standard: Standard | None = None, timezone: dt.tzinfo | None = None
    ) -> None:
        self.codec = codec
        self.standard = standard or load_standard()
        self.tz = timezone or HUB_TZ
        self._types: dict[str, tuple[TypeLinks, str, Any] | None] = {}

    def _type(self, type_id: str) -> tuple[TypeLinks, str, Any] | None:
        """A type's links, its business-time field and its owner's record type (cached)."""
        if type_id not in self._types:
            standard = self.standard
            record_type = standard.types.get(type_id)
            links = standard.links.get(type_id)
            if record_type is None or links is None:
                self._types[type_id] = None
            else:
                parent = (
                    standard.types.get(record_type.owner_parent)
                    if record_type.owner_parent and not links.entity
                    else None
                )
                self._types[type_id] = (links, record_type.event_date, parent)
        return self._types[type_id]

    def rows(self, events: Sequence[DecodedEvent]) -> dict[str, list[Row]]:
        entity: list[Row] = []
        equipment: list[Row] = []
        children: list[Row] = []
        decode = self.codec.decode
        for event in events:
            p = event.payload
            known = self._type(p["record_type"])
            if known is None:
                continue
            links, event_date, parent = known
            _, content = decode(p["content"])
            retracted = bool(p.get("retracted", False))
            when = business_time(content.get(event_date), self.tz) or business_time(
                content.get("updated_at"), self.tz
            )
            region = content.get("region_code") or p.get("region_code")
            title = title_of(self.standard, p["record_type"], content, retracted)
            tail = (p["record_type"], p["record_id"], p["version"], when, region, title)
            for code in {f.value(content) for f in links.entity} - {None}:
                entity.append((code, *tail))
            for code in {f.value(content) for f in links.equipment} - {None}:
                equipment.append((code, *tail))
            if parent is not None:
                parent_id = derive_id("rec", identity_hash(identity_key(parent, content, self.tz)))
                children.append((parent_id, *tail))
        return {
            ENTITY_LINKS.name: entity,
            EQUIPMENT_LINKS.name: equipment,
            CHILD_LINKS.name: children,
        }
