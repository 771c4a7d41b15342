"""A public testing kit: factories of valid codes for tests, demos and a province's own checks."""

from __future__ import annotations

from hub.testing.factories import make_resident_id, make_uscc

__all__ = ["make_resident_id", "make_uscc"]
