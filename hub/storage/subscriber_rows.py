"""The subscribers table, the same on both backends: ``subscribers (name, entitlement)`` with the
entitlement as one canonical JSON text, so the SQL is written once (placeholders ``?``, adapted
per driver) and the audit compares a row with its journal entry field by field. Pure functions
and SQL text only.
"""

from __future__ import annotations

import json
from typing import Any

from hub.domain.subscribers import NATIONAL, SHARING_CLASSES, Subscriber
from hub.storage.journal import SUBSCRIBER_PUT, change_event

__all__ = [
    "DDL",
    "DELETE",
    "SELECT_ALL",
    "SELECT_ONE",
    "UPSERT",
    "canonical",
    "entitlement",
    "from_row",
    "parsed",
    "seed_events",
]

DDL = "CREATE TABLE IF NOT EXISTS subscribers (name TEXT PRIMARY KEY, entitlement TEXT NOT NULL)"
SELECT_ALL = "SELECT name, entitlement FROM subscribers ORDER BY name"
#: placeholders ``?``, adapted per driver (:func:`hub.storage.sql.adapt`)
SELECT_ONE = "SELECT name, entitlement FROM subscribers WHERE name = ?"
UPSERT = (
    "INSERT INTO subscribers (name, entitlement) VALUES (?, ?)"
    " ON CONFLICT (name) DO UPDATE SET entitlement = excluded.entitlement"
)
DELETE = "DELETE FROM subscribers WHERE name = ?"


def entitlement(subscriber: Subscriber) -> dict[str, Any]:
    """Every field but the name, as JSON values (the row's column and the journal's body)."""
    return {
        "record_types": list(subscriber.record_types),
        "regions": list(subscriber.regions),
        "sharing": subscriber.sharing,
        "personal": subscriber.personal,
        "principal": subscriber.principal,
        "description": subscriber.description,
        "disabled": subscriber.disabled,
        "epoch": subscriber.epoch,
    }


def canonical(subscriber: Subscriber) -> str:
    return json.dumps(
        entitlement(subscriber), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )


def parsed(text: str) -> dict[str, Any]:
    """The stored column as a dict; text that is not a JSON object (an edit made outside the hub)
    reads as an empty dict, so the audit names the fields instead of crashing."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def from_row(name: str, text: str) -> Subscriber:
    """A stored row back to the value. A row edited outside the hub into something unreadable
    reads as the least entitlement (no type it could match, unconditional, no personal data,
    disabled), never as more than was registered."""
    v = parsed(text)
    try:
        sharing = SHARING_CLASSES[str(v["sharing"])]
        return Subscriber(
            name=name,
            record_types=tuple(str(t) for t in v["record_types"]),
            regions=tuple(str(r) for r in v["regions"]),
            sharing=sharing,
            personal=bool(v["personal"]),
            principal=None if v["principal"] is None else str(v["principal"]),
            description=str(v["description"]),
            disabled=bool(v["disabled"]),
            epoch=int(v.get("epoch", 0)),
        )
    except (KeyError, TypeError, ValueError):
        return Subscriber(name, record_types=("-unreadable-",), disabled=True)


def seed_events() -> list[tuple[str, str, str, str, bytes]]:
    """The journal entry of the default registration (the national platform)."""
    return [change_event(NATIONAL.name, SUBSCRIBER_PUT, entitlement(NATIONAL))]
