"""Delivery to the national platform: the push protocol, its one client adapter, and a test peer.

- :mod:`hub.national.protocol`: the messages, as plain values (no I/O); see
  ``docs/national-protocol.md``. :mod:`hub.national.wire` is their codec (strict JSON, pydantic
  checks, one error type).
- :mod:`hub.national.client`: :class:`NationalClient`, the only code that talks HTTP to the
  platform. A real national interface replaces this module, nothing else.
- :mod:`hub.national.sim`: ``hub national-sim``, a stand-in receiver with faults on demand, one
  module per job. It is a test peer, not the national platform; import it explicitly where it is
  wanted.
"""

from __future__ import annotations

from hub.national.client import NationalClient
from hub.national.protocol import (
    PushBatch,
    PushItem,
    PushReply,
    PushResult,
    PushStatus,
    Reason,
    idempotency_key,
)

__all__ = [
    "NationalClient",
    "PushBatch",
    "PushItem",
    "PushReply",
    "PushResult",
    "PushStatus",
    "Reason",
    "idempotency_key",
]
