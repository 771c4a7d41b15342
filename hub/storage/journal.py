"""The sources' journal (issue 12): every change to the sources table and to a source's
credential, appended in the same transaction as the change and chained like a stream, so
``hub audit verify`` can fold it and compare the tables with what the hub itself wrote.

Entries are ``(event_id, kind, source_id, "", canonical JSON)``; the JSON holds the fields the
change set (a token only as its SHA-256, as the table keeps it). Pure functions only.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub.domain.values import Source

__all__ = [
    "ACCOUNT_PUT",
    "ACCOUNT_REMOVED",
    "ACTION",
    "ADOPTED",
    "DISABLED",
    "PUT",
    "SUBSCRIBER_PUT",
    "SUBSCRIBER_REMOVED",
    "TOKEN",
    "change_event",
    "fold",
    "fold_accounts",
    "fold_subscribers",
    "source_state",
]

PUT = "source.put"  # level, region_code, department, record_types, principal (if any)
TOKEN = "source.token"  # noqa: S105 - an event type: token_hash
DISABLED = "source.disabled"  # disabled
ADOPTED = "source.adopted"  # an upgrade: the state found when the journal began
#: the subscribers' registry shares the journal (key: the subscriber's name); the fold of the
#: sources skips these kinds and :func:`fold_subscribers` reads only them
SUBSCRIBER_PUT = "subscriber.put"  # every field but the name (hub.storage.subscriber_rows)
SUBSCRIBER_REMOVED = "subscriber.removed"  # {}
#: people's accounts (key: the account's name; hub.storage.account_rows) and their actions
ACCOUNT_PUT = "account.put"  # role, region, disabled, created_at, password (SHA-256), token
ACCOUNT_REMOVED = "account.removed"  # {}
ACTION = "action"  # key: who; action, target, detail, at

_DEFAULTS: dict[str, Any] = {"token_hash": None, "disabled": False}


def change_event(
    source_id: str, kind: str, change: dict[str, Any]
) -> tuple[str, str, str, str, bytes]:
    """One journal entry (a fresh id: two equal changes are two facts)."""
    body = json.dumps(change, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (f"src-{uuid.uuid4().hex}", kind, source_id, "", body.encode("utf-8"))


def fold(entries: Iterable[tuple[str, str, bytes]]) -> dict[str, dict[str, Any]]:
    """``(kind, source_id, body)`` in journal order → the state per source: the sources row's
    fields, and ``credential`` (``token_hash``, ``disabled``) once a token or the disabled flag
    was ever set."""
    state: dict[str, dict[str, Any]] = {}
    for kind, source_id, body in entries:
        if not kind.startswith("source."):  # subscribers', accounts' and actions' entries
            continue
        change = json.loads(body)
        current = state.setdefault(source_id, {})
        if kind in (PUT, ADOPTED):
            current.update({k: change[k] for k in ("level", "region_code", "department")})
            current["record_types"] = list(change["record_types"])
            current["principal"] = change.get("principal")  # older entries have none
        if kind in (TOKEN, DISABLED) or (kind == ADOPTED and "disabled" in change):
            credential = current.setdefault("credential", dict(_DEFAULTS))
            credential.update({k: v for k, v in change.items() if k in _DEFAULTS})
    return state


def source_state(source: Source) -> dict[str, Any]:
    """The journaled fields of a source; ``principal`` only when it has one (entries of a
    source without one are as they were before there was a principal)."""
    state: dict[str, Any] = {
        "level": source.level,
        "region_code": source.region_code,
        "department": source.department,
        "record_types": list(source.record_types),
    }
    if source.principal is not None:
        state["principal"] = source.principal
    return state


def fold_subscribers(entries: Iterable[tuple[str, str, bytes]]) -> dict[str, dict[str, Any]]:
    """``(kind, name, body)`` in journal order → each registered subscriber's fields (as
    :func:`hub.storage.subscriber_rows.entitlement` gives them); a removed one is absent."""
    state: dict[str, dict[str, Any]] = {}
    for kind, name, body in entries:
        if kind == SUBSCRIBER_PUT:
            state[name] = json.loads(body)
        elif kind == SUBSCRIBER_REMOVED:
            state.pop(name, None)
    return state


def fold_accounts(entries: Iterable[tuple[str, str, bytes]]) -> dict[str, dict[str, Any]]:
    """``(kind, name, body)`` in journal order → each account's state (as
    :func:`hub.storage.account_rows.state` gives it); a removed one is absent."""
    state: dict[str, dict[str, Any]] = {}
    for kind, name, body in entries:
        if kind == ACCOUNT_PUT:
            state[name] = json.loads(body)
        elif kind == ACCOUNT_REMOVED:
            state.pop(name, None)
    return state
