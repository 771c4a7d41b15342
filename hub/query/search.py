"""The console's search box: what a typed text is, and what to show for it.

:func:`classify` is pure and total: any text (hostile, huge, binary-looking) gets a
:class:`Kind`, never an exception. :func:`find` answers:

- a record id (``rec-…``), a submission id (``sub-…``) or ``SOURCE_ID:SOURCE_RECORD_ID``: the
  chain ``hub trace`` shows (:func:`hub.audit.trace`), times in the hub's time zone;
- a USCC (18 characters of its alphabet; full-width, lower case, spaces and the letter O for 0
  are normalised as the standard does): the entity's dossier (:func:`hub.query.dossier.dossier`);
- an equipment code (18 characters, or a legacy 20/21-character one): its dossier
  (:func:`hub.query.dossier.equipment`).

An 18-character value that passes the USCC check characters is a USCC; one that does not, but
has an equipment code's shape, is an equipment code; one of the USCC alphabet that fails its
checks stays a USCC, so the answer names the failed check instead of "not found".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hub.audit.trace import TraceEntry, trace
from hub.errors import HubError
from hub.projections.dossier import HUB_TZ
from hub.projections.ports import ViewStore
from hub.query.dossier import (
    MAX_INPUT,
    BadCodeError,
    Covers,
    Dossier,
    dossier,
    equipment,
)
from hub.standard import Standard, load_standard
from hub.standard.checks.formats import check_equipment_code
from hub.standard.checks.uscc import USCC_ALPHABET, check_uscc
from hub.standard.normalize import normalize_code, uscc_letter_o

__all__ = ["Kind", "SearchResult", "classify", "find"]

MAX_QUERY = 300  # characters of a query looked at (a source record id may be long)
_RECORD_ID = re.compile(r"rec-[0-9a-f]{8,64}")
_SUBMISSION_ID = re.compile(r"sub-[0-9a-f]{8,64}")
_SOURCE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_USCC_CHARS = frozenset(USCC_ALPHABET)


class Kind(StrEnum):
    RECORD = "record"
    SUBMISSION = "submission"
    SOURCE_RECORD = "source_record"
    USCC = "uscc"
    EQUIPMENT = "equipment"
    EMPTY = "empty"
    UNKNOWN = "unknown"


def _code(text: str) -> str:
    value, _ = normalize_code(text)
    return value


def classify(text: str) -> Kind:
    """What ``text`` is (pure, total: never raises)."""
    if not isinstance(text, str):
        return Kind.UNKNOWN
    if len(text) > MAX_QUERY:
        return Kind.UNKNOWN
    ident = text.strip()
    if not ident:
        return Kind.EMPTY
    if _RECORD_ID.fullmatch(ident):
        return Kind.RECORD
    if _SUBMISSION_ID.fullmatch(ident):
        return Kind.SUBMISSION
    source, colon, rest = ident.partition(":")
    if colon and rest.strip() and _SOURCE_ID.fullmatch(source):
        return Kind.SOURCE_RECORD
    if len(ident) > MAX_INPUT:
        return Kind.UNKNOWN
    code = _code(ident)
    uscc, _ = uscc_letter_o(code)
    if len(uscc) == 18 and _USCC_CHARS.issuperset(uscc):
        findings = {f.rule for f in check_uscc(uscc, lambda _region: True)}
        if not findings & {"USCC.CHECK17", "USCC.CHECK18", "USCC.AUTHORITY_TYPE"}:
            return Kind.USCC
    equipment_findings = {f.rule for f in check_equipment_code(code)}
    if equipment_findings <= {"EQUIP.LEGACY"} and code.isascii():
        return Kind.EQUIPMENT
    if len(uscc) == 18 and _USCC_CHARS.issuperset(uscc):
        return Kind.USCC  # a mistyped USCC: the answer names the failed check
    return Kind.UNKNOWN


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    kind: Kind
    chain: tuple[TraceEntry, ...] = ()
    dossier: Dossier | None = None
    message: str | None = None  # Chinese first, then English: why nothing is shown

    @property
    def found(self) -> bool:
        return bool(self.chain) or (self.dossier is not None and self.dossier.found)

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "kind": self.kind.value,
            "found": self.found,
            "message": self.message,
            "chain": [e.to_dict() for e in self.chain],
            "record_ids": sorted({e.record_id for e in self.chain if e.record_id}),
            "dossier": self.dossier.to_dict() if self.dossier is not None else None,
        }


def _local(iso: str, tz: dt.tzinfo) -> str:
    try:
        return dt.datetime.fromisoformat(iso).astimezone(tz).isoformat()
    except ValueError:
        return iso


def _in_zone(entry: TraceEntry, tz: dt.tzinfo) -> TraceEntry:
    return dataclasses.replace(
        entry,
        recorded_at=_local(entry.recorded_at, tz),
        occurred_at=_local(entry.occurred_at, tz),
    )


_NOTHING = "未找到相关记录 / nothing found"


def find(
    views: ViewStore,
    text: str,
    *,
    standard: Standard | None = None,
    tz: dt.tzinfo = HUB_TZ,
    covers: Covers = None,
) -> SearchResult:
    """What the console shows for a search: a chain, a dossier, or a message saying why not.
    ``covers`` (a viewer's area): the dossiers hold its records only, and every answer about a
    code is decided on them, so a code held only outside the area gets the reply of a code held
    nowhere. (A chain is returned whole: the caller decides whether the viewer may see it.)"""
    kind = classify(text)
    query = text.strip()[:MAX_QUERY] if isinstance(text, str) else ""
    if kind is Kind.EMPTY:
        return SearchResult(query, kind, message="请输入查询内容 / type something to search for")
    if kind is Kind.UNKNOWN:
        return SearchResult(
            query,
            kind,
            message=(
                "无法识别：请输入记录编号（rec-…）、报送编号（sub-…）、来源:源记录标识、"
                "统一社会信用代码或设备代码 / not a record id (rec-…), submission id (sub-…),"
                " SOURCE_ID:SOURCE_RECORD_ID, USCC or equipment code"
            ),
        )
    if kind in (Kind.RECORD, Kind.SUBMISSION, Kind.SOURCE_RECORD):
        try:
            chain = tuple(_in_zone(e, tz) for e in trace(views, query))
        except HubError as exc:
            return SearchResult(query, kind, message=exc.message)
        return SearchResult(query, kind, chain, message=None if chain else _NOTHING)
    standard = standard or load_standard()
    try:
        if kind is Kind.USCC:
            found = dossier(views, query, standard=standard, tz=tz, covers=covers)
            if not found.found and not check_equipment_code(_code(query)):
                # an 18-digit code may pass the USCC checks by chance: try it as equipment
                other = equipment(views, query, standard=standard, tz=tz, covers=covers)
                if other.found:
                    return SearchResult(query, Kind.EQUIPMENT, dossier=other)
        else:
            found = equipment(views, query, standard=standard, tz=tz, covers=covers)
            if not found.found and len(_code(query)) == 18:
                # 18 digits may also be a mistyped USCC: say what its checks find
                try:
                    dossier(views, query, standard=standard, tz=tz, covers=covers)
                except BadCodeError as exc:
                    return SearchResult(
                        query, kind, dossier=found, message=f"{_NOTHING}; {exc.message}"
                    )
    except BadCodeError as exc:
        return SearchResult(query, kind, message=exc.message)
    return SearchResult(query, kind, dossier=found, message=None if found.found else _NOTHING)
