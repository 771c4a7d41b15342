"""Tampering with a hub's database from outside the hub, as an intruder or a careless operator
would: what the audit's tests (and the runtime contract's) change behind the hub's back."""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg

from hub.projections.sqlite import SqliteViews
from hub.runtime.embedded import EmbeddedHub
from hub.storage.sqlite import SqliteStore

__all__ = ["execute"]


def execute(
    hub: EmbeddedHub, statement: str, params: tuple[Any, ...] = (), *, log: bool = False
) -> None:
    """Raw SQL on the hub's database (the log's with ``log``), as an intruder or a careless
    operator would run it. ``?`` placeholders; the statement must suit both dialects."""
    if isinstance(hub.views, SqliteViews) and isinstance(hub.store, SqliteStore):
        db = sqlite3.connect(hub.store.path if log else hub.views.path)
        db.execute(statement, params)
        db.commit()
        db.close()
        return
    url = hub.settings.database_url
    assert url is not None
    with psycopg.connect(url.get_secret_value(), autocommit=True) as conn:
        conn.execute(statement.replace("?", "%s"), params)
