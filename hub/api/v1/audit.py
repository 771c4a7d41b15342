"""``/v1/audit``: the auditor's audit verification, what ``hub audit verify`` checks (every
stream's chain, the record versions, the registry, the ledger, the sources, subscribers and
accounts, and every read model against the history), run by the hub and its findings returned.

For auditors only (``Principal.may_audit``): GB/T 39477 keeps administration and audit apart, so
an operator, who acts on the hub, is refused (403) like a viewer. The verification reads the whole
history, so it runs on a worker thread, at most one at a time in a process (a second request
while one runs waits for that one's result instead of starting another), and its last result is
kept with its time: a request takes it while it is younger than ``max_age_s``.

What it does not do here: catch the read models up first (they are compared up to their own
positions, as far as they have applied the log) or check a signed checkpoint (that needs the
checkpoint file: ``hub audit verify --checkpoint``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from hub.api.roles import RoleRefusedError, signed_in
from hub.api.v1.context import Readers, readers
from hub.api.v1.errors import errors
from hub.audit.verify import audit
from hub.domain.accounts import Principal
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.storage.chain import JOURNAL

__all__ = ["MAX_FINDINGS", "router"]

router = APIRouter(prefix="/v1", tags=["audit"])

#: findings returned at most (a hub rewritten wholesale could name every row; the count is exact)
MAX_FINDINGS = 1000


class AuditFinding(BaseModel):
    code: str = Field(description="AUDIT.CHAIN, AUDIT.READ_MODEL, AUDIT.LEDGER, ...")
    where: str = Field(description="a stream, log (the record versions) or a table")
    id: str = Field(description="the record, row or event named")
    version: int | None
    problem_zh: str
    problem_en: str


class AuditReply(BaseModel):
    intact: bool = Field(description="no finding: nothing was altered")
    checked_at: str = Field(description="when this verification finished (ISO 8601 UTC)")
    took_s: float
    cached: bool = Field(description="the last verification's result, not one run for this call")
    versions_checked: int
    events_checked: dict[str, int] = Field(description="events verified per chained stream")
    journal_entries: int = Field(description="changes of sources, subscribers, accounts, actions")
    findings_total: int
    findings: list[AuditFinding] = Field(description=f"the first {MAX_FINDINGS}")


@dataclass
class _Audits:
    """This app's verifications: the one running, and the last result with its time."""

    running: asyncio.Task[AuditReply] | None = None
    last: AuditReply | None = None
    last_at: float = 0.0


def _verify(settings: HubSettings) -> AuditReply:
    started = time.monotonic()
    with EmbeddedHub(settings) as hub:
        report = audit(hub.store, hub.views, hub.codec, timezone=hub.settings.policy().timezone)
    heads = {name: head.count for name, head in report.heads.items()}
    return AuditReply(
        intact=report.intact,
        checked_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        took_s=round(time.monotonic() - started, 3),
        cached=False,
        versions_checked=report.versions,
        events_checked={n: c for n, c in heads.items() if n != JOURNAL},
        journal_entries=heads.get(JOURNAL, 0),
        findings_total=len(report.findings),
        findings=[AuditFinding(**f.to_dict()) for f in report.findings[:MAX_FINDINGS]],
    )


def auditor(principal: Annotated[Principal, Depends(signed_in)]) -> Principal:
    """The signed-in principal if it may read the audit verification; 403 otherwise."""
    if not principal.may_audit:
        raise RoleRefusedError(
            f"角色 {principal.role} 无权查看审计核验（仅审计人员；管理与审计分离，GB/T 39477）"
            f" / the {principal.role} role may not read the audit verification (auditors only:"
            " administration and audit are kept apart, GB/T 39477)"
        )
    return principal


@router.get(
    "/audit",
    response_model=AuditReply,
    responses=errors(403),
    summary="The audit verification (hub audit verify): findings and summary; auditors only",
)
async def verification(
    request: Request,
    _who: Annotated[Principal, Depends(auditor)],
    read: Annotated[Readers, Depends(readers)],
    max_age_s: Annotated[
        float,
        Query(ge=0, le=86400, description="take the last result if younger (0: verify now)"),
    ] = 60,
) -> AuditReply:
    audits: _Audits | None = getattr(request.app.state, "v1_audits", None)
    if audits is None:
        audits = request.app.state.v1_audits = _Audits()
    if audits.last is not None and time.monotonic() - audits.last_at <= max_age_s:
        return audits.last.model_copy(update={"cached": True})
    if audits.running is None:  # the event loop is one thread: no other request is between
        task = asyncio.create_task(asyncio.to_thread(_verify, read.settings))
        audits.running = task

        def done(finished: asyncio.Task[AuditReply], kept: _Audits = audits) -> None:
            kept.running = None
            if not finished.cancelled() and finished.exception() is None:
                kept.last, kept.last_at = finished.result(), time.monotonic()

        task.add_done_callback(done)
    return await asyncio.shield(audits.running)
