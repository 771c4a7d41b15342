"""Cross-field rules per record type: pure functions of the coerced record.

A rule is called only with fields that passed their own checks (absent fields are skipped, since
their absence is already reported or allowed). Each rule returns its ``(field path, Finding)``
pairs, most often none: plain functions returning a list, not generators, since the rules run on
every record and a generator costs more to start than a rule costs to check.

Codes the rules depend on (the fine in ``penalty_kind``, class B in ``lightning_qualification``...)
are named at the top: a bureau replacing a code list must keep these codes or change them here.

Decision recorded: the public validators say "closing date > filing date". The hub checks
"not before" (>=): a summary-procedure penalty (简易程序, 行政处罚法 art. 51) is filed, decided
and closed on the same day, and rejecting it would push sources to fake dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from hub.standard.checks import Finding

__all__ = ["CROSS_RULES", "CrossRule", "as_local_date"]

Record = Mapping[str, Any]
Found = list[tuple[str, Finding]]
CrossRule = Callable[[Record, dt.tzinfo], Found]

FINE = "03"
QUALIFICATION_B = "B"
ITEM_FAIL = "fail"
ITEM_PASS = "pass"  # noqa: S105 - a conclusion code, not a password
HAZARD_MAJOR = "major"
RECTIFICATION_DONE = frozenset({"3"})  # 已完成整改
ID_TYPE_USCC = "001"
ID_TYPE_RESIDENT = "111"


def as_local_date(value: Any, tz: dt.tzinfo) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.astimezone(tz).date()
    if isinstance(value, dt.date):
        return value
    return None


def not_before(later: str, earlier: str) -> CrossRule:
    """``later`` must not be before ``earlier``; a date against a timestamp compares local dates."""

    def rule(record: Record, tz: dt.tzinfo) -> Found:
        a, b = record.get(later), record.get(earlier)
        if a is None or b is None:
            return []
        if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
            broken = a < b
        else:
            la, lb = as_local_date(a, tz), as_local_date(b, tz)
            broken = la is not None and lb is not None and la < lb
        return [(later, Finding("DATE.ORDER", {"other": earlier}))] if broken else []

    return rule


def required_when(target: str, when: str, values: frozenset[Any]) -> CrossRule:
    """``target`` is required when ``when`` takes one of ``values``."""

    def rule(record: Record, tz: dt.tzinfo) -> Found:
        if record.get(when) in values and record.get(target) in (None, "", []):
            shown = "/".join(sorted(str(v).lower() for v in values))
            return [(target, Finding("RULE.REQUIRED_IF", {"when": when, "when_value": shown}))]
        return []

    return rule


def _fine_amount(record: Record, tz: dt.tzinfo) -> Found:
    amount = record.get("fine_amount")
    if FINE in (record.get("penalty_kinds") or ()) and (amount is None or amount <= 0):
        return [("fine_amount", Finding("PENALTY.FINE_AMOUNT"))]
    return []


def _major_collective(record: Record, tz: dt.tzinfo) -> Found:
    if record.get("major_case") is True and record.get("collective_discussion") is not True:
        return [("collective_discussion", Finding("PENALTY.MAJOR_COLLECTIVE"))]
    return []


def _inspectors(record: Record, tz: dt.tzinfo) -> Found:
    names, certs = record.get("inspectors"), record.get("inspector_cert_nos")
    if names is None or certs is None:
        return []
    found: Found = []
    if len(names) != len(certs):
        found.append(
            (
                "inspector_cert_nos",
                Finding("INSPECTION.INSPECTORS", {"names": len(names), "certs": len(certs)}),
            )
        )
    if len(names) < 2:
        found.append(("inspectors", Finding("INSPECTION.MIN_INSPECTORS")))
    return found


def _impl_agency(record: Record, tz: dt.tzinfo) -> Found:
    code, agency = record.get("impl_list_code"), record.get("implementing_agency_code")
    if code and agency and not code.startswith(agency):
        return [("impl_list_code", Finding("IMPL.AGENCY_MISMATCH"))]
    return []


def _lightning_qualification(record: Record, tz: dt.tzinfo) -> Found:
    found: Found = []
    klass = record.get("protection_class")
    if record.get("agency_qualification") == QUALIFICATION_B and klass in ("1", "2"):
        found.append(
            ("protection_class", Finding("LIGHTNING.QUALIFICATION", {"protection_class": klass}))
        )
    expiry, inspected = record.get("qualification_expiry_date"), record.get("inspection_date")
    if expiry is not None and inspected is not None and inspected > expiry:
        found.append(("qualification_expiry_date", Finding("LIGHTNING.QUALIFICATION_EXPIRED")))
    return found


def _lightning_conclusion(record: Record, tz: dt.tzinfo) -> Found:
    items = record.get("items") or ()
    if record.get("overall_conclusion") == ITEM_PASS and any(
        item.get("conclusion") == ITEM_FAIL for item in items
    ):
        return [("overall_conclusion", Finding("LIGHTNING.CONCLUSION"))]
    return []


def _anonymous_complaint(record: Record, tz: dt.tzinfo) -> Found:
    if record.get("anonymous") is not True:
        return []
    return [
        (name, Finding("COMPLAINT.ANONYMOUS_PERSONAL"))
        for name in ("complainant_name", "complainant_id_number", "complainant_phone")
        if record.get(name)
    ]


def _equipment(record: Record, tz: dt.tzinfo) -> Found:
    code, category = record.get("equipment_code"), record.get("category_code")
    if not code or len(code) != 18:
        return []
    found: Found = []
    if category and code[0] != category[0]:
        found.append(("equipment_code", Finding("EQUIP.CATEGORY", {"category": category})))
    made = record.get("manufacture_date")
    if made is not None and code[9:13] != f"{made.year:04d}":
        found.append(("equipment_code", Finding("EQUIP.YEAR")))
    return found


CROSS_RULES: dict[str, tuple[CrossRule, ...]] = {
    "officer": (not_before("cert_expiry_date", "cert_issue_date"),),
    "inspection": (not_before("submitted_at", "inspection_time"), _inspectors, _impl_agency),
    "penalty": (
        not_before("decision_date", "filing_date"),
        not_before("closing_date", "filing_date"),
        not_before("closing_date", "decision_date"),
        not_before("submitted_at", "closing_date"),
        not_before("submitted_at", "decision_date"),
        not_before("legal_review_date", "filing_date"),
        not_before("collective_discussion_date", "filing_date"),
        required_when("legal_review_date", "legal_review", frozenset({True})),
        required_when("legal_review_opinion", "legal_review", frozenset({True})),
        required_when("collective_discussion_date", "collective_discussion", frozenset({True})),
        required_when(
            "collective_discussion_conclusion", "collective_discussion", frozenset({True})
        ),
        _fine_amount,
        _major_collective,
        _impl_agency,
    ),
    "coercion": (
        not_before("end_date", "start_date"),
        not_before("extension_date", "start_date"),
        not_before("submitted_at", "start_date"),
    ),
    "lightning_report": (
        not_before("next_inspection_date", "inspection_date"),
        _lightning_qualification,
        _lightning_conclusion,
        required_when("rectification_advice", "overall_conclusion", frozenset({ITEM_FAIL})),
    ),
    "hazard": (
        required_when("rectification_deadline", "hazard_level", frozenset({HAZARD_MAJOR})),
        not_before("rectification_deadline", "discovered_date"),
    ),
    "rectification": (
        not_before("deadline", "plan_date"),
        required_when("completed_date", "result", RECTIFICATION_DONE),
        not_before("completed_date", "plan_date"),
        not_before("verified_date", "completed_date"),
    ),
    "complaint": (
        required_when("complainant_name", "anonymous", frozenset({False})),
        not_before("closed_at", "received_at"),
        _anonymous_complaint,
    ),
    "risk_clue": (not_before("closed_at", "issued_at"),),
    "credit_record": (not_before("valid_until", "decision_date"),),
    "special_equipment": (
        not_before("next_inspection_date", "last_inspection_date"),
        _equipment,
    ),
}
