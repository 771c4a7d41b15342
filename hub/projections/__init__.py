"""Read models projected from the event history, and the runner that keeps them current.

A projection commits its rows and its input positions in one transaction, so a crash never
applies an event twice or skips one. Read models hold nothing that is not derived from events
(times come from the events' envelopes, never from a clock), so rebuilding one from history gives
the same rows: ``hub replay``. They live in SQLite (``views.db``) or, with ``HUB_DATABASE_URL``,
in PostgreSQL beside the log.
"""

from __future__ import annotations

from pathlib import Path

from hub.errors import ConfigError
from hub.projections.base import Projection, ProjectionRunner
from hub.projections.catalogue import PROJECTIONS, all_projections, projection
from hub.projections.ports import ViewStore

__all__ = [
    "PROJECTIONS",
    "Projection",
    "ProjectionRunner",
    "ViewStore",
    "all_projections",
    "open_views",
    "projection",
]


def open_views(data_dir: Path, database_url: str | None) -> ViewStore:
    """The read-model store the settings choose, beside the event log (same rule as
    :func:`hub.storage.open_store`)."""
    if database_url:
        if not database_url.startswith(("postgresql://", "postgres://")):
            raise ConfigError("HUB_DATABASE_URL must be a postgresql:// URL")
        from hub.projections.postgres import PostgresViews

        return PostgresViews(database_url)
    from hub.projections.sqlite import SqliteViews

    return SqliteViews(data_dir / "views.db")
