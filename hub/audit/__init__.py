"""Provenance and evidence for auditors: ``trace`` (the whole chain of a record or submission),
``verify`` / ``audit`` (every stream's chain, the record versions, the registry, the delivery
ledger, the sources and every read model against the history, optionally against a signed
checkpoint: :mod:`hub.audit.checkpoint`)."""

from __future__ import annotations

from hub.audit.trace import TraceEntry, trace
from hub.audit.verify import Finding, Report, audit, verify

__all__ = ["Finding", "Report", "TraceEntry", "audit", "trace", "verify"]
