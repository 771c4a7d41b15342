"""Defects of ``invalid`` submissions: one realistic mistake planted in a copy of a valid record.

Each defect is one a bureau's system actually makes (a wrong check character, a label sent for a
code, a date before the one it must follow, a required field left out) and one the hub's standard
must reject; ``Submission.defect`` names it so tests can check the verdict. A defect never moves a
record outside its source's region: only city and province sources, whose code tables may be
stale, send a retired region code, and only one of the record's own city.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from hub.standard.checks.uscc import USCC_ALPHABET
from hub.testing.province.clock import ts
from hub.testing.province.places import RETIRED_CODES, person
from hub.testing.province.records import Draft

__all__ = ["plant_defect"]


def plant_defect(rng: random.Random, draft: Draft, record: dict[str, Any]) -> str:
    """Plant one realistic defect in ``record``; returns its name."""
    level = draft.source.spec.level
    options: list[str] = {
        "supervised_entity": [
            "uscc_check",
            "uscc_letter_i",
            "id_check",
            "missing_name",
            "status_label",
            "capital_text",
            "phone_digits",
        ],
        "inspection": [
            "counterparty_check",
            "agency_check",
            "missing_result",
            "object_type_code",
            "submitted_before_inspection",
            "item_code_number",
            "inspectors_certs",
            "id_type_mismatch",
        ],
        "penalty": [
            "missing_doc_no",
            "decision_before_filing",
            "fine_missing",
            "penalty_kind_label",
            "legal_review_date_missing",
            "boolean_text",
            "agency_check",
        ],
        "lightning_report": [
            "qualification_class",
            "conclusion_pass_with_fail",
            "advice_missing",
            "next_before_inspection",
            "inspection_kind_label",
            "unit_uscc_check",
        ],
        "hazard": [
            "level_label",
            "major_without_deadline",
            "deadline_before_discovery",
            "status_label",
            "missing_description",
            "unit_uscc_check",
        ],
    }[draft.type_id]
    if level != "county":  # a stale code table; a retired code of the source's own city
        options.append("retired_region")
    defect = "retired_region" if level != "county" and rng.random() < 0.3 else ""
    defect = defect or rng.choice(options)
    if defect == "retired_region":
        region_city = record["region_code"][:4] + "00"
        record["region_code"] = rng.choice(RETIRED_CODES[region_city])
    elif defect in ("uscc_check", "agency_check", "unit_uscc_check", "counterparty_check"):
        name = {
            "uscc_check": "uscc",
            "agency_check": "implementing_agency_code",
            "unit_uscc_check": "inspected_unit_uscc"
            if draft.type_id == "lightning_report"
            else "unit_uscc",
            "counterparty_check": "counterparty_id",
        }[defect]
        resident = name == "counterparty_id" and record["counterparty_id_type"] == "111"
        record[name] = _bad_check(record[name], rng, resident=resident)
    elif defect == "uscc_letter_i":  # I typed for 1: not guessed, unlike O for 0
        code = record["uscc"]
        spot = next((i for i in range(8, 16) if code[i] == "1"), None)
        if spot is None:
            record["uscc"], defect = _bad_check(code, rng), "uscc_check"
        else:
            record["uscc"] = code[:spot] + "I" + code[spot + 1 :]
    elif defect == "id_check":
        record["legal_rep_id_number"] = _bad_check(
            record["legal_rep_id_number"], rng, resident=True
        )
    elif defect == "missing_name":
        del record["name"]
    elif defect == "status_label":
        record["status"] = "存续" if draft.type_id == "supervised_entity" else "已整改"
    elif defect == "capital_text":
        record["registered_capital"] = f"{record.get('registered_capital', '50.00')[:-3]}万元"
    elif defect == "phone_digits":
        record["contact_phone"] = f"1{rng.choice('3578')}{rng.randrange(10**8):08d}"
    elif defect == "missing_result":
        del record["inspection_result"]
    elif defect == "object_type_code":
        record["object_type"] = "99"
    elif defect == "submitted_before_inspection":
        when = dt.datetime.fromisoformat(record["inspection_time"])
        record["submitted_at"] = ts(when - dt.timedelta(days=1))
    elif defect == "item_code_number":
        record["item_code"] = int(record["item_code"])
    elif defect == "inspectors_certs":
        record["inspector_cert_nos"] = record["inspector_cert_nos"][:1]
        if len(record["inspectors"]) == 1:
            record["inspectors"].append(person(rng))
    elif defect == "id_type_mismatch":
        record["counterparty_id_type"] = "111" if record["counterparty_id_type"] == "001" else "001"
    elif defect == "missing_doc_no":
        del record["penalty_doc_no"]
    elif defect == "decision_before_filing":
        filing = dt.date.fromisoformat(record["filing_date"])
        record["decision_date"] = (filing - dt.timedelta(days=rng.randint(1, 5))).isoformat()
    elif defect == "fine_missing":
        record["penalty_kinds"] = ["03"]
        record.pop("fine_amount", None)
    elif defect == "penalty_kind_label":
        record["penalty_kinds"] = ["罚款" if "03" in record["penalty_kinds"] else "警告"]
    elif defect == "legal_review_date_missing":
        record["legal_review"] = True
        record.pop("legal_review_date", None)
        record.setdefault("legal_review_opinion", "同意。")
    elif defect == "boolean_text":
        record["hearing"] = "无"
    elif defect == "qualification_class":
        record["agency_qualification"] = "B"
        if record["protection_class"] == "3":
            record["protection_class"] = "2"
    elif defect == "conclusion_pass_with_fail":
        record["items"][0]["conclusion"] = "fail"
        record["overall_conclusion"] = "pass"
    elif defect == "advice_missing":
        record["overall_conclusion"] = "fail"
        record["items"][-1]["conclusion"] = "fail"
        record.pop("rectification_advice", None)
    elif defect == "next_before_inspection":
        day = dt.date.fromisoformat(record["inspection_date"])
        record["next_inspection_date"] = (day - dt.timedelta(days=365)).isoformat()
    elif defect == "inspection_kind_label":
        record["inspection_kind"] = "定期检测"
    elif defect == "level_label":
        record["hazard_level"] = "一般" if record["hazard_level"] == "general" else "重大"
    elif defect == "major_without_deadline":
        record["hazard_level"] = "major"
        record.pop("rectification_deadline", None)
    elif defect == "deadline_before_discovery":
        day = dt.date.fromisoformat(record["discovered_date"])
        record["rectification_deadline"] = (day - dt.timedelta(days=5)).isoformat()
    elif defect == "missing_description":
        del record["description"]
    return defect


def _bad_check(code: str, rng: random.Random, *, resident: bool = False) -> str:
    """The same USCC (or resident ID number) with a wrong check character."""
    alphabet = "0123456789X" if resident else USCC_ALPHABET
    return code[:-1] + rng.choice([c for c in alphabet if c != code[-1]])
