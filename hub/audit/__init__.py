"""Provenance for auditors: ``trace`` (the whole chain of a record or submission) and ``verify``
(recompute every version hash chain and compare the read models with the log)."""

from __future__ import annotations

from hub.audit.trace import TraceEntry, trace
from hub.audit.verify import Finding, Report, audit, verify

__all__ = ["Finding", "Report", "TraceEntry", "audit", "trace", "verify"]
