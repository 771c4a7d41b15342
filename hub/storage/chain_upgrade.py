"""The upgrade to chained streams (issue 12), on both backends: each stream's older events are
linked once in position order as found and the stream's head recorded (:func:`seal`), and the
sources' journal is started from the tables as they stand (:func:`adopted`). The statements are
shared (placeholders ``?``, adapted per driver); the backend gives how a statement runs in its
open transaction (its connection's ``execute``) and applies the adoption to its journal."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from hub.storage.chain import GENESIS, link
from hub.storage.journal import ADOPTED, change_event
from hub.storage.sql import CREDENTIALS, EVENT_COLUMNS, Cursor, adapt, chained_table

__all__ = ["Many", "Run", "adopted", "seal"]

Run = Callable[[str, Sequence[Any]], Cursor]
Many = Callable[[str, Sequence[Sequence[Any]]], object]


def seal(name: str, placeholder: str, run: Run, many: Many) -> None:
    """Chain the events of ``name`` (stored before streams were chained), in order, once: the
    upgrade adopts its history as it finds it (record versions keep their own chain). ``run``
    runs a statement (the connection's ``execute``), ``many`` one statement over many rows."""
    table = chained_table(name)
    read = adapt(
        f'SELECT {EVENT_COLUMNS} FROM "{table}" WHERE position > ? ORDER BY position LIMIT 1000',  # noqa: S608 - fixed names
        placeholder,
    )
    update = adapt(f'UPDATE "{table}" SET chain = ? WHERE position = ?', placeholder)  # noqa: S608
    prev, count, after = GENESIS, 0, 0
    while rows := run(read, (after,)).fetchall():
        links = []
        for position, event_id, event_type, key, correlation_id, body in rows:
            prev = link(prev, event_id, event_type, key, correlation_id, bytes(body))
            links.append((prev, position))
        many(update, links)
        count += len(rows)
        after = rows[-1][0]
    if count:
        run(
            adapt(
                "INSERT INTO chain_heads (name, position, chain, count) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (name) DO NOTHING",
                placeholder,
            ),
            (name, after, prev, count),
        )


def adopted(run: Run) -> list[tuple[str, str, str, str, bytes]]:
    """The sources' journal entries ("adopted") of the sources and credentials as they stand."""
    credentials = {r[0]: (r[1], bool(r[2])) for r in run(CREDENTIALS, ()).fetchall()}
    events = []
    for source_id, level, region, department, types in run(
        "SELECT source_id, level, region_code, department, record_types FROM sources"
        " ORDER BY source_id",
        (),
    ).fetchall():
        state: dict[str, Any] = {  # as journal.source_state gives it (no principal yet)
            "level": level,
            "region_code": region,
            "department": department,
            "record_types": list(types if isinstance(types, list) else json.loads(types)),
        }
        if source_id in credentials:
            token, disabled = credentials[source_id]
            state |= {"token_hash": token, "disabled": disabled}
        events.append(change_event(source_id, ADOPTED, state))
    return events
