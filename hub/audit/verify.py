"""``hub audit verify``: is the history intact, and is everything built from it what it says?

1. Every stream and the sources' journal, link by link (:mod:`hub.audit.chains`): an event
   altered, deleted (at the end too) or inserted is named; with a signed checkpoint, any rewrite
   before its heads, even one that recomputed every hash (:mod:`hub.audit.checkpoint`).
2. In the log, each record's versions are numbered 1..n, hash their content and link.
3. The identity registry, the delivery ledger, the sources table and the credentials, the
   subscribers and the accounts against their events (:mod:`hub.audit.state`).
4. The versions read model holds exactly the log's versions, the current-records read model
   points at each record's last one, and every read model's rows are what a fresh build from the
   history makes (:mod:`hub.audit.models`).
Any difference is a :class:`~hub.audit.findings.Finding` naming where, which row and what.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hub.audit.chains import check_chains
from hub.audit.checkpoint import Signed
from hub.audit.findings import Finding
from hub.audit.models import check_read_models
from hub.audit.state import (
    Version,
    check_accounts,
    check_ledger,
    check_log,
    check_registry,
    check_sources,
    check_subscribers,
    last_versions,
)
from hub.events import Codec
from hub.processing.content import content_hash, version_hash
from hub.projections.ports import ViewStore
from hub.projections.records import CURRENT, VERSIONS
from hub.storage.ports import ChainHead, Store

__all__ = ["Finding", "Report", "audit", "verify"]


@dataclass(frozen=True, slots=True)
class Report:
    findings: list[Finding]
    heads: dict[str, ChainHead]  # each chained stream's head as verified (what a checkpoint signs)
    versions: int  # record versions checked

    @property
    def intact(self) -> bool:
        return not self.findings


def audit(
    store: Store,
    views: ViewStore,
    codec: Codec,
    checkpoint: Signed | None = None,
    *,
    timezone: dt.tzinfo | None = None,
) -> Report:
    """Everything :func:`verify` checks, with the heads it verified. The log and the state it
    explains are read in one snapshot (a running hub cannot make them disagree mid-audit); the
    read models are compared afterwards, built aside up to their own positions (``timezone``:
    the hub's, for the read models that count per day)."""
    with store.snapshot():
        findings, heads = check_chains(
            store,
            codec,
            checkpoint.heads if checkpoint else None,
            checkpoint.made_at if checkpoint else "",
        )
        log_findings, versions = check_log(store, codec)
        findings += log_findings
        findings += check_registry(store, versions)
        findings += check_ledger(store, codec, versions)
        findings += check_sources(store)
        findings += check_subscribers(store)
        findings += check_accounts(store)
    findings += _check_record_views(views, versions)
    findings += check_read_models(views, store, codec, timezone)
    return Report(findings, heads, len(versions))


def verify(
    store: Store,
    views: ViewStore,
    codec: Codec,
    checkpoint: Signed | None = None,
    *,
    timezone: dt.tzinfo | None = None,
) -> list[Finding]:
    """The findings; empty: intact."""
    return audit(store, views, codec, checkpoint, timezone=timezone).findings


def _view(where: str, rid: str, version: int, zh: str, en: str) -> Finding:
    return Finding("AUDIT.READ_MODEL", where, rid, zh, en, version)


def _check_record_views(views: ViewStore, log: dict[tuple[str, int], Version]) -> list[Finding]:
    findings: list[Finding] = []
    pending = dict(log)
    columns = (
        "record_id",
        "version",
        "content",
        "content_hash",
        "prev_hash",
        "version_hash",
        "retracted",
    )
    for rid, version, stored, chash, prev, vhash, retracted in sorted(
        views.rows(VERSIONS, columns=columns), key=lambda r: (r[0], r[1])
    ):
        expected = pending.pop((rid, version), None)
        if expected is None:
            findings.append(
                _view(VERSIONS.name, rid, version, "日志中没有此版本", "not in the log")
            )
            continue
        if content_hash(stored, bool(retracted)) != chash or chash != expected.content_hash:
            findings.append(
                _view(VERSIONS.name, rid, version, "内容与日志不符", "content differs from the log")
            )
        if vhash != expected.version_hash or version_hash(prev, rid, version, chash) != vhash:
            findings.append(
                _view(
                    VERSIONS.name,
                    rid,
                    version,
                    "哈希链与日志不符",
                    "hash chain differs from the log",
                )
            )
    for rid, version in sorted(pending):
        findings.append(
            _view(VERSIONS.name, rid, version, "读模型中缺失此版本", "missing from the read model")
        )
    last = last_versions(log)
    current = {
        rid: (version, vhash)
        for rid, version, vhash in views.rows(
            CURRENT, columns=("record_id", "version", "version_hash")
        )
    }
    for rid, (version, vhash) in sorted(current.items()):
        head = last.get(rid)
        if head is None or (head.version, head.version_hash) != (version, vhash):
            findings.append(
                _view(
                    CURRENT.name,
                    rid,
                    version,
                    "不是日志中该记录的最后版本",
                    "not the record's last version in the log",
                )
            )
    for rid in sorted(set(last) - set(current)):
        findings.append(
            _view(
                CURRENT.name,
                rid,
                last[rid].version,
                "日志中有该记录，当前记录表中却没有（被删除）",
                "the log has this record, the current records table does not (deleted)",
            )
        )
    return findings
