"""A public testing kit for tests, demos and a province's own checks: one contract suite per port
(:mod:`hub.testing.contracts`), the runtime contract and its harnesses (embedded, distributed),
a synthetic province, factories of valid codes and hostile inputs."""

from __future__ import annotations

from hub.testing.factories import make_resident_id, make_uscc

__all__ = ["make_resident_id", "make_uscc"]
