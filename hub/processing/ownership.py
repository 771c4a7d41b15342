"""Ownership of canonical records: which source may change (update or retract) which record.

A record belongs to its region. A source may change a canonical record only if its area covers
the record's *current* region (judging has already checked the new one): a county its county's
records, a city or province those of the counties below it, the national level all. A type
without a region of its own names a parent type in the standard pack (``hub.owner``): a
rectification belongs to the region of its hazard, found by the hazard's identity, which the
rectification carries.

A refused change is a rejection (rule ``SOURCE.NOT_OWNER``) that tells the refused source nothing
of the record (no record id, version or content), and an ``ownership`` notice to each source that
does cover the record, so the owner learns that someone tried. Pure functions: the resolve stage
reads the registry and the sources, these decide.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from hub.domain.values import RegistryEntry, Source
from hub.events import DecodedEvent, Event, derive_id
from hub.processing.feedback import feedback_event
from hub.standard import RecordType, Standard, identity_hash
from hub.standard.identity import identity_key

__all__ = ["notices", "owner_region", "parent_identity", "refuses"]


def parent_identity(
    standard: Standard, record_type: RecordType, content: Mapping[str, Any], tz: dt.tzinfo
) -> str | None:
    """The identity hash of the record whose region owns ``content`` (None: it owns itself)."""
    if record_type.owner_parent is None:
        return None
    parent = standard.record_type(record_type.owner_parent)
    return identity_hash(identity_key(parent, content, tz))


def owner_region(
    record_type: RecordType, current: RegistryEntry | None, parent: RegistryEntry | None
) -> str | None:
    """The region that owns the record as it stands: its current version's region, or its
    parent's. None when nobody owns it yet (a new record, or a child whose parent the hub has not
    seen: then only judging's check of the incoming region applies)."""
    holder = parent if record_type.owner_parent is not None else current
    if holder is None:
        return None
    region = holder.content.get("region_code")
    return str(region) if region else None


def refuses(source: Source, region: str | None) -> bool:
    """Whether ``source`` may not change a record owned by ``region``."""
    return region is not None and not source.covers(region)


def notices(
    validated: DecodedEvent,
    record_type: RecordType,
    region: str,
    entry: RegistryEntry | None,
    sources: Iterable[Source],
) -> list[Event]:
    """One ``ownership`` feedback event to each enabled source that covers ``region`` and may
    submit the type: who tried, what (update or retract), which record; never the content."""
    p = validated.payload
    action_zh, action_en = (
        ("撤回", "retract") if p.get("operation") == "delete" else ("更新", "update")
    )
    what_zh = f"记录 {entry.record_id}（第 {entry.version} 版）" if entry else "其所属记录"
    what_en = f"record {entry.record_id} (version {entry.version})" if entry else "its record"
    zh = (
        f"报送来源 {p['source_id']} 试图{action_zh}本辖区（{region}）的"
        f"{record_type.title_zh}{what_zh}，已拒绝"
    )
    en = (
        f"source {p['source_id']} tried to {action_en} {record_type.type_id} {what_en}"
        f" of region {region}: refused"
    )
    message = f"{zh} / {en}"
    return [
        feedback_event(
            feedback_id=derive_id("fb-own", p["submission_id"], owner.source_id),
            source_id=owner.source_id,
            kind="ownership",
            submission_id=p["submission_id"],
            record_id=entry.record_id if entry else None,
            version=entry.version if entry else None,
            status="refused",
            messages=[message],
            correlation_id=validated.event.correlation_id,
            occurred_at=validated.event.occurred_at,
            causation_id=validated.event_id,
            producer="hub.resolve",
        )
        for owner in sources
        if owner.source_id != p["source_id"]
        and not owner.disabled
        and owner.covers(region)
        and owner.may_submit(record_type.type_id)
    ]
