"""Sloppy formatting: how an aggregating platform re-sends a record it did not write.

A city or province platform re-sends its counties' records with surrounding spaces, lower-case or
full-width codes, timestamps without offset, ``2025/3/1`` dates, ``[2025]`` brackets, ``是/否`` and
money as a number. Every change here normalises back to the original value (see
docs/standard.md), so a cross-level duplicate is the same record once normalised.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from hub.testing.province.records import META

__all__ = ["sloppy"]

# field classes for sloppy formatting (every one normalises back: see docs/standard.md)
_CODE_FIELDS = {
    "supervised_entity": ("uscc", "region_code", "legal_rep_id_number"),
    "inspection": (
        "plan_id",
        "item_code",
        "impl_list_code",
        "action_no",
        "implementing_agency_code",
        "counterparty_id",
        "region_code",
    ),
    "penalty": (
        "inspection_action_no",
        "item_code",
        "impl_list_code",
        "implementing_agency_code",
        "counterparty_id",
        "region_code",
    ),
    "lightning_report": ("report_no", "agency_code", "inspected_unit_uscc", "region_code"),
    "hazard": ("hazard_no", "source_report_no", "agency_code", "unit_uscc", "region_code"),
}
_DATE_FIELDS = {
    "supervised_entity": ("establishment_date",),
    "inspection": (),
    "penalty": (
        "filing_date",
        "legal_review_date",
        "collective_discussion_date",
        "decision_date",
        "closing_date",
    ),
    "lightning_report": ("inspection_date", "next_inspection_date", "qualification_expiry_date"),
    "hazard": ("discovered_date", "rectification_deadline"),
}
_TIME_FIELDS = ("inspection_time", "submitted_at", "updated_at")
_BOOL_FIELDS = (
    "hearing",
    "criminal_transfer",
    "major_case",
    "legal_review",
    "collective_discussion",
    "admin_review",
    "litigation",
)
_MONEY_FIELDS = ("registered_capital", "fine_amount", "confiscated_amount", "fine_paid")
_FULLWIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}


def sloppy(rng: random.Random, type_id: str, record: dict[str, Any]) -> None:
    """Formatting an aggregating platform introduces; every change normalises back."""
    ops = rng.sample(
        ("pad", "lower", "fullwidth", "offset", "date", "brackets", "bool", "money"),
        rng.randint(2, 4),
    )
    codes = [f for f in _CODE_FIELDS[type_id] if isinstance(record.get(f), str)]
    if "pad" in ops:
        texts = [k for k, v in record.items() if isinstance(v, str) and k not in META]
        for key in rng.sample(texts, min(len(texts), rng.randint(1, 3))):
            record[key] = rng.choice((" {} ", "{}  ", "\u3000{}", " {}")).format(record[key])
    if "lower" in ops:
        for key in codes:
            if any(c.isalpha() for c in record[key]) and rng.random() < 0.7:
                record[key] = record[key].lower()
    if "fullwidth" in ops and codes:
        for key in rng.sample(codes, min(len(codes), rng.randint(1, 2))):
            record[key] = record[key].translate(_FULLWIDTH)
    if "offset" in ops:
        for key in _TIME_FIELDS:
            value = record.get(key)
            if isinstance(value, str) and value.endswith("+08:00"):
                value = value.removesuffix("+08:00")
                record[key] = value.replace("T", " ") if rng.random() < 0.5 else value
    if "date" in ops:
        form = rng.choice(
            ("{y}/{m:02d}/{d:02d}", "{y}/{m}/{d}", "{y}{m:02d}{d:02d}", "{y}年{m}月{d}日")
        )
        for key in _DATE_FIELDS[type_id]:
            value = record.get(key)
            if isinstance(value, str) and len(value) == 10:
                day = dt.date.fromisoformat(value)
                record[key] = form.format(y=day.year, m=day.month, d=day.day)
    if "brackets" in ops and isinstance(record.get("penalty_doc_no"), str):
        left, right = rng.choice((("[", "]"), ("(", ")"), ("（", "）"), ("【", "】")))
        record["penalty_doc_no"] = record["penalty_doc_no"].replace("〔", left).replace("〕", right)
    if "bool" in ops:
        for key in _BOOL_FIELDS:
            if isinstance(record.get(key), bool):
                record[key] = "是" if record[key] else "否"
    if "money" in ops:
        for key in _MONEY_FIELDS:
            value = record.get(key)
            if isinstance(value, str):
                amount = Decimal(value)
                record[key] = int(amount) if amount == amount.to_integral() else float(amount)
