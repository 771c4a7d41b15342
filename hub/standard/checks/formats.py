"""Shapes of the exchange format's codes: item codes, implementation lists, document numbers,
equipment codes, phone numbers.

Where the standard is not public (the tail of an implementation-list code, document numbers, the
older equipment codes) the checks are deliberately loose and say so in their rule's severity.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from hub.standard.checks import Finding

__all__ = [
    "check_doc_number",
    "check_equipment_code",
    "check_impl_list_code",
    "check_item_code",
    "check_phone",
]

_ITEM_CODE = re.compile(r"\d{14}")
# Issuing organ + kind, the year in 〔〕, a sequence, 号. Loose: the organ part is free text.
_DOC_NUMBER = re.compile(r".+〔(?:19|20)\d{2}〕.*\d+.*号")
_EQUIPMENT = re.compile(r"[0-9A-F]\d{3}\d{5}(?P<year>\d{4})\d{5}")
_EQUIPMENT_LEGACY_LENGTHS = (20, 21)
_MOBILE = re.compile(r"(?:\+?86)?1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(?:-\d{1,6})?")
_SERVICE = re.compile(r"(?:1\d{4}|[4689]\d{2}-?\d{3}-?\d{4}|95\d{3,6})")


def check_item_code(value: str) -> tuple[Finding, ...]:
    """监管事项目录编码: exactly 14 digits."""
    if _ITEM_CODE.fullmatch(value):
        return ()
    return (Finding("ITEM.FORMAT", {"length": len(value)}),)


def check_impl_list_code(
    value: str, uscc: Callable[[str], tuple[Finding, ...]]
) -> tuple[Finding, ...]:
    """检查实施清单编码: the agency's USCC, then a digit 1-5, then an undocumented tail.

    ``uscc`` checks the 18-character prefix; its findings are reported under this rule so the
    message says where the fault is.
    """
    if len(value) < 19:
        return (Finding("IMPL.FORMAT", {"length": len(value)}),)
    agency = uscc(value[:18])
    if not agency and value[18] in "12345":
        return ()
    findings = [
        Finding("IMPL.AGENCY_USCC", {"inner": f.rule})
        for f in agency
        if f.rule not in ("USCC.CHECK18_PILOT", "USCC.MASKED")
    ]
    if value[18] not in "12345":
        findings.append(Finding("IMPL.KIND", {"char": value[18]}))
    return tuple(findings)


def check_doc_number(value: str) -> tuple[Finding, ...]:
    """文书号, loosely: year in 〔〕 (after normalisation of sloppy brackets) and ending in 号."""
    if _DOC_NUMBER.fullmatch(value):
        return ()
    return (Finding("DOCNO.FORMAT"),)


def check_equipment_code(value: str) -> tuple[Finding, ...]:
    """设备代码: 4 catalogue + 5 manufacturer + 4 year + 5 sequence; legacy 20/21-character codes
    of older registrations are accepted with a warning."""
    if len(value) in _EQUIPMENT_LEGACY_LENGTHS and value.isalnum():
        return (Finding("EQUIP.LEGACY", {"length": len(value)}),)
    match = _EQUIPMENT.fullmatch(value)
    if match is None:
        return (Finding("EQUIP.FORMAT", {"length": len(value)}),)
    year = int(match["year"])
    if not 1950 <= year <= 2100:
        return (Finding("EQUIP.YEAR_RANGE", {"year": year}),)
    return ()


def check_phone(value: str) -> tuple[Finding, ...]:
    """A mainland mobile, landline (area code first) or service number. Personal: never echoed."""
    for pattern in (_MOBILE, _LANDLINE, _SERVICE):
        if pattern.fullmatch(value):
            return ()
    return (Finding("PHONE.FORMAT"),)
