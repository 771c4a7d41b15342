"""一企一档 and 一码追溯: an entity's dossier by its USCC, a special-equipment unit's by its code.

Read from the ``dossier`` read model (:mod:`hub.projections.dossier`): one primary-key range scan
for the links, one lookup of their records' current versions in ``records_current`` (the link is
shown only if it is the current version's: a record that now names another USCC, or was retracted,
does not stay in the old dossier), one lookup of the rectifications hanging under the hazards.
Entries are sorted by business time (oldest first) and grouped by record type; each carries its
record id, the key of its trace (``hub trace RECORD_ID``), and its current version.

The code asked for is normalised as the standard normalises codes (trim, full-width to
half-width, inner spaces out, upper case; for a USCC the letter O read as 0) and checked: a value
that cannot be a USCC is refused with a message in Chinese, then English.

``covers`` (a viewer's area) keeps out the records outside it *before* anything is decided: a
code held only elsewhere is answered exactly as a code held nowhere (the same refusal for a
failed check character, no warning, no count of hidden retracted records), so a viewer cannot
probe which codes another region holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from hub.errors import HubError, InputError
from hub.projections.dossier import CHILD_LINKS, ENTITY_LINKS, EQUIPMENT_LINKS, HUB_TZ
from hub.projections.ports import ViewStore
from hub.projections.records import CURRENT, VERSIONS
from hub.projections.tables import Table
from hub.standard import Standard, load_standard
from hub.standard.checks.formats import check_equipment_code
from hub.standard.checks.uscc import check_uscc
from hub.standard.normalize import normalize_code, uscc_letter_o

__all__ = [
    "BadCodeError",
    "Covers",
    "Dossier",
    "DossierEntry",
    "DossierGroup",
    "EquipmentVersion",
    "dossier",
    "equipment",
    "normalize_equipment_code",
    "normalize_uscc",
]

MAX_INPUT = 64  # characters read of a code typed in a search box (a USCC is 18)

#: The order groups are shown in; other types follow in the pack's order.
GROUP_ORDER = (
    "supervised_entity",
    "special_equipment",
    "inspection",
    "penalty",
    "coercion",
    "hazard",
    "lightning_report",
    "credit_record",
    "complaint",
    "risk_clue",
)

#: Whether a record of a region is in the reader's area (None: every record is).
Covers = Callable[[str | None], bool] | None

_STRUCTURAL = {"USCC.LENGTH", "USCC.ALPHABET", "USCC.MASKED"}


class BadCodeError(InputError):
    """A USCC or equipment code that cannot be one (after normalisation)."""

    code = "INPUT.CODE"

    def __init__(self, message: str, rule: str) -> None:
        super().__init__(message)
        self.rule = rule


def _bounded(text: str) -> str:
    if not isinstance(text, str):
        raise BadCodeError("代码必须是文本 / the code must be text", "CODE.TYPE")
    if len(text) > MAX_INPUT:
        raise BadCodeError(
            f"代码过长（{len(text)} 个字符，最多 {MAX_INPUT}） / code too long"
            f" ({len(text)} characters, at most {MAX_INPUT})",
            "CODE.LENGTH",
        )
    return text


def normalize_uscc(text: str, standard: Standard | None = None) -> tuple[str, tuple[str, ...]]:
    """The USCC as the standard normalises it, and its check findings that do not make it
    unusable (a failed check character: pilot codes exist). Raises :class:`BadCodeError`."""
    value, _ = normalize_code(_bounded(text))
    value, _ = uscc_letter_o(value)
    regions = (standard or load_standard()).regions
    findings = check_uscc(value, regions.known)
    for finding in findings:
        if finding.rule == "USCC.LENGTH":
            raise BadCodeError(
                f"统一社会信用代码应为 18 位，实为 {len(value)} 位 / a USCC has 18 characters,"
                f" not {len(value)}",
                finding.rule,
            )
        if finding.rule == "USCC.ALPHABET":
            raise BadCodeError(
                f"统一社会信用代码第 {finding.params['position']} 位字符不合法 / character"
                f" {finding.params['position']} is not in the USCC alphabet (0-9, A-Z without"
                " I O Z S V)",
                finding.rule,
            )
        if finding.rule == "USCC.MASKED":
            raise BadCodeError(
                "统一社会信用代码含遮蔽字符（*），无法查询 / a masked USCC cannot be looked up",
                finding.rule,
            )
    return value, tuple(f.rule for f in findings if f.rule not in _STRUCTURAL)


def normalize_equipment_code(text: str) -> str:
    """The equipment code as the standard normalises it. Raises :class:`BadCodeError`."""
    value, _ = normalize_code(_bounded(text))
    findings = check_equipment_code(value)
    if any(f.rule == "EQUIP.FORMAT" for f in findings):
        raise BadCodeError(
            f"设备代码应为 18 位（4 位目录代码 + 5 位制造单位代码 + 4 位年份 + 5 位顺序号），"
            f"或 20、21 位的旧登记代码，实为 {len(value)} 位 / an equipment code has 18"
            f" characters (or 20/21 for legacy registrations), not {len(value)}",
            "EQUIP.FORMAT",
        )
    return value


def _local(iso: str | None, tz: dt.tzinfo) -> str | None:
    if iso is None:
        return None
    return dt.datetime.fromisoformat(iso).astimezone(tz).isoformat()


@dataclass(frozen=True, slots=True)
class DossierEntry:
    record_type: str
    record_id: str  # the trace: hub trace RECORD_ID, /v1/trace?q=RECORD_ID
    version: int  # the record's current version
    business_time: str | None  # ISO 8601 in the hub's time zone
    region_code: str | None
    title: str
    retracted: bool = False
    rectifications: tuple[DossierEntry, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "record_type": self.record_type,
            "record_id": self.record_id,
            "version": self.version,
            "business_time": self.business_time,
            "region_code": self.region_code,
            "title": self.title,
            "retracted": self.retracted,
            "trace": self.record_id,
        }
        if self.record_type == "hazard" or self.rectifications:
            out["rectifications"] = [r.to_dict() for r in self.rectifications]
        return out


@dataclass(frozen=True, slots=True)
class DossierGroup:
    record_type: str
    title_zh: str
    title_en: str
    entries: tuple[DossierEntry, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_type": self.record_type,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "count": len(self.entries),
            "entries": [e.to_dict() for e in self.entries],
        }


@dataclass(frozen=True, slots=True)
class EquipmentVersion:
    """One version of an equipment unit's registration record: its life (status changes,
    periodic inspections)."""

    record_id: str
    version: int
    recorded_at: str
    retracted: bool
    status: str | None
    last_inspection_date: str | None
    next_inspection_date: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "version": self.version,
            "recorded_at": self.recorded_at,
            "retracted": self.retracted,
            "status": self.status,
            "last_inspection_date": self.last_inspection_date,
            "next_inspection_date": self.next_inspection_date,
        }


@dataclass(frozen=True, slots=True)
class Dossier:
    kind: Literal["entity", "equipment"]
    code: str  # normalised
    entries: tuple[DossierEntry, ...]  # every shown entry (rectifications included), by time
    groups: tuple[DossierGroup, ...]
    retracted_hidden: int = 0
    warnings: tuple[str, ...] = ()  # check findings of the code that do not stop the query
    life: tuple[EquipmentVersion, ...] = ()  # equipment only: its registration's versions
    user_units: tuple[str, ...] = field(default=())  # equipment only: the USCCs using it

    @property
    def found(self) -> bool:
        return bool(self.entries)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "code": self.code,
            "found": self.found,
            "count": len(self.entries),
            "retracted_hidden": self.retracted_hidden,
            "warnings": list(self.warnings),
            "entries": [e.to_dict() for e in self.entries],
            "groups": [g.to_dict() for g in self.groups],
        }
        if self.kind == "equipment":
            out["life"] = [v.to_dict() for v in self.life]
            out["user_units"] = list(self.user_units)
        return out


def _sort_key(entry: DossierEntry) -> tuple[str, str, str]:
    return (entry.business_time or "", entry.record_type, entry.record_id)


def _current(views: ViewStore, ids: Sequence[str]) -> dict[str, tuple[int, bool]]:
    if not ids:
        return {}
    rows = views.rows(
        CURRENT, columns=("record_id", "version", "retracted"), where={"record_id": ids}
    )
    return {str(r[0]): (int(r[1]), bool(r[2])) for r in rows}


def _entries(
    views: ViewStore,
    table: Table,
    code: str,
    tz: dt.tzinfo,
    include_retracted: bool,
    covers: Covers,
) -> tuple[list[DossierEntry], int]:
    names = ("record_type", "record_id", "version", "business_time", "region_code", "title")
    rows = views.rows(table, columns=names, where={table.key[0]: [code]})
    return _live(views, rows, tz, include_retracted, covers)


def _live(
    views: ViewStore,
    rows: Sequence[Sequence[Any]],
    tz: dt.tzinfo,
    include_retracted: bool,
    covers: Covers,
) -> tuple[list[DossierEntry], int]:
    """The link rows in the reader's area that are their record's current version, as entries;
    and how many of those were left out because their record is retracted."""
    if covers is not None:
        rows = [r for r in rows if covers(r[4])]
    current = _current(views, sorted({str(r[1]) for r in rows}))
    out, hidden = [], 0
    for record_type, record_id, version, when, region, title in rows:
        held = current.get(record_id)
        if held is None:
            retracted = title.endswith(" · 已撤回")  # the records model is behind: the link says
        elif held[0] != version:
            continue  # the current version names another code (or the link is behind)
        else:
            retracted = held[1]
        if retracted and not include_retracted:
            hidden += 1
            continue
        out.append(
            DossierEntry(
                record_type, record_id, int(version), _local(when, tz), region, title, retracted
            )
        )
    return out, hidden


def _with_rectifications(
    views: ViewStore,
    entries: list[DossierEntry],
    tz: dt.tzinfo,
    include_retracted: bool,
    covers: Covers,
) -> tuple[list[DossierEntry], list[DossierEntry], int]:
    """Hazards with their rectifications (``child_links`` by the hazard's record id)."""
    parents = [e.record_id for e in entries if e.record_type == "hazard"]
    if not parents:
        return entries, [], 0
    names = ("parent_id", "record_type", "record_id", "version", "business_time", "region_code")
    rows = views.rows(CHILD_LINKS, columns=(*names, "title"), where={"parent_id": parents})
    by_parent: dict[str, list[Sequence[Any]]] = {}
    for row in rows:
        by_parent.setdefault(str(row[0]), []).append(row[1:])
    flat: list[DossierEntry] = []
    hidden = 0
    out = []
    for entry in entries:
        children = by_parent.get(entry.record_id)
        if not children:
            out.append(entry)
            continue
        live, gone = _live(views, children, tz, include_retracted, covers)
        hidden += gone
        live.sort(key=_sort_key)
        flat += live
        out.append(
            DossierEntry(
                entry.record_type,
                entry.record_id,
                entry.version,
                entry.business_time,
                entry.region_code,
                entry.title,
                entry.retracted,
                tuple(live),
            )
        )
    return out, flat, hidden


def _groups(standard: Standard, entries: Sequence[DossierEntry]) -> tuple[DossierGroup, ...]:
    by_type: dict[str, list[DossierEntry]] = {}
    for entry in entries:
        by_type.setdefault(entry.record_type, []).append(entry)
    order = [t for t in GROUP_ORDER if t in by_type] + sorted(set(by_type) - set(GROUP_ORDER))
    groups = []
    for type_id in order:
        record_type = standard.types.get(type_id)
        groups.append(
            DossierGroup(
                type_id,
                record_type.title_zh if record_type else type_id,
                record_type.title_en if record_type else type_id,
                tuple(by_type[type_id]),
            )
        )
    return tuple(groups)


def _assemble(
    views: ViewStore,
    table: Table,
    code: str,
    standard: Standard,
    tz: dt.tzinfo,
    include_retracted: bool,
    covers: Covers,
) -> tuple[list[DossierEntry], tuple[DossierGroup, ...], int]:
    entries, hidden = _entries(views, table, code, tz, include_retracted, covers)
    entries.sort(key=_sort_key)
    grouped, children, more = _with_rectifications(views, entries, tz, include_retracted, covers)
    everything = sorted(entries + children, key=_sort_key)
    return everything, _groups(standard, grouped), hidden + more


def dossier(
    views: ViewStore,
    uscc: str,
    *,
    standard: Standard | None = None,
    tz: dt.tzinfo = HUB_TZ,
    include_retracted: bool = False,
    covers: Covers = None,
) -> Dossier:
    """一企一档: every current record naming the USCC (in the ``covers`` area), by business time
    and by type, hazards with their rectifications. Raises :class:`BadCodeError` for a value
    that cannot be a USCC (a failed check character alone is a warning if the area holds records
    under the code, and an error if it holds none)."""
    standard = standard or load_standard()
    code, warnings = normalize_uscc(uscc, standard)
    entries, groups, hidden = _assemble(
        views, ENTITY_LINKS, code, standard, tz, include_retracted, covers
    )
    if not entries and not hidden and warnings:
        raise BadCodeError(
            f"统一社会信用代码 {code} 校验位不符（{'、'.join(warnings)}），且中心无此代码的记录 /"
            f" USCC {code} fails its checks ({', '.join(warnings)}) and the hub holds no record"
            " naming it",
            warnings[0],
        )
    return Dossier("entity", code, tuple(entries), groups, hidden, warnings)


def _life(
    views: ViewStore, record_ids: Sequence[str], tz: dt.tzinfo, standard: Standard
) -> tuple[tuple[EquipmentVersion, ...], tuple[str, ...]]:
    if not record_ids:
        return (), ()
    rows = views.rows(
        VERSIONS,
        columns=("record_id", "version", "recorded_at", "retracted", "content"),
        where={"record_id": list(record_ids)},
    )
    life = []
    units: set[str] = set()
    for record_id, version, recorded_at, retracted, content in sorted(
        rows, key=lambda r: (r[2], r[1])
    ):
        body: Mapping[str, Any] = content if isinstance(content, dict) else {}
        unit = body.get("user_unit_uscc")
        if isinstance(unit, str) and unit:
            units.add(unit)
        life.append(
            EquipmentVersion(
                str(record_id),
                int(version),
                _local(str(recorded_at), tz) or "",
                bool(retracted),
                _status(standard, body.get("status")),
                _opt(body.get("last_inspection_date")),
                _opt(body.get("next_inspection_date")),
            )
        )
    return tuple(life), tuple(sorted(units))


def _status(standard: Standard, value: object) -> str | None:
    """An equipment status code with its label (``1 在用``), as the code list names it."""
    if value is None:
        return None
    try:
        check = standard.record_type("special_equipment").field("status").check or ""
    except (KeyError, HubError):
        return str(value)
    codes = standard.codelists.get(check[5:]) if check.startswith("code:") else None
    code = codes.codes.get(str(value)) if codes is not None else None
    return f"{value} {code.zh}" if code is not None else str(value)


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def equipment(
    views: ViewStore,
    code: str,
    *,
    standard: Standard | None = None,
    tz: dt.tzinfo = HUB_TZ,
    include_retracted: bool = False,
    covers: Covers = None,
) -> Dossier:
    """一码追溯: every current record naming the equipment code (in the ``covers`` area), and
    the versions of its registration record (its life: status changes, periodic inspections),
    with its user units' USCCs (their dossiers). Raises :class:`BadCodeError` for a value that
    cannot be a code."""
    standard = standard or load_standard()
    value = normalize_equipment_code(code)
    entries, groups, hidden = _assemble(
        views, EQUIPMENT_LINKS, value, standard, tz, include_retracted, covers
    )
    registrations = sorted({e.record_id for e in entries if e.record_type == "special_equipment"})
    life, units = _life(views, registrations, tz, standard)
    return Dossier("equipment", value, tuple(entries), groups, hidden, (), life, units)
