"""Read models projected from the event history, and the runner that keeps them current.

A projection commits its rows and its input positions in one transaction, so a crash never
applies an event twice or skips one. Read models hold nothing that is not derived from events
(times come from the events' envelopes, never from a clock), so rebuilding one from history gives
the same rows: ``hub replay``. They live in SQLite (``views.db``) or, with ``HUB_DATABASE_URL``,
in PostgreSQL beside the log (:meth:`hub.backends.Backend.views`).
"""

from __future__ import annotations

from hub.projections.base import ProjectionRunner
from hub.projections.catalogue import PROJECTIONS, all_projections, projection
from hub.projections.ports import ViewStore

__all__ = [
    "PROJECTIONS",
    "ProjectionRunner",
    "ViewStore",
    "all_projections",
    "projection",
]
