"""Resolution, "enter once, share everywhere": ``resolve(validated, current) -> Resolution``.

``current`` is the registry's entry for the submission's identity (None for a new record). The
canonical content is the current content with the submission's non-empty fields laid over it, so
a city that sends fewer fields than the county does not erase anything. Then:

- no entry: **accepted_new**, version 1;
- the merged business content equals the current one: **duplicate** (provenance only);
- it differs and the submission's ``updated_at`` is older than the current version's: **stale**
  (recorded, not applied);
- otherwise: **accepted_update**, the next version.

Before any of that, ownership (:mod:`hub.processing.ownership`): a source whose area does not
cover the region that owns the record (``owner``) may neither update nor retract it, nor make it a
duplicate of its own; the submission is **rejected** (``SOURCE.NOT_OWNER``) with no record id,
version or content of the record in the verdict, and ``Resolution.refused`` names the owning
region so the stage can tell the owners.

A submission with ``operation`` delete (a front-end database's ``d`` row) **retracts** the record:
a next version with the same content and ``retracted`` set (its content hash says so, so the
chain covers it), verdict accepted_update; a record already retracted makes it a duplicate, an
unknown one a rejection (nothing to retract). A later upsert revives a retracted record as a new
version even when its content is the same as before.

Versions are hash-chained:
``version_hash = sha256(prev_hash | record_id | version | content_hash)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from hub.domain.values import RegistryEntry, Source
from hub.events import Codec, DecodedEvent, Event, derive_id
from hub.events.streams import RECORDS, VERDICTS
from hub.processing.content import (
    avro_to_json,
    business_content,
    content_hash,
    json_to_avro,
    version_hash,
)
from hub.processing.judge import verdict_id
from hub.processing.ownership import refuses
from hub.standard import RecordType
from hub.standard.messages import RULES, render

__all__ = ["Resolution", "record_id_for", "resolve"]


@dataclass(frozen=True, slots=True)
class Resolution:
    outcome: str
    verdict: Event
    record: Event | None = None
    entry: RegistryEntry | None = None  # the registry's new state, when it changed
    refused: str | None = None  # the owning region, when the source may not change the record


def record_id_for(identity_hash: str) -> str:
    """Stable: the same identity always gets the same record id, in every runtime and replay."""
    return derive_id("rec", identity_hash)


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def resolve(
    validated: DecodedEvent,
    current: RegistryEntry | None,
    record_type: RecordType,
    codec: Codec,
    *,
    source: Source | None = None,
    owner: str | None = None,
) -> Resolution:
    """``source`` is the submitting source and ``owner`` the region that owns the matched record
    (:func:`hub.processing.ownership.owner_region`); without a source, ownership is not checked
    (the caller has checked it)."""
    p = validated.payload
    if source is not None and owner is not None and refuses(source, owner):
        return _refused(validated, source, owner)
    _, typed = codec.decode(p["content"])
    incoming = avro_to_json(typed)
    ihash: str = p["identity_hash"]
    if p.get("operation") == "delete":
        return _retract(validated, current, record_type, codec)
    if current is None:
        record_id, version, prev, merged = record_id_for(ihash), 1, None, incoming
        outcome, reason = "accepted_new", None
    else:
        record_id = current.record_id
        merged = {**current.content, **{k: v for k, v in incoming.items() if v is not None}}
        same = business_content(merged) == business_content(current.content)
        if same and not is_retracted(current):  # hashed only for would-be duplicates
            return _no_version(
                validated, current, "duplicate", f"same content as version {current.version}"
            )
        if _time(incoming["updated_at"]) < _time(current.updated_at):
            return _no_version(
                validated,
                current,
                "stale",
                # not the current version's time: that may be another source's data
                f"updated_at {incoming['updated_at']} is older than the current version"
                f" ({current.version})",
            )
        version, prev, outcome = current.version + 1, current.version_hash, "accepted_update"
        merged["updated_at"] = incoming["updated_at"]
        reason = None
    return _versioned(
        validated, record_type, codec, outcome, reason, record_id, version, prev, merged
    )


def is_retracted(entry: RegistryEntry) -> bool:
    return entry.content_hash == content_hash(entry.content, retracted=True)


def _retract(
    validated: DecodedEvent, current: RegistryEntry | None, record_type: RecordType, codec: Codec
) -> Resolution:
    if current is None:
        return Resolution(
            "rejected",
            _verdict(validated, "rejected", None, None, "nothing to retract: no such record"),
        )
    if is_retracted(current):
        return _no_version(
            validated, current, "duplicate", f"already retracted at version {current.version}"
        )
    return _versioned(
        validated,
        record_type,
        codec,
        "accepted_update",
        f"retracted at the source's request (version {current.version} was the last)",
        current.record_id,
        current.version + 1,
        current.version_hash,
        current.content,
        retracted=True,
    )


def _versioned(
    validated: DecodedEvent,
    record_type: RecordType,
    codec: Codec,
    outcome: str,
    reason: str | None,
    record_id: str,
    version: int,
    prev: str | None,
    merged: dict[str, Any],
    retracted: bool = False,
) -> Resolution:
    p = validated.payload
    ihash: str = p["identity_hash"]
    chash = content_hash(merged, retracted)
    vhash = version_hash(prev, record_id, version, chash)
    entry = RegistryEntry(
        ihash, record_id, record_type.type_id, version, chash, vhash, merged["updated_at"], merged
    )
    record = Event(
        stream=RECORDS,
        event_id=derive_id("rv", record_id, version),
        event_type="record.versioned",
        key=record_id,
        correlation_id=validated.event.correlation_id,
        occurred_at=validated.event.occurred_at,
        causation_id=validated.event_id,
        standard_version=validated.event.standard_version,
        producer="hub.resolve",
        payload={
            "record_id": record_id,
            "record_type": record_type.type_id,
            "version": version,
            "identity_hash": ihash,
            "submission_id": p["submission_id"],
            "source_id": p["source_id"],
            "region_code": merged.get("region_code"),
            "content": codec.encode(record_type.full_name, json_to_avro(record_type, merged)),
            "content_hash": chash,
            "prev_hash": prev,
            "version_hash": vhash,
            "retracted": retracted,
        },
    )
    return Resolution(
        outcome, _verdict(validated, outcome, record_id, version, reason), record, entry
    )


def _refused(validated: DecodedEvent, source: Source, owner: str) -> Resolution:
    rule = RULES["SOURCE.NOT_OWNER"]
    zh, en = render(rule, {"scope": source.region_code})  # not the owner's region: its data
    violation = {
        "rule": "SOURCE.NOT_OWNER",
        "severity": rule.severity.value,
        "field": None,
        "message_zh": zh,
        "message_en": en,
    }
    verdict = _verdict(validated, "rejected", None, None, None)
    verdict.payload["violations"] = [*verdict.payload["violations"], violation]
    return Resolution("rejected", verdict, refused=owner)


def _no_version(
    validated: DecodedEvent, current: RegistryEntry, outcome: str, reason: str
) -> Resolution:
    return Resolution(
        outcome, _verdict(validated, outcome, current.record_id, current.version, reason)
    )


def _verdict(
    validated: DecodedEvent,
    outcome: str,
    record_id: str | None,
    version: int | None,
    reason: str | None,
) -> Event:
    p = validated.payload
    payload: dict[str, Any] = {
        "submission_id": p["submission_id"],
        "source_id": p["source_id"],
        "record_type": p["record_type"],
        "source_record_id": p["source_record_id"],
        "outcome": outcome,
        "record_id": record_id,
        "version": version,
        "violations": p["warnings"],
        "changes": p["changes"],
        "reason": reason,
    }
    return Event(
        stream=VERDICTS,
        event_id=verdict_id(p["submission_id"]),
        event_type=f"verdict.{outcome}",
        key=p["source_id"],
        correlation_id=validated.event.correlation_id,
        occurred_at=validated.event.occurred_at,
        causation_id=validated.event_id,
        standard_version=validated.event.standard_version,
        producer="hub.resolve",
        payload=payload,
    )
