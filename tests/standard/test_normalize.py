"""Normalisation is applied, recorded in the verdict, and never alters the submitted input."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from hub.standard import Validator
from hub.standard.normalize import normalize_code, normalize_doc_number, normalize_text


def test_code_normalisation_kinds() -> None:
    assert normalize_code("９１３５０１００ｍ０００１００ｙ４３") == (
        "91350100M000100Y43",
        ("fullwidth", "uppercase"),
    )
    assert normalize_code("\u3000913501 00M000100Y43 ") == (
        "91350100M000100Y43",
        ("trim", "inner_space"),
    )
    assert normalize_code("91350100M000100Y43") == ("91350100M000100Y43", ())


def test_text_keeps_inner_content() -> None:
    assert normalize_text("  广州市（天河）  ") == ("广州市（天河）", ("trim",))


def test_doc_number_brackets() -> None:
    for sloppy in (
        "穗天市监处罚[2025]12号",
        "穗天市监处罚（2025）12号",
        "穗天市监处罚(2025)12号",
        "穗天市监处罚【2025】12号",
    ):
        new, kinds = normalize_doc_number(sloppy)
        assert new == "穗天市监处罚〔2025〕12号" and "brackets" in kinds


def test_verdict_records_changes_and_input_is_untouched(
    validator: Validator, example: Callable[[str], dict[str, Any]]
) -> None:
    raw = example("penalty") | {
        "penalty_doc_no": " 穗天市监处罚（2025）12号",
        "implementing_agency_code": "１１４４０１０６６９８６５４３２０ｈ",
        "filing_date": "2025/3/14",
        "hearing": "否",
    }
    before = copy.deepcopy(raw)
    outcome = validator.validate("penalty", raw)
    assert raw == before
    assert outcome.verdict.valid
    changes = {c.field: c for c in outcome.verdict.changes}
    assert changes["penalty_doc_no"].kinds == ("trim", "fullwidth", "brackets")
    assert changes["penalty_doc_no"].after == "穗天市监处罚〔2025〕12号"
    assert changes["implementing_agency_code"].kinds == ("fullwidth", "uppercase")
    assert changes["filing_date"].kinds == ("date_format",)
    assert changes["hearing"].kinds == ("boolean_format",)
    assert outcome.record is not None and outcome.record["hearing"] is False
    assert outcome.record["penalty_doc_no"] == "穗天市监处罚〔2025〕12号"


def test_letter_o_read_as_zero_only_when_checks_agree(
    validator: Validator, example: Callable[[str], dict[str, Any]]
) -> None:
    ok = validator.validate(
        "supervised_entity", example("supervised_entity") | {"uscc": "9144O1O65812346723"}
    )
    assert ok.verdict.valid and ok.record is not None and ok.record["uscc"] == "914401065812346723"
    assert "letter_o_as_zero" in ok.verdict.changes[0].kinds
    bad = validator.validate(
        "supervised_entity", example("supervised_entity") | {"uscc": "9144O1O65812346724"}
    )
    assert "USCC.CHECK18" in bad.verdict.rules()


def test_csv_strings_are_read_without_recording_changes(
    validator: Validator, example: Callable[[str], dict[str, Any]]
) -> None:
    raw = {k: str(v).lower() if isinstance(v, bool) else v for k, v in example("complaint").items()}
    outcome = validator.validate("complaint", raw, lenient=True)
    assert outcome.verdict.valid and outcome.verdict.changes == ()
