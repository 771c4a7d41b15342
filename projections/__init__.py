"""Read models projected from the event history, and the runner that keeps them current.

A projection commits its rows and its input positions in one transaction (of ``views.db``), so a
crash never applies an event twice or skips one. Read models hold nothing that is not derived
from events (times come from the events' envelopes, never from a clock), so dropping and
rebuilding one from history gives the same rows: ``hub replay``.
"""

from __future__ import annotations

from projections.base import Projection, ProjectionRunner
from projections.catalogue import PROJECTIONS, all_projections, projection

__all__ = ["PROJECTIONS", "Projection", "ProjectionRunner", "all_projections", "projection"]
