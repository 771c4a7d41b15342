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
item and region codes thousands of times. Steps 2-4 run as one generated function per record
type and reading mode (``passes.py``), which also tells whether the record is flat: a flat record
(scalars and arrays of scalars, the usual shape) is within the shape bounds without a walk of its
own, and anything else is walked as step 1 says before its verdict is given. The speed-ups keep
every outcome: ``tests/standard/test_verdict_corpus.py`` compares thousands of them with a copy
frozen before they were made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.bounds import shape_over
from hub.standard.checks import Finding
from hub.standard.checks.formats import (
    check_doc_number,
    check_equipment_code,
    check_impl_list_code,
    check_item_code,
    check_phone,
)
from hub.standard.checks.resident_id import check_resident_id
from hub.standard.checks.uscc import MASK_CHAR, check_uscc
from hub.standard.crossfield import CROSS_RULES, ID_TYPE_RESIDENT, ID_TYPE_USCC, as_local_date
from hub.standard.fields import (
    ABSENT,
    INVALID,
    SHOWN_LENGTH,
    FieldPlan,
    FieldResult,
    SubChange,
    ValueCheck,
    array_inline_form,
    compile_field,
    inline_form,
    shown,
    type_name,
)
from hub.standard.identity import identity_function
from hub.standard.messages import RULES, Severity, render
from hub.standard.normalize import uscc_letter_o
from hub.standard.pack import Standard
from hub.standard.passes import FieldPass, compile_pass
from hub.standard.policy import ValidationPolicy
from hub.standard.regions import OPEN_END
from hub.standard.schema import FieldSpec, RecordType
from hub.standard.verdict import Change, Verdict, Violation, clean_verdict

__all__ = ["Outcome", "Validator"]

_CACHE_LIMIT = 200_000
#: Checks of values that rarely repeat (an implementation-list code ends in a per-record tail):
#: not memoised by value, since a memo of unique values costs an insert per record and saves
#: nothing (the implementation-list check memoises the part its findings depend on).
_UNIQUE_CHECKS = frozenset({"impl_list_code"})
_REQUIRED = Finding("SCHEMA.REQUIRED")


@dataclass(frozen=True, slots=True)
class Outcome:
    """A verdict, and for a valid record its normalised Avro values and identity key."""

    verdict: Verdict
    record: dict[str, Any] | None = None
    identity: tuple[str, ...] | None = None


_Found = tuple[str | None, FieldSpec | None, Finding]
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _flat(raw: dict[Any, Any]) -> bool:
    """Whether a record holds only scalars and arrays of scalars (exact JSON types): then
    ``shape_over`` has nothing to walk and the record is within any bound of two levels or more."""
    scalars = _SCALARS
    for value in raw.values():
        kind = type(value)
        if kind is str:
            continue
        if kind is list:
            for item in value:
                if type(item) not in scalars:
                    return False
        elif kind not in scalars:
            return False
    return True


class _Compiled:
    """A record type compiled for validation: one plan per field, the contextual checks, and the
    field pass per reading mode (compiled again when a plan's memo is switched off)."""

    __slots__ = (
        "counterparty",
        "identity",
        "identity_names",
        "known",
        "pass_lenient",
        "pass_strict",
        "plans",
        "record_type",
        "regions",
        "rules",
        "template",
        "year_fields",
    )

    def __init__(
        self, record_type: RecordType, plans: tuple[FieldPlan, ...], tz: dt.tzinfo
    ) -> None:
        self.record_type = record_type
        self.plans = plans
        self.known = record_type.field_names
        self.regions = tuple(s for s in record_type.fields if s.check == "region_code")
        self.counterparty = tuple(s for s in record_type.fields if s.check == "counterparty_id")
        self.year_fields = (record_type.event_date, "updated_at")
        self.rules = CROSS_RULES.get(record_type.type_id, ())
        self.identity = identity_function(record_type, tz)
        self.identity_names = tuple(e.partition(":")[0] for e in record_type.identity)
        #: a record's values before its pass: every field None, in order (see passes.FieldPass)
        self.template: dict[str, Any] = dict.fromkeys(plan.name for plan in plans)
        self.pass_strict: FieldPass | None = None
        self.pass_lenient: FieldPass | None = None

    def field_pass(self, lenient: bool) -> FieldPass:
        run = compile_pass(self.plans, lenient, Validator._reported)
        if lenient:
            self.pass_lenient = run
        else:
            self.pass_strict = run
        return run

    def review(self, records: int) -> None:
        for plan in self.plans:
            plan.review(records)
        self.pass_strict = self.pass_lenient = None


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

        def uscc(value: str) -> tuple[Finding, ...]:
            return check_uscc(value, lambda r: regions.in_use_since(r, since), pilots)

        def agency(prefix: str) -> tuple[Finding, ...]:
            return self._memo_check("uscc", prefix)

        impl_memo: dict[str, tuple[Finding, ...]] = {}

        def impl_list_code(value: str) -> tuple[Finding, ...]:
            # the findings depend on the agency's USCC and the kind digit only (the first 19
            # characters), which repeat; the tail is per record
            if len(value) < 19:
                return check_impl_list_code(value, agency)
            head = value[:19]
            found = impl_memo.get(head)
            if found is None:
                if len(impl_memo) >= _CACHE_LIMIT:
                    impl_memo.clear()
                found = impl_memo[head] = check_impl_list_code(head, agency)
            return found

        self._value_checks: dict[str, ValueCheck] = {
            "uscc": uscc,
            "resident_id": lambda v: check_resident_id(v, regions.known),
            "item_code": check_item_code,
            "impl_list_code": impl_list_code,
            "doc_number": check_doc_number,
            "equipment_code": check_equipment_code,
            "phone": check_phone,
            "region_code": self._region_format,
        }
        self._compiled: dict[str, _Compiled] = {}
        # a flat record (scalars and arrays of scalars) is two levels deep
        self._flat_ok = self.policy.max_record_depth >= 2
        self._context_memo: dict[tuple[Any, ...], Any] = {}
        self._seen = 0

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
        compiled = self._compiled.get(type_id) or self._compile(type_id)
        if type(raw) is dict and self._flat_ok and len(raw) <= self.policy.max_record_fields:
            # the common case, in one pass that also sees whether the record is flat
            outcome = self._judge(compiled, type_id, raw, lenient, location)
            if outcome is not None:
                return outcome
        found: list[_Found] = []
        changes: list[Change] = []
        values: dict[str, Any] = compiled.template.copy()
        source_record_id: str | None = None
        policy = self.policy
        shape = shape_over(raw, policy.max_record_fields, policy.max_record_depth)
        if shape is not None:
            # bound before working: nothing below walks a record this large or this deep
            sid = raw.get("source_record_id") if isinstance(raw, dict) else None
            source_record_id = shown(sid.strip()) if isinstance(sid, str) else None
            code = "INPUT.TOO_MANY_FIELDS" if shape.limit == "fields" else "INPUT.TOO_DEEP"
            at = shape.path or "(record)"
            params = {"actual": f"{shape.actual:,}", "max": shape.max, "field": at}
            found.append((shape.path or None, None, Finding(code, params)))
        elif not isinstance(raw, dict):
            found.append((None, None, Finding("SCHEMA.NOT_OBJECT", {"actual": type_name(raw)})))
        else:
            sid = raw.get("source_record_id")
            source_record_id = shown(sid.strip()) if isinstance(sid, str) else None
            self._unknown_fields(compiled, raw, found)
            self._seen += 1
            if self._seen == FieldPlan.PROBE:
                self._review()
            run = compiled.pass_lenient if lenient else compiled.pass_strict
            if run is None:
                run = compiled.field_pass(lenient)
            run(raw.get, values, found, changes)
            return self._finish(
                compiled, type_id, values, found, changes, source_record_id, location
            )
        verdict = self._verdict(type_id, found, changes, source_record_id, location)
        return Outcome(verdict)

    def _judge(
        self,
        compiled: _Compiled,
        type_id: str,
        raw: dict[str, Any],
        lenient: bool,
        location: Mapping[str, Any] | None,
    ) -> Outcome | None:
        """A record judged in one pass; None when it was not flat and breaks a shape bound
        (then :meth:`validate` judges it the long way, which reports only that)."""
        found: list[_Found] = []
        changes: list[Change] = []
        values: dict[str, Any] = compiled.template.copy()
        unknown = not compiled.known.issuperset(raw)
        if unknown:
            self._unknown_fields(compiled, raw, found)
        self._seen += 1
        if self._seen == FieldPlan.PROBE:
            self._review()
        run = compiled.pass_lenient if lenient else compiled.pass_strict
        if run is None:
            run = compiled.field_pass(lenient)
        flat = run(raw.get, values, found, changes)
        if unknown and flat:
            flat = _flat(raw)  # the values of unknown fields, which the pass did not see
        if not flat:
            policy = self.policy
            if shape_over(raw, policy.max_record_fields, policy.max_record_depth) is not None:
                return None
        sid = raw.get("source_record_id")
        if isinstance(sid, str):
            sid = sid.strip()
            if len(sid) > SHOWN_LENGTH:
                sid = shown(sid)
        else:
            sid = None
        return self._finish(compiled, type_id, values, found, changes, sid, location)

    def _unknown_fields(
        self, compiled: _Compiled, raw: dict[str, Any], found: list[_Found]
    ) -> None:
        known = compiled.known
        if not known.issuperset(raw):
            found.extend(
                (shown(str(key)), None, Finding("SCHEMA.UNKNOWN_FIELD"))
                for key in raw
                if key not in known
            )

    def _review(self) -> None:
        """``PROBE`` records judged: fields whose values do not repeat stop memoising."""
        for compiled_type in self._compiled.values():
            compiled_type.review(self._seen)

    def _finish(
        self,
        compiled: _Compiled,
        type_id: str,
        values: dict[str, Any],
        found: list[_Found],
        changes: list[Change],
        source_record_id: str | None,
        location: Mapping[str, Any] | None,
    ) -> Outcome:
        """Steps 4-6 after the field pass (contextual checks, cross-field rules, identity), then
        the verdict."""
        record_type = compiled.record_type
        self._contextual(compiled, values, found, changes)
        tz = self._tz
        for rule in compiled.rules:
            for path, finding in rule(values, tz):
                found.append((path, self._spec(record_type, path), finding))
        key: tuple[str, ...] | None = None
        if not found:
            # the common case: valid unless an identity value is masked; a string part of the
            # key is the field's value itself, so the key tells (a key that cannot be computed
            # is computed again below, where the record's outcome needs it)
            try:
                key = compiled.identity(values)
            except (OverflowError, ValueError):
                key = None
            if key is not None and MASK_CHAR not in "".join(key):
                verdict = clean_verdict(
                    type_id,
                    self.standard.version,
                    tuple(changes),
                    source_record_id,
                    dict(location) if location else {},
                )
                return Outcome(verdict, values, key)
        get = values.get
        for name in compiled.identity_names:
            value = get(name)
            if isinstance(value, str) and MASK_CHAR in value:
                found.append((name, record_type.field(name), Finding("IDENTITY.MASKED")))
        verdict = self._verdict(type_id, found, changes, source_record_id, location)
        if not verdict.valid:
            return Outcome(verdict)
        return Outcome(verdict, values, key if key is not None else compiled.identity(values))

    @staticmethod
    def _reported(
        plan: FieldPlan,
        result: FieldResult,
        values: dict[str, Any],
        found: list[_Found],
        changes: list[Change],
    ) -> None:
        """A field whose handler had something to report: findings, changes, or no value."""
        name = plan.name
        if result.findings:
            found.extend((name + sub, plan.spec, f) for sub, f in result.findings)
        if result.changes:
            Validator._add_changes(plan.spec, result.changes, changes)
        value = result.value
        if value is ABSENT:
            if plan.required:
                found.append((name, plan.spec, _REQUIRED))
                del values[name]
            else:
                values[name] = None
        elif value is INVALID:
            del values[name]
        else:
            values[name] = value

    def reject(
        self,
        type_id: str,
        rule: str,
        params: Mapping[str, Any],
        *,
        location: Mapping[str, Any] | None = None,
    ) -> Outcome:
        """The verdict for input that never became a record (bad bytes, bad JSON, a cut line,
        an unknown source or record type): any ``type_id`` is accepted here."""
        found: list[_Found] = [(None, None, Finding(rule, dict(params)))]
        return Outcome(self._verdict(type_id, found, [], None, location))

    # -- compilation ---------------------------------------------------------------------------

    def _compile(self, type_id: str) -> _Compiled:
        compiled = self._compiled.get(type_id)
        if compiled is None:
            record_type = self.standard.record_type(type_id)
            limit = self.policy.max_string_length
            plans = tuple(
                FieldPlan(
                    spec,
                    compile_field(spec, self._value_check, self._tz, limit),
                    inline_form(spec, self._value_check(spec), limit)
                    or array_inline_form(
                        spec, self._value_check(spec.item) if spec.item else None, limit
                    ),
                )
                for spec in record_type.fields
            )
            compiled = self._compiled[type_id] = _Compiled(record_type, plans, self._tz)
        return compiled

    def _value_check(self, spec: FieldSpec) -> ValueCheck | None:
        """The context-free check of a field, memoised per value across fields."""
        check = spec.check
        if check is None or check == "counterparty_id":
            return None
        if check.startswith("code:"):
            codelist = self.standard.codelists[check[5:]]
            unknown = {"codelist": codelist.name, "version": codelist.version}

            def in_list(value: str) -> tuple[Finding, ...]:
                if value in codelist:
                    return ()
                return (Finding("CODE.UNKNOWN", {"code": shown(value), **unknown}),)

            return in_list
        if check in _UNIQUE_CHECKS:
            return self._value_checks[check]
        return lambda value: self._memo_check(check, value)

    def _region_format(self, code: str) -> tuple[Finding, ...]:
        if len(code) != 6 or not code.isdigit():
            return (Finding("REGION.FORMAT"),)
        if not self.standard.regions.known(code):
            return (Finding("REGION.UNKNOWN", {"code": code}),)
        return ()

    @staticmethod
    def _add_changes(spec: FieldSpec, subs: tuple[SubChange, ...], out: list[Change]) -> None:
        # a counterparty id may be a resident ID: its values are never echoed
        personal = spec.personal or spec.check == "counterparty_id"
        for sub, kinds, before, after in subs:
            path = spec.name + sub
            out.append(Change(path, kinds) if personal else Change(path, kinds, before, after))

    # -- step 4: field checks ----------------------------------------------------------------

    def _event_year(self, compiled: _Compiled, values: Mapping[str, Any]) -> int | None:
        tz = self._tz
        for name in compiled.year_fields:
            value = values.get(name)
            if type(value) is dt.datetime:
                # already at the offset (the usual case): the same wall time, no conversion
                return value.year if value.tzinfo == tz else value.astimezone(tz).year
            day = as_local_date(value, tz)
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

    def _contextual(
        self,
        compiled: _Compiled,
        values: dict[str, Any],
        found: list[_Found],
        changes: list[Change],
    ) -> None:
        """Checks that need the rest of the record (memoised: the inputs repeat)."""
        memo = self._context_memo
        if compiled.regions:
            year = self._event_year(compiled, values)
            for spec in compiled.regions:
                code = values.get(spec.name)
                if year is not None and code:
                    key: tuple[Any, ...] = ("region", code, year)
                    finding = memo.get(key)
                    if finding is None:
                        finding = self._memoised(key, self._region_in_use)
                    if finding:
                        found.append((spec.name, spec, finding[0]))
        for spec in compiled.counterparty:
            value = values.get(spec.name)
            id_type = values.get(spec.check_with) if spec.check_with else None
            if not value or id_type not in (ID_TYPE_USCC, ID_TYPE_RESIDENT):
                continue
            key = ("counterparty", id_type, value)
            hit = memo.get(key)
            fixed, kinds, findings = (
                hit if hit is not None else self._memoised(key, self._counterparty)
            )
            if kinds:
                changes.append(Change(spec.name, kinds))
                values[spec.name] = fixed
            if findings:
                found.extend((spec.name, spec, finding) for finding in findings)

    def _memoised(self, key: tuple[Any, ...], compute: Callable[..., Any]) -> Any:
        found = self._context_memo.get(key)
        if found is None:
            if len(self._context_memo) >= _CACHE_LIMIT:
                self._context_memo.clear()
            found = self._context_memo[key] = compute(*key[1:])
        return found

    def _region_in_use(self, code: str, year: int) -> tuple[Finding, ...]:
        regions = self.standard.regions
        if not regions.known(code) or regions.in_use(code, year):
            return ()  # an unknown code was reported by the field's own check
        periods = ", ".join(
            f"{p.valid_from}-{'' if p.valid_to == OPEN_END else p.valid_to}"
            for p in regions.periods(code)
        )
        params: dict[str, object] = {
            "code": code,
            "name": regions.name(code),
            "year": year,
            "periods": periods,
        }
        return (Finding("REGION.NOT_IN_USE", params),)

    def _counterparty(
        self, id_type: str, value: str
    ) -> tuple[str, tuple[str, ...], tuple[Finding, ...]]:
        """行政相对人编码: a USCC or a resident ID, as its declared id type says."""
        kinds: tuple[str, ...] = ()
        if id_type == ID_TYPE_USCC:
            value, kinds = uscc_letter_o(value)
            primary, other = self._memo_check("uscc", value), "resident_id"
        else:
            primary, other = self._memo_check("resident_id", value), "uscc"
        if any(RULES[f.rule].severity == "error" for f in primary) and not self._memo_check(
            other, value
        ):
            return value, kinds, (Finding("COUNTERPARTY.ID_TYPE", {"id_type": id_type}),)
        return value, kinds, primary

    # -- the verdict ----------------------------------------------------------------

    @staticmethod
    def _spec(record_type: RecordType, path: str) -> FieldSpec | None:
        """The spec at a path such as ``items[2].conclusion`` (None when there is none)."""
        specs = record_type.fields
        spec: FieldSpec | None = None
        for part in path.split("."):
            name = part.split("[")[0]
            spec = next((s for s in specs if s.name == name), None)
            if spec is None:
                return None
            specs = spec.item.fields if spec.item is not None else spec.fields
        return spec

    def violation(
        self, type_id: str, rule: str, params: Mapping[str, Any], field: str | None = None
    ) -> Violation | None:
        """Render one finding as a violation (None when the policy turned the rule off)."""
        record_type = self.standard.types.get(type_id)
        spec = self._spec(record_type, field) if record_type and field else None
        return self._render(record_type, field, spec, Finding(rule, dict(params)))

    def _render(
        self,
        record_type: RecordType | None,
        path: str | None,
        spec: FieldSpec | None,
        finding: Finding,
    ) -> Violation | None:
        severity = self.policy.severity(finding.rule)
        if severity is None:
            return None
        if record_type is not None and path and ("." in path or "[" in path):
            spec = self._spec(record_type, path) or spec
        params = dict(finding.params)
        params.setdefault("field", path or "(record)")
        params.setdefault("label", spec.label if spec else path or "记录")
        for key, label_key in (("other", "other_label"), ("when", "when_label")):
            if key in params:
                other = self._spec(record_type, str(params[key])) if record_type else None
                params[label_key] = other.label if other else params[key]
        zh, en = render(RULES[finding.rule], params)
        return Violation(finding.rule, severity, path, zh, en)

    def _verdict(
        self,
        type_id: str,
        found: list[_Found],
        changes: list[Change],
        source_record_id: str | None,
        location: Mapping[str, Any] | None,
    ) -> Verdict:
        record_type = self.standard.types.get(type_id)
        listed: dict[str, int] = {}
        unlisted: dict[str, int] = {}
        severity_of: dict[str, Severity] = {}
        violations: list[Violation] = []
        cap = self.policy.max_verdict_violations
        for path, spec, finding in found:
            rule = finding.rule
            if listed.get(rule, 0) >= cap:
                # a verdict's size is bounded: repeats of a rule are counted, not rendered
                unlisted[rule] = unlisted.get(rule, 0) + 1
                continue
            v = self._render(record_type, path, spec, finding)
            if v is not None:
                listed[rule] = listed.get(rule, 0) + 1
                severity_of[rule] = v.severity
                violations.append(v)
        violations.extend(_summary(r, n, severity_of[r]) for r, n in unlisted.items())
        return Verdict(
            record_type=type_id,
            standard_version=self.standard.version,
            violations=tuple(violations),
            changes=tuple(changes),
            source_record_id=source_record_id,
            location=dict(location or {}),
        )


_WHAT = {"SCHEMA.UNKNOWN_FIELD": ("标准中没有的字段", "unknown fields")}


def _summary(rule: str, count: int, severity: Severity) -> Violation:
    """One violation standing for ``count`` more of ``rule``, with its severity."""
    what_zh, what_en = _WHAT.get(rule, ("同类问题", "violations of this rule"))
    params: dict[str, object] = {
        "count": f"{count:,}",
        "rule": rule,
        "what_zh": what_zh,
        "what_en": what_en,
    }
    zh, en = render(RULES["VERDICT.MORE"], params)
    return Violation("VERDICT.MORE", severity, None, zh, en)
