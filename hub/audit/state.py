"""The authoritative state against the events it was written with: the record versions in the
log (numbered, hashed, linked), the identity registry against each record's last version, the
delivery ledger against the deliveries stream and the versions it carries, the sources table and
the credentials against the sources' journal. Each difference names the row and the fields."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from hub.audit.findings import Finding
from hub.errors import HubError
from hub.events import Codec
from hub.events.streams import DELIVERIES, RECORDS
from hub.processing.content import avro_to_json, content_hash, version_hash
from hub.storage.chain import JOURNAL
from hub.storage.journal import fold, fold_accounts, fold_subscribers
from hub.storage.ports import Store
from hub.storage.subscriber_rows import entitlement

__all__ = [
    "Version",
    "check_accounts",
    "check_ledger",
    "check_log",
    "check_registry",
    "check_sources",
    "check_subscribers",
]


@dataclass(frozen=True, slots=True)
class Version:
    """One record version as the log holds it."""

    record_id: str
    version: int
    record_type: str
    identity_hash: str
    content_hash: str
    version_hash: str
    retracted: bool


def _decoded(
    store: Store, codec: Codec, stream: str, where: str, findings: list[Finding]
) -> Iterator[dict[str, Any]]:
    """The payloads of a stream's events; one that does not decode is a finding, not a crash
    (a forged body is data to report)."""
    for stored in store.scan(stream):
        try:
            yield codec.decode_event(stream, stored.position, stored.body).payload
        except HubError as exc:
            findings.append(
                Finding(
                    "AUDIT.CHAIN",
                    where,
                    f"{stream} position {stored.position} ({stored.event_id})",
                    f"事件无法解码（被改动）：{exc.message}",
                    f"the event cannot be decoded (altered): {exc.message}",
                )
            )


def _log(rid: str, version: int, zh: str, en: str) -> Finding:
    return Finding("AUDIT.VERSION_CHAIN", "log", rid, zh, en, version)


def check_log(store: Store, codec: Codec) -> tuple[list[Finding], dict[tuple[str, int], Version]]:
    """Each record's versions numbered 1..n, each content hashing to its ``content_hash`` and
    each ``version_hash`` linking to the one before; the versions, by (record id, version)."""
    findings: list[Finding] = []
    heads: dict[str, tuple[int, str | None]] = {}
    versions: dict[tuple[str, int], Version] = {}
    for p in _decoded(store, codec, RECORDS, "log", findings):
        rid, version = p["record_id"], p["version"]
        try:
            content = avro_to_json(codec.decode(p["content"])[1])
        except HubError as exc:
            findings.append(
                _log(
                    rid,
                    version,
                    f"内容无法解码：{exc.message}",
                    f"the content cannot be decoded: {exc.message}",
                )
            )
            continue
        expected, prev = heads.get(rid, (0, None))
        if version != expected + 1:
            findings.append(
                _log(
                    rid,
                    version,
                    f"版本{version}接在版本{expected}之后（中间的版本缺失）",
                    f"version {version} follows version {expected}",
                )
            )
        if content_hash(content, p["retracted"]) != p["content_hash"]:
            findings.append(
                _log(
                    rid, version, "内容与 content_hash 不符", "content does not match content_hash"
                )
            )
        if p["prev_hash"] != prev:
            findings.append(
                _log(
                    rid,
                    version,
                    "prev_hash 未链接到上一版本",
                    "prev_hash does not link to the previous version",
                )
            )
        if version_hash(p["prev_hash"], rid, version, p["content_hash"]) != p["version_hash"]:
            findings.append(_log(rid, version, "version_hash 不符", "version_hash does not match"))
        heads[rid] = (version, p["version_hash"])
        versions[(rid, version)] = Version(
            rid,
            version,
            p["record_type"],
            p["identity_hash"],
            p["content_hash"],
            p["version_hash"],
            bool(p["retracted"]),
        )
    return findings, versions


def last_versions(versions: dict[tuple[str, int], Version]) -> dict[str, Version]:
    last: dict[str, Version] = {}
    for (rid, version), v in versions.items():
        if rid not in last or last[rid].version < version:
            last[rid] = v
    return last


def _differs(pairs: Iterable[tuple[str, Any, Any]]) -> list[str]:
    return [name for name, a, b in pairs if a != b]


def check_registry(store: Store, versions: dict[tuple[str, int], Version]) -> list[Finding]:
    """Every registry entry is its record's last version; every record has an entry."""
    findings: list[Finding] = []
    last = last_versions(versions)
    seen: set[str] = set()
    for e in store.registry_entries():
        seen.add(e.record_id)
        v = last.get(e.record_id)
        if v is None:
            findings.append(
                Finding(
                    "AUDIT.REGISTRY",
                    "registry",
                    e.record_id,
                    "登记的记录在日志中没有任何版本",
                    "the registry holds a record with no version in the log",
                    e.version,
                )
            )
            continue
        fields = _differs(
            (
                ("identity_hash", e.identity_hash, v.identity_hash),
                ("record_type", e.record_type, v.record_type),
                ("version", e.version, v.version),
                ("content_hash", e.content_hash, v.content_hash),
                ("version_hash", e.version_hash, v.version_hash),
            )
        )
        if content_hash(e.content, v.retracted) != v.content_hash:
            fields.append("content")
        if e.updated_at != e.content.get("updated_at"):
            fields.append("updated_at")
        if fields:
            findings.append(
                Finding(
                    "AUDIT.REGISTRY",
                    "registry",
                    e.record_id,
                    f"与日志中的最后版本（v{v.version}）不符：{', '.join(fields)}",
                    f"differs from the last version in the log (v{v.version}): {', '.join(fields)}",
                    e.version,
                )
            )
    for rid in sorted(set(last) - seen):
        findings.append(
            Finding(
                "AUDIT.REGISTRY",
                "registry",
                rid,
                "日志中有该记录的版本，身份登记中却没有（被删除）",
                "the log has versions of this record, the registry has no entry (deleted)",
                last[rid].version,
            )
        )
    return findings


_LEDGER_FIELDS = (
    "record_id",
    "version",
    "destination",
    "state",
    "attempt",
    "idempotency_key",
    "national_id",
    "source_id",
    "submission_id",
)


def check_ledger(
    store: Store, codec: Codec, versions: dict[tuple[str, int], Version]
) -> list[Finding]:
    """Every ledger row is what its last delivery event says, carries the content of the
    version it delivers, and every delivery in the stream has its row."""
    findings: list[Finding] = []
    last: dict[str, dict[str, Any]] = {}
    for p in _decoded(store, codec, DELIVERIES, DELIVERIES, findings):
        last[p["delivery_id"]] = p
    seen: set[str] = set()
    for row in store.ledger_rows():
        seen.add(row.delivery_id)
        event = last.get(row.delivery_id)
        if event is None:
            findings.append(
                Finding(
                    "AUDIT.LEDGER",
                    "ledger",
                    row.delivery_id,
                    "台账行没有对应的交付事件",
                    "the ledger row has no delivery event",
                )
            )
            continue
        fields = _differs((f, getattr(row, f), event[f]) for f in _LEDGER_FIELDS)
        if list(row.reasons) != list(event["reasons"]):
            fields.append("reasons")
        if row.redrives != (event.get("redrives") or 0):  # null in events never re-driven
            fields.append("redrives")
        v = versions.get((row.record_id, row.version))
        if v is None or content_hash(row.content, row.operation == "delete") != v.content_hash:
            fields.append("content")
        if v is not None and row.record_type != v.record_type:
            fields.append("record_type")
        if fields:
            findings.append(
                Finding(
                    "AUDIT.LEDGER",
                    "ledger",
                    row.delivery_id,
                    f"与最后的交付事件（{event['state']}）或所交付的版本不符：{', '.join(fields)}",
                    f"differs from its last delivery event ({event['state']}) or the version it"
                    f" delivers: {', '.join(fields)}",
                )
            )
    for delivery_id in sorted(set(last) - seen):
        findings.append(
            Finding(
                "AUDIT.LEDGER",
                "ledger",
                delivery_id,
                "交付事件流中有该交付，台账中却没有（被删除）",
                "the deliveries stream has this delivery, the ledger has no row (deleted)",
            )
        )
    return findings


def _journal(store: Store) -> list[tuple[str, str, bytes]]:
    entries = []
    after = 0
    while rows := store.chained(JOURNAL, after, 1000):
        entries += [(r.event_type, r.key, r.body) for r in rows]
        after = rows[-1].position
    return entries


def check_sources(store: Store) -> list[Finding]:
    """The sources table and the credentials are what the sources' journal folds to."""
    expected = fold(_journal(store))
    findings: list[Finding] = []
    actual: dict[str, dict[str, Any]] = {
        s.source_id: {
            "level": s.level,
            "region_code": s.region_code,
            "department": s.department,
            "record_types": list(s.record_types),
            "principal": s.principal,
        }
        for s in store.sources()
    }
    for c in store.credentials():
        actual.setdefault(c.source_id, {})["credential"] = {
            "token_hash": c.token_hash,
            "disabled": c.disabled,
        }
    for source_id in sorted(set(expected) | set(actual)):
        want, have = expected.get(source_id), actual.get(source_id)
        if want is None or have is None:
            findings.append(
                Finding(
                    "AUDIT.SOURCES",
                    "sources",
                    source_id,
                    "数据源表中有该数据源，其变更日志中却没有（被插入）"
                    if want is None
                    else "变更日志中有该数据源，数据源表中却没有（被删除）",
                    "the sources table has this source, its journal does not (inserted)"
                    if want is None
                    else "the journal has this source, the sources table does not (deleted)",
                )
            )
            continue
        fields = [k for k in sorted(set(want) | set(have)) if want.get(k) != have.get(k)]
        if "credential" in fields:
            fields.remove("credential")
            w, h = want.get("credential") or {}, have.get("credential") or {}
            fields += [
                f"credential.{k}" for k in ("token_hash", "disabled") if w.get(k) != h.get(k)
            ]
        if fields:
            findings.append(
                Finding(
                    "AUDIT.SOURCES",
                    "sources",
                    source_id,
                    f"与其变更日志不符：{', '.join(fields)}",
                    f"differs from its journal: {', '.join(fields)}",
                )
            )
    return findings


def check_subscribers(store: Store) -> list[Finding]:
    """The subscribers table is what the journal's ``subscriber.*`` entries fold to: an
    entitlement widened, a subscriber inserted or deleted behind the hub's back is named."""
    return _against_journal(
        "AUDIT.SUBSCRIBERS",
        "subscribers",
        fold_subscribers(_journal(store)),
        {s.name: entitlement(s) for s in store.subscribers()},
        ("订阅方表", "订阅方", "the subscribers table", "subscriber"),
    )


def check_accounts(store: Store) -> list[Finding]:
    """The accounts table is what the journal's ``account.*`` entries fold to: a role raised, a
    region widened, a password hash or a token hash replaced, an account inserted or deleted
    behind the hub's back is named (by field: the values are secrets or personal)."""
    return _against_journal(
        "AUDIT.ACCOUNTS",
        "accounts",
        fold_accounts(_journal(store)),
        store.account_states(),
        ("账户表", "账户", "the accounts table", "account"),
    )


def _against_journal(
    code: str,
    where: str,
    expected: Mapping[str, Mapping[str, Any]],
    actual: Mapping[str, Mapping[str, Any]],
    nouns: tuple[str, str, str, str],
) -> list[Finding]:
    """A table's rows against what its journal entries fold to, by name: a row inserted or
    deleted, or the fields that differ (named, never their values)."""
    table_zh, row_zh, table_en, row_en = nouns
    findings: list[Finding] = []
    for name in sorted(set(expected) | set(actual)):
        want, have = expected.get(name), actual.get(name)
        if want is None or have is None:
            findings.append(
                Finding(
                    code,
                    where,
                    name,
                    f"{table_zh}中有该{row_zh}，其变更日志中却没有（被插入）"
                    if want is None
                    else f"变更日志中有该{row_zh}，{table_zh}中却没有（被删除）",
                    f"{table_en} has this {row_en}, its journal does not (inserted)"
                    if want is None
                    else f"the journal has this {row_en}, {table_en} does not (deleted)",
                )
            )
            continue
        fields = [k for k in sorted(set(want) | set(have)) if want.get(k) != have.get(k)]
        if fields:
            findings.append(
                Finding(
                    code,
                    where,
                    name,
                    f"与其变更日志不符：{', '.join(fields)}",
                    f"differs from its journal: {', '.join(fields)}",
                )
            )
    return findings
