"""The chain every stream carries (issue 12): each stored event links to the one before it.

``chain = SHA-256(previous chain | event_id | event_type | key | correlation_id | SHA-256(body))``,
hex, kept beside the event (column ``chain``) and never inside it: event ids, bodies and topics
stay exactly as they were. Deleting, rewriting or reordering an event breaks the link of the next
one; a deletion at the end of a stream is seen against ``chain_heads`` (the last position, chain
and count per stream, written in the same transaction as the events) and, once an auditor holds a
signed checkpoint, against that. Pure: the backends call it under their append lock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TypeVar

E = TypeVar("E", bound=tuple[str, str, str, str, bytes])

__all__ = ["GENESIS", "JOURNAL", "first_of_each_id", "link", "links"]

GENESIS = ""  # the "previous chain" of a stream's first event
JOURNAL = "source_journal"  # the sources' change log, chained like a stream


def link(
    prev: str, event_id: str, event_type: str, key: str, correlation_id: str, body: bytes
) -> str:
    """The chain value of one event following ``prev``."""
    digest = hashlib.sha256()
    for part in (prev, event_id, event_type, key, correlation_id, hashlib.sha256(body).hexdigest()):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()


def links(prev: str, events: Sequence[tuple[str, str, str, str, bytes]]) -> list[str]:
    """The chain values of ``events`` appended in order after ``prev`` (a stream's head): what
    both backends store beside the events of one append."""
    out = []
    for event_id, event_type, key, correlation_id, body in events:
        prev = link(prev, event_id, event_type, key, correlation_id, body)
        out.append(prev)
    return out


def first_of_each_id(events: Sequence[E]) -> list[E]:
    """The events in order, an id seen before in the batch skipped (as the unique key would)."""
    seen: set[str] = set()
    out = []
    for e in events:
        if e[0] not in seen:
            seen.add(e[0])
            out.append(e)
    return out
