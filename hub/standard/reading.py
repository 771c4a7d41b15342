"""Reading a table row (CSV, Excel, a front-end database row) as a record of the standard.

One function, :meth:`Reading.fields`, is the only place a row's cells become a record's fields:
the CSV and Excel readers and the front-end database connector all go through it, so a header,
an ``N/A`` or a profile means the same on every path. It is pure; it runs once per row when the
row is read, and the record it makes is what the submission carries (beside the original cells).

A code-list field may hold the code's Chinese name (``有限责任公司`` for ``01``): it is read
as the code. Headers are recognised, in order, by the source's profile (``[columns]``), by
field name, by the standard's Chinese data-element name (the ``doc`` of each field, with and
without its bracketed part), and by the aliases of the standard pack
(``schemas/aliases.json``). A header is compared after NFKC (full-width letters and digits to
half-width), without spaces, a leading ``*`` (the "required" mark of many templates) and a
trailing colon. Columns that map to nothing are dropped from the record and named once per
file by :meth:`Reading.diagnose`, never once per row.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.connectors.formats.rows import cell_text
from hub.standard.checks.uscc import CENTRAL_REGION
from hub.standard.pack import Standard
from hub.standard.profile import Derivation, Profile
from hub.standard.schema import RecordType

__all__ = ["EMPTY_CELLS", "HeaderDiagnosis", "Reading", "cell_text", "header_key"]

#: Cell values that mean "no value" in the exports bureaus send.
EMPTY_CELLS = frozenset({"N/A", "n/a", "N/a", "#N/A", "NA", "NULL", "null", "-", "--", "—", "/"})
_SPACES = re.compile(r"\s+")


def header_key(header: str) -> str:
    """How headers are compared: NFKC, no spaces, no leading ``*``, no trailing colon."""
    text = _SPACES.sub("", unicodedata.normalize("NFKC", header))
    return text.lstrip("*").rstrip(":").lower()


def _aliases(standard: Standard, type_id: str) -> dict[str, list[str]]:
    path = standard.root / "aliases.json"
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8")).get("fields", {})
    out: dict[str, list[str]] = {}
    for scope in ("*", type_id):
        for name, names in data.get(scope, {}).items():
            out.setdefault(name, []).extend(names)
    return out


def _labels(label: str) -> list[str]:
    """A data-element name and its short forms: 住所（注册地址） is also 住所 and 注册地址."""
    names = [label]
    match = re.fullmatch(r"(.+?)[（(](.+?)[）)](.*)", label)
    if match:
        names.append(match[1] + match[3])
        names.append(match[1])
    return names


@dataclass(frozen=True, slots=True)
class HeaderDiagnosis:
    """What a file's header row became: said once per file."""

    columns: int
    mapped: Mapping[str, str]  # header -> field
    unknown: tuple[str, ...]
    ignored: tuple[str, ...]
    missing: tuple[str, ...]  # required fields neither mapped nor made by the profile
    shared: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # field -> its headers

    def message(self) -> str:
        """``10 列：6 列已对应，4 列不在标准中：…`` then the English."""
        zh = f"{self.columns} 列：{len(self.mapped)} 列已对应标准字段"
        en = f"{self.columns} columns: {len(self.mapped)} mapped"
        if self.unknown:
            zh += f"，{len(self.unknown)} 列不在标准中：{'、'.join(self.unknown)}"
            en += f", {len(self.unknown)} not in the standard: {', '.join(self.unknown)}"
        if self.ignored:
            zh += f"，{len(self.ignored)} 列按映射配置忽略"
            en += f", {len(self.ignored)} ignored by the profile"
        for name, headers in self.shared.items():
            zh += f"；{'、'.join(headers)} 都对应 {name}（取第一个非空值）"
            en += f"; {', '.join(headers)} all map to {name} (the first non-empty one is used)"
        if self.missing:
            zh += f"；缺少必填字段：{'、'.join(self.missing)}"
            en += f"; required fields missing: {', '.join(self.missing)}"
        return f"{zh}\n{en}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "mapped": dict(self.mapped),
            "unknown": list(self.unknown),
            "ignored": list(self.ignored),
            "missing": list(self.missing),
            "shared": {k: list(v) for k, v in self.shared.items()},
        }


@dataclass(frozen=True)
class Reading:
    """How rows of one record type are read, under an optional profile."""

    standard: Standard
    record_type: RecordType
    profile: Profile | None = None
    _names: dict[str, str] = field(default_factory=dict, repr=False)
    _labels: dict[str, str] = field(default_factory=dict, repr=False)
    _cache: dict[str, str | None] = field(default_factory=dict, repr=False)
    _code_names: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, standard: Standard, type_id: str, profile: Profile | None = None) -> Reading:
        record_type = standard.record_type(type_id)
        if profile is not None:
            profile.check_fields(type_id, record_type.field_names)
        reading = cls(standard, record_type, profile)
        names = reading._names
        for spec in record_type.fields:
            names.setdefault(header_key(spec.name), spec.name)
            reading._labels[spec.name] = spec.label
        for spec in record_type.fields:
            for label in _labels(spec.label):
                names.setdefault(header_key(label), spec.name)
        for name, aliases in _aliases(standard, type_id).items():
            if name in record_type.field_names:
                for alias in aliases:
                    names.setdefault(header_key(alias), name)
        if profile is not None:
            for header, name in profile.columns.items():
                names[header_key(header)] = name
        for spec in record_type.fields:
            if spec.check and spec.check.startswith("code:") and spec.kind == "string":
                codelist = standard.codelists[spec.check.removeprefix("code:")]
                reading._code_names[spec.name] = {c.zh: c.code for c in codelist.codes.values()}
        return reading

    @property
    def profile_id(self) -> str | None:
        return self.profile.id if self.profile is not None else None

    def field_of(self, header: str) -> str | None:
        """The field a header names, or None."""
        if header in self._cache:
            return self._cache[header]
        ignored = self.profile is not None and (
            header in self.profile.ignore or header_key(header) in self.profile.ignore
        )
        found = None if ignored else self._names.get(header_key(header))
        if len(self._cache) < 10_000:
            self._cache[header] = found
        return found

    def diagnose(self, headers: Iterable[str]) -> HeaderDiagnosis:
        headers = [h for h in headers if h.strip()]
        mapped: dict[str, str] = {}
        unknown: list[str] = []
        ignored: list[str] = []
        ignore = self.profile.ignore if self.profile is not None else frozenset()
        for header in headers:
            target = self.field_of(header)
            if target is not None:
                mapped[header] = target
            elif header in ignore or header_key(header) in ignore:
                ignored.append(header)
            else:
                unknown.append(header)
        made = set(mapped.values())
        if self.profile is not None:
            made |= set(self.profile.constants) | set(self.profile.derive)
        missing = tuple(
            f"{spec.label}（{spec.name}）"
            for spec in self.record_type.fields
            if spec.required and spec.name not in made
        )
        by_field: dict[str, list[str]] = {}
        for header, name in mapped.items():
            by_field.setdefault(name, []).append(header)
        shared = {name: tuple(hs) for name, hs in by_field.items() if len(hs) > 1}
        return HeaderDiagnosis(
            len(headers), mapped, tuple(unknown), tuple(ignored), missing, shared
        )

    def fields(self, cells: Mapping[str, Any]) -> dict[str, str]:
        """The record a row makes: mapped columns, value maps, empties dropped, then constants
        and derivations for the fields still empty. Values are cell text (see :func:`cell_text`);
        the validator reads them leniently, as it reads CSV."""
        profile = self.profile
        empty = EMPTY_CELLS | profile.empty if profile is not None else EMPTY_CELLS
        values_all = profile.values.get("*", {}) if profile is not None else {}
        record: dict[str, str] = {}
        for header, raw in cells.items():
            name = self.field_of(header)
            if name is None:
                continue
            text = cell_text(raw)
            if profile is not None:
                mapped = profile.values.get(name, {})
                key = text.strip()
                text = mapped.get(key, values_all.get(key, text))
            if not text.strip() or text.strip() in empty:
                continue
            codes = self._code_names.get(name)
            if codes is not None:  # a code written as its name in the code list: 有限责任公司
                text = codes.get(text.strip(), text)
            record.setdefault(name, text)
        if profile is not None:
            for name, value in profile.constants.items():
                record.setdefault(name, value)
            for name, derivation in profile.derive.items():
                if name not in record:
                    value = self._derive(derivation, record, cells)
                    if value:
                        record[name] = value
        return record

    # -- derivations ----------------------------------------------------------------------

    def _source_value(self, source: str | None, record: Mapping[str, str], cells: Any) -> str:
        if source is None:
            return ""
        if source in record:
            return record[source]
        value = cells.get(source)
        return cell_text(value).strip() if value is not None else ""

    def _year(self, record: Mapping[str, str]) -> int | None:
        """The year of the record's business date as written (``2025-06-01``, ``2025.6.1``)."""
        for name in (self.record_type.event_date, "updated_at"):
            match = re.match(r"\s*(\d{4})", record.get(name, ""))
            if match:
                return int(match[1])
        return None

    def _derive(self, how: Derivation, record: Mapping[str, str], cells: Any) -> str:
        if how.rule == "copy":
            return self._source_value(how.source, record, cells)
        if how.rule == "uscc_region":
            source = how.source or next(
                (s.name for s in self.record_type.fields if s.check == "uscc"), None
            )
            code = unicodedata.normalize("NFKC", self._source_value(source, record, cells))
            code = code.strip().upper()
            region = code[2:8]
            if region == CENTRAL_REGION:  # registered by a central authority: no region to derive
                return ""
            return region if len(code) == 18 and region.isdigit() else ""
        if how.rule == "region_name":
            name = self._source_value(how.source, record, cells).strip()
            within = (how.within or "").rstrip("0")
            # the code in use on the record's date (names move: 下城区 was merged in 2021); a
            # name no code carried then falls back to any time, and the validator says the
            # code was not in use on that date
            for year in (self._year(record), None):
                codes = {
                    c for c in self.standard.regions.codes_named(name, year) if c.startswith(within)
                }
                if codes:
                    return codes.pop() if len(codes) == 1 else ""
            return ""
        # identity: the business key; hashed when it holds personal data
        parts = []
        for entry in self.record_type.identity:
            value = record.get(entry.partition(":")[0], "").strip()
            if not value:
                return ""
            parts.append(value)
        personal = any(
            spec.personal
            for spec in self.record_type.fields
            if spec.name in {e.partition(":")[0] for e in self.record_type.identity}
        )
        joined = "|".join(parts)
        if personal:
            return "id-" + hashlib.sha256(joined.encode()).hexdigest()[:24]
        return joined[:100]
