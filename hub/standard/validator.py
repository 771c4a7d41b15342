"""Validation of one submitted record against the standard: ``validate(type, raw) -> Outcome``.

Pure: no I/O, no logging, no clock. The same record under the same standard and policy always gets
the same verdict, which is what makes replays deterministic. Steps, in order:

1. structure: the record is an object; unknown fields; required fields present;
2. coercion: JSON/CSV values to the Avro values of the schema (dates, timestamps, decimals...);
3. normalisation: trim, full-width to half-width, upper-case codes... each change recorded;
4. field checks: the ``hub.check`` of each field (check digits, region codes, code lists);
5. cross-field rules of the record type (``crossfield.py``);
6. identity: the business key, which must not be masked.

Check results of single values are memoised per validator: real batches repeat the same agency,
item and region codes thousands of times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.standard.checks import Finding
from hub.standard.checks.formats import (
    check_doc_number,
    check_equipment_code,
    check_impl_list_code,
    check_item_code,
    check_phone,
)
from hub.standard.checks.resident_id import check_resident_id
from hub.standard.checks.uscc import check_uscc, is_masked
from hub.standard.coerce import (
    CoercionError,
    to_bool,
    to_date,
    to_decimal,
    to_double,
    to_list,
    to_timestamp,
)
from hub.standard.crossfield import CROSS_RULES, ID_TYPE_RESIDENT, ID_TYPE_USCC, as_local_date
from hub.standard.identity import identity_key
from hub.standard.messages import RULES, render
from hub.standard.normalize import (
    normalize_code,
    normalize_doc_number,
    normalize_text,
    uscc_letter_o,
)
from hub.standard.pack import Standard
from hub.standard.policy import ValidationPolicy
from hub.standard.schema import FieldSpec, RecordType
from hub.standard.verdict import Change, Verdict, Violation

__all__ = ["Outcome", "Validator"]

_MISSING = object()
_INVALID = object()
_NORMALIZERS = {"code": normalize_code, "text": normalize_text, "doc_number": normalize_doc_number}
_CACHE_LIMIT = 200_000
_SHOWN = 60  # longest value echoed in a message


@dataclass(frozen=True, slots=True)
class Outcome:
    """A verdict, and for a valid record its normalised Avro values and identity key."""

    verdict: Verdict
    record: dict[str, Any] | None = None
    identity: tuple[str, ...] | None = None


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "array",
            dict: "object"}.get(type(value), type(value).__name__)


def _shown(value: str) -> str:
    return value if len(value) <= _SHOWN else value[:_SHOWN] + "…"


class _Run:
    """What one validation collects: findings with their field, and normalisation changes."""

    __slots__ = ("changes", "findings")

    def __init__(self) -> None:
        self.findings: list[tuple[str | None, FieldSpec | None, Finding]] = []
        self.changes: list[Change] = []

    def add(self, path: str | None, spec: FieldSpec | None, rule: str, **params: Any) -> None:
        self.findings.append((path, spec, Finding(rule, params)))

    def change(self, path: str, spec: FieldSpec, kinds: tuple[str, ...], before: Any, after: Any,
               personal: bool = False) -> None:
        # a counterparty id may be a resident ID: its values are never echoed
        if personal or spec.personal or spec.check == "counterparty_id":
            self.changes.append(Change(path, kinds))
        else:
            self.changes.append(Change(path, kinds, _shown(str(before)), _shown(str(after))))


class Validator:
    """Validates records of every type of one standard pack under one policy."""

    def __init__(self, standard: Standard, policy: ValidationPolicy | None = None) -> None:
        self.standard = standard
        self.policy = policy or ValidationPolicy()
        self._tz = self.policy.timezone
        self._memo: dict[tuple[str, str], tuple[Finding, ...]] = {}
        regions = standard.regions
        since = self.policy.uscc_region_since
        pilots = self.policy.uscc_pilot_prefixes
        self._value_checks: dict[str, Callable[[str], tuple[Finding, ...]]] = {
            "uscc": lambda v: check_uscc(v, lambda r: regions.in_use_since(r, since), pilots),
            "resident_id": lambda v: check_resident_id(v, regions.known),
            "item_code": check_item_code,
            "impl_list_code": lambda v: check_impl_list_code(v, self._value_checks["uscc"]),
            "doc_number": check_doc_number,
            "equipment_code": check_equipment_code,
            "phone": check_phone,
        }

    # -- public -------------------------------------------------------------------------------

    def validate(
        self,
        type_id: str,
        raw: Any,
        *,
        lenient: bool = False,
        location: Mapping[str, Any] | None = None,
    ) -> Outcome:
        """Judge one record. ``lenient`` reads strings as typed values (CSV cells)."""
        record_type = self.standard.record_type(type_id)
        run = _Run()
        values: dict[str, Any] = {}
        source_record_id: str | None = None
        if not isinstance(raw, dict):
            run.add(None, None, "SCHEMA.NOT_OBJECT", actual=_type_name(raw))
        else:
            sid = raw.get("source_record_id")
            source_record_id = _shown(sid.strip()) if isinstance(sid, str) else None
            self._structure(record_type.fields, raw, "", values, run, lenient)
            year = self._event_year(record_type, values)
            self._checks(record_type.fields, values, "", year, run)
            for rule in CROSS_RULES.get(type_id, ()):
                for path, finding in rule(values, self._tz):
                    run.findings.append((path, self._spec(record_type, path), finding))
            self._identity_masked(record_type, values, run)
        verdict = self._verdict(type_id, run, source_record_id, location)
        if not verdict.valid:
            return Outcome(verdict)
        return Outcome(verdict, values, identity_key(record_type, values, self._tz))

    def reject(
        self,
        type_id: str,
        rule: str,
        params: Mapping[str, Any],
        *,
        location: Mapping[str, Any] | None = None,
    ) -> Outcome:
        """The verdict for input that never became a record (bad bytes, bad JSON, a cut line)."""
        self.standard.record_type(type_id)
        run = _Run()
        run.findings.append((None, None, Finding(rule, dict(params))))
        return Outcome(self._verdict(type_id, run, None, location))

    # -- steps 1-3: structure, coercion, normalisation -----------------------------------------

    def _structure(self, specs: tuple[FieldSpec, ...], raw: Mapping[str, Any], prefix: str,
                   out: dict[str, Any], run: _Run, lenient: bool) -> None:
        known = {spec.name for spec in specs}
        for key in raw:
            if key not in known:
                run.add(prefix + _shown(str(key)), None, "SCHEMA.UNKNOWN_FIELD")
        for spec in specs:
            value = self._field(spec, raw.get(spec.name, _MISSING), prefix + spec.name, run,
                                lenient)
            if value is not _INVALID:
                out[spec.name] = value

    def _field(self, spec: FieldSpec, value: Any, path: str, run: _Run, lenient: bool) -> Any:
        if value is _MISSING or value is None or (value == "" and spec.kind != "string"):
            return self._absent(spec, path, run)
        try:
            return self._coerce(spec, value, path, run, lenient)
        except CoercionError as exc:
            run.add(path, spec, "SCHEMA.TYPE", expected=exc.expected, actual=_type_name(value))
            return _INVALID

    def _absent(self, spec: FieldSpec, path: str, run: _Run) -> Any:
        if spec.required:
            run.add(path, spec, "SCHEMA.REQUIRED")
            return _INVALID
        return None

    def _coerce(self, spec: FieldSpec, value: Any, path: str, run: _Run, lenient: bool) -> Any:
        kind = spec.kind
        if kind == "string":
            if not isinstance(value, str):
                raise CoercionError("string")
            new, kinds = _NORMALIZERS[spec.normalize](value)
            if spec.check == "uscc":
                new, more = uscc_letter_o(new)
                kinds += more
            if not new:
                return self._absent(spec, path, run)
            if kinds:
                run.change(path, spec, kinds, value, new)
            limit = min(spec.max_length or self.policy.max_string_length,
                        self.policy.max_string_length)
            if len(new) > limit:
                run.add(path, spec, "SCHEMA.MAX_LENGTH", length=len(new), limit=limit)
                return _INVALID
            return new
        if kind == "array":
            assert spec.item is not None
            items = [self._field(spec.item, item, f"{path}[{i}]", run, lenient)
                     if item is not None else self._absent(spec.item, f"{path}[{i}]", run)
                     for i, item in enumerate(to_list(value, lenient))]
            return _INVALID if any(i is _INVALID for i in items) else items
        if kind == "record":
            if not isinstance(value, dict):
                raise CoercionError("object")
            nested: dict[str, Any] = {}
            before = len(run.findings)
            self._structure(spec.fields, value, path + ".", nested, run, lenient)
            return nested if len(run.findings) == before else _INVALID
        new_value, change = self._coerce_scalar(spec, value, lenient)
        if change is not None:
            run.change(path, spec, (change,), value, getattr(new_value, "isoformat", str)())
        if kind == "decimal" and new_value < 0:
            run.add(path, spec, "VALUE.NEGATIVE")
            return _INVALID
        return new_value

    def _coerce_scalar(self, spec: FieldSpec, value: Any, lenient: bool) -> tuple[Any, str | None]:
        kind = spec.kind
        if kind == "date":
            return to_date(value)
        if kind == "timestamp":
            return to_timestamp(value, self._tz)
        if kind == "boolean":
            return to_bool(value, lenient)
        if kind == "decimal":
            return to_decimal(value, spec.scale)
        if kind == "double":
            return to_double(value, lenient)
        # int / long
        if isinstance(value, int) and not isinstance(value, bool):
            return value, None
        if lenient and isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip()), None
        raise CoercionError("integer")

    # -- step 4: field checks ----------------------------------------------------------------

    def _event_year(self, record_type: RecordType, values: Mapping[str, Any]) -> int | None:
        for name in (record_type.event_date, "updated_at"):
            day = as_local_date(values.get(name), self._tz)
            if day is not None:
                return day.year
        return None

    def _memo_check(self, check: str, value: str) -> tuple[Finding, ...]:
        key = (check, value)
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) >= _CACHE_LIMIT:
                self._memo.clear()
            found = self._memo[key] = self._value_checks[check](value)
        return found

    def _checks(self, specs: tuple[FieldSpec, ...], values: dict[str, Any], prefix: str,
                year: int | None, run: _Run) -> None:
        for spec in specs:
            value = values.get(spec.name)
            if value is None:
                continue
            path = prefix + spec.name
            if spec.kind == "array" and spec.item is not None:
                for i, item in enumerate(value):
                    if spec.item.kind == "record":
                        self._checks(spec.item.fields, item, f"{path}[{i}].", year, run)
                    elif spec.item.check:
                        self._check_value(spec.item, item, f"{path}[{i}]", values, year, run)
            elif spec.kind == "record":
                self._checks(spec.fields, value, path + ".", year, run)
            elif spec.check:
                self._check_value(spec, value, path, values, year, run)

    def _check_value(self, spec: FieldSpec, value: Any, path: str, values: dict[str, Any],
                     year: int | None, run: _Run) -> None:
        check = spec.check
        assert check is not None
        if check.startswith("code:"):
            codelist = self.standard.codelists[check[5:]]
            if value not in codelist:
                run.add(path, spec, "CODE.UNKNOWN", code=_shown(str(value)),
                        codelist=codelist.name, version=codelist.version)
            return
        if check == "region_code":
            self._check_region(spec, value, path, year, run)
            return
        if check == "counterparty_id":
            self._check_counterparty(spec, value, path, values, run)
            return
        for finding in self._memo_check(check, value):
            run.findings.append((path, spec, finding))

    def _check_region(self, spec: FieldSpec, code: str, path: str, year: int | None,
                      run: _Run) -> None:
        regions = self.standard.regions
        if len(code) != 6 or not code.isdigit():
            run.add(path, spec, "REGION.FORMAT")
        elif not regions.known(code):
            run.add(path, spec, "REGION.UNKNOWN", code=code)
        elif year is not None and not regions.in_use(code, year):
            periods = ", ".join(
                f"{p.valid_from}-{'' if p.valid_to == 9999 else p.valid_to}"
                for p in regions.periods(code)
            )
            run.add(path, spec, "REGION.NOT_IN_USE", code=code, name=regions.name(code),
                    year=year, periods=periods)

    def _check_counterparty(self, spec: FieldSpec, value: str, path: str,
                            values: dict[str, Any], run: _Run) -> None:
        """行政相对人编码: a USCC or a resident ID, as its declared id type says."""
        id_type = values.get(spec.check_with) if spec.check_with else None
        if id_type == ID_TYPE_USCC:
            fixed, kinds = uscc_letter_o(value)
            if kinds:
                run.change(path, spec, kinds, value, fixed)
                values[spec.name] = value = fixed
            primary, other = self._memo_check("uscc", value), "resident_id"
        elif id_type == ID_TYPE_RESIDENT:
            primary, other = self._memo_check("resident_id", value), "uscc"
        else:
            return
        primary_errors = [f for f in primary if RULES[f.rule].severity == "error"]
        if primary_errors and not self._memo_check(other, value):
            run.add(path, spec, "COUNTERPARTY.ID_TYPE", id_type=id_type)
            return
        for finding in primary:
            run.findings.append((path, spec, finding))

    # -- step 6 and the verdict ----------------------------------------------------------------

    def _identity_masked(self, record_type: RecordType, values: Mapping[str, Any],
                         run: _Run) -> None:
        for entry in record_type.identity:
            name = entry.partition(":")[0]
            value = values.get(name)
            if isinstance(value, str) and is_masked(value):
                run.add(name, record_type.field(name), "IDENTITY.MASKED")

    @staticmethod
    def _spec(record_type: RecordType, path: str) -> FieldSpec | None:
        try:
            return record_type.field(path.split("[")[0].split(".")[0])
        except KeyError:
            return None

    def _verdict(self, type_id: str, run: _Run, source_record_id: str | None,
                 location: Mapping[str, Any] | None) -> Verdict:
        violations: list[Violation] = []
        record_type = self.standard.types[type_id]
        for path, spec, finding in run.findings:
            severity = self.policy.severity(finding.rule)
            if severity is None:
                continue
            params = dict(finding.params)
            params.setdefault("field", path or "(record)")
            params.setdefault("label", spec.label if spec else path or "记录")
            if "other" in params:
                other = self._spec(record_type, str(params["other"]))
                params["other_label"] = other.label if other else params["other"]
            if "when" in params:
                when = self._spec(record_type, str(params["when"]))
                params["when_label"] = when.label if when else params["when"]
            zh, en = render(RULES[finding.rule], params)
            violations.append(Violation(finding.rule, severity, path, zh, en))
        return Verdict(
            record_type=type_id,
            standard_version=self.standard.version,
            violations=tuple(violations),
            changes=tuple(run.changes),
            source_record_id=source_record_id,
            location=dict(location or {}),
        )
