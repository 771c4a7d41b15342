"""``hub audit verify``: is the history intact?

1. In the log, each record's versions are numbered 1..n, each ``content_hash`` is the hash of the
   content the event carries, and each ``version_hash`` links to the previous one.
2. The versions read model holds exactly what the log holds (same content, same hashes), and the
   current-records read model points at each record's last version.
Any difference is a finding naming the record, the version and what differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.events import Codec
from hub.events.streams import RECORDS
from hub.processing.content import avro_to_json, content_hash, version_hash
from hub.storage.ports import Store
from projections.ports import ViewStore
from projections.records import CURRENT, VERSIONS

__all__ = ["Finding", "verify"]


@dataclass(frozen=True, slots=True)
class Finding:
    where: str  # "log" or a read model table
    record_id: str
    version: int | None
    problem: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "where": self.where,
            "record_id": self.record_id,
            "version": self.version,
            "problem": self.problem,
        }


def verify(store: Store, views: ViewStore, codec: Codec) -> list[Finding]:
    findings: list[Finding] = []
    heads: dict[str, tuple[int, str]] = {}
    log_rows: dict[tuple[str, int], tuple[str, str]] = {}
    for stored in store.scan(RECORDS):
        event = codec.decode_event(RECORDS, stored.position, stored.body)
        p = event.payload
        rid, version = p["record_id"], p["version"]
        _, typed = codec.decode(p["content"])
        content = avro_to_json(typed)
        expected_version, prev = heads.get(rid, (0, None))
        if version != expected_version + 1:
            findings.append(
                Finding(
                    "log", rid, version, f"version {version} follows version {expected_version}"
                )
            )
        if content_hash(content, p["retracted"]) != p["content_hash"]:
            findings.append(Finding("log", rid, version, "content does not match content_hash"))
        if p["prev_hash"] != prev:
            findings.append(
                Finding("log", rid, version, "prev_hash does not link to the previous version")
            )
        if version_hash(p["prev_hash"], rid, version, p["content_hash"]) != p["version_hash"]:
            findings.append(Finding("log", rid, version, "version_hash does not match"))
        heads[rid] = (version, p["version_hash"])
        log_rows[(rid, version)] = (p["content_hash"], p["version_hash"])
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
        expected = log_rows.pop((rid, version), None)
        if expected is None:
            findings.append(Finding("record_versions", rid, version, "not in the log"))
            continue
        if content_hash(stored, bool(retracted)) != chash or chash != expected[0]:
            findings.append(
                Finding("record_versions", rid, version, "content differs from the log")
            )
        if vhash != expected[1] or version_hash(prev, rid, version, chash) != vhash:
            findings.append(
                Finding("record_versions", rid, version, "hash chain differs from the log")
            )
    for rid, version in sorted(log_rows):
        findings.append(Finding("record_versions", rid, version, "missing from the read model"))
    for rid, version, vhash in views.rows(
        CURRENT, columns=("record_id", "version", "version_hash")
    ):
        head = heads.get(rid)
        if head is None or head != (version, vhash):
            findings.append(
                Finding("records_current", rid, version, "not the record's last version in the log")
            )
    return findings
