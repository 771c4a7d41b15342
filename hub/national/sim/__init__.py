"""``hub national-sim``: a TEST PEER standing in for the national platform; it is not the platform.

The real national interface is out of our reach, so the hub's delivery is exercised against this
receiver instead. It speaks the protocol of :mod:`hub.national.protocol`
(``docs/national-protocol.md``), enforces the rules a real receiver must (each key accepted once,
ever; versions of a record in order) so tests can prove the hub keeps them, and injects the faults
a real network and platform produce (latency, 503s, replies lost after the commit, repeated acks,
content rejections).

It uses the standard library only (and the protocol's codec), listens on 127.0.0.1 only, and keeps
its state in one SQLite file so it survives a restart like a real receiver would. It never logs or
returns an item's ``content``.

One module per job: :mod:`~hub.national.sim.faults` (the settings and the seeded faults),
:mod:`~hub.national.sim.store` (what the receiver keeps), :mod:`~hub.national.sim.handler` (the
HTTP handler), :mod:`~hub.national.sim.server` (start, serve, stop) and
:mod:`~hub.national.sim.messages` (the messages only the test peer speaks).
"""

from __future__ import annotations

from hub.national.sim.faults import SimConfig
from hub.national.sim.server import RunningSim, serve_forever, start_sim

__all__ = [
    "RunningSim",
    "SimConfig",
    "serve_forever",
    "start_sim",
]
