"""One case per rule: start from a valid example, break one thing, expect that rule on that field.

``test_every_rule_has_a_case`` fails when a rule is added to the catalogue without a case here.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from hub.connectors.formats.files import read_records
from hub.standard import RULES, Severity, Standard, ValidationPolicy, Validator
from hub.testing import make_resident_id, make_uscc
from hub.testing.hostile import deep_json

RNG = random.Random(7)
AGENCY = make_uscc("440106", RNG, authority="1", kind="1")
VALID_ID = make_resident_id("440106", __import__("datetime").date(1990, 5, 17), 123)


def with_check18(code17: str) -> str:
    from hub.standard.checks.uscc import uscc_check_char

    return code17 + uscc_check_char(code17)


def wrong_check(code: str) -> str:
    last = code[-1]
    return code[:-1] + ("1" if last != "1" else "2")


@dataclass(frozen=True)
class Case:
    rule: str
    type_id: str
    mutate: Callable[[dict[str, Any]], Any]
    field: str | None
    policy: ValidationPolicy = field(default_factory=ValidationPolicy)


def setter(**values: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(record: dict[str, Any]) -> None:
        record.update(values)

    return mutate


def deleter(*names: str) -> Callable[[dict[str, Any]], None]:
    def mutate(record: dict[str, Any]) -> None:
        for name in names:
            record.pop(name, None)

    return mutate


def on_item(index: int, **values: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(record: dict[str, Any]) -> None:
        record["items"][index].update(values)

    return mutate


CASES = [
    Case("SCHEMA.NOT_OBJECT", "inspection", lambda r: [r], None),
    Case("SCHEMA.REQUIRED", "supervised_entity", deleter("name"), "name"),
    Case("SCHEMA.REQUIRED", "penalty", deleter("inspection_action_no"), "inspection_action_no"),
    Case("SCHEMA.UNKNOWN_FIELD", "supervised_entity", setter(nickname="x"), "nickname"),
    Case("SCHEMA.TYPE", "inspection", setter(item_code=44440106010023), "item_code"),
    Case("SCHEMA.TYPE", "penalty", setter(filing_date="2025-02-30"), "filing_date"),
    Case("SCHEMA.TYPE", "lightning_report", on_item(0, conclusion=1), "items[0].conclusion"),
    Case("SCHEMA.MAX_LENGTH", "supervised_entity", setter(name="名" * 5000), "name"),
    Case("VALUE.NEGATIVE", "penalty", setter(fine_amount="-1.00"), "fine_amount"),
    Case("CODE.UNKNOWN", "inspection", setter(object_type="99"), "object_type"),
    Case("CODE.UNKNOWN", "penalty", setter(penalty_kinds=["03", "77"]), "penalty_kinds[1]"),
    Case("CODE.UNKNOWN", "lightning_report", on_item(1, item="lasers"), "items[1].item"),
    Case("USCC.LENGTH", "supervised_entity", setter(uscc="9144010658"), "uscc"),
    Case("USCC.ALPHABET", "supervised_entity", setter(uscc="91440106I812346723"), "uscc"),
    Case(
        "USCC.MASKED",
        "lightning_report",
        setter(inspected_unit_uscc="9133010675*****40Y"),
        "inspected_unit_uscc",
    ),
    Case(
        "USCC.AUTHORITY_TYPE",
        "supervised_entity",
        setter(uscc=make_uscc("440106", RNG, authority="9", kind="5")),
        "uscc",
    ),
    Case(
        "USCC.REGION", "supervised_entity", setter(uscc=make_uscc("110110", RNG)), "uscc"
    ),  # 燕山区, abolished 1986
    Case(
        "USCC.CHECK17", "supervised_entity", setter(uscc=with_check18("91440106581234670")), "uscc"
    ),
    Case(
        "USCC.CHECK18", "supervised_entity", setter(uscc=wrong_check("914401065812346723")), "uscc"
    ),
    Case(
        "USCC.CHECK18_PILOT",
        "supervised_entity",
        setter(uscc="91350100M000100Y44", region_code="350100"),
        "uscc",
        ValidationPolicy(uscc_pilot_prefixes=("9135",)),
    ),
    Case(
        "ID.MASKED",
        "complaint",
        setter(complainant_id_number="4401**********2025"),
        "complainant_id_number",
    ),
    Case("ID.LENGTH", "officer", setter(id_number="4401061987031504"), "id_number"),
    Case("ID.FORMAT", "officer", setter(id_number="44010619870315041A"), "id_number"),
    Case(
        "ID.REGION",
        "officer",
        setter(id_number=make_resident_id("999999", __import__("datetime").date(1987, 3, 15), 41)),
        "id_number",
    ),
    Case(
        "ID.BIRTH_DATE",
        "officer",
        setter(
            id_number=make_resident_id(
                "440106", __import__("datetime").date(1987, 3, 15), 41
            ).replace("19870315", "19871315")
        ),
        "id_number",
    ),
    Case("ID.CHECK", "officer", setter(id_number=wrong_check("440106198703150411")), "id_number"),
    Case("ID.LEGACY15", "officer", setter(id_number="440106870315041"), "id_number"),
    Case("REGION.FORMAT", "supervised_entity", setter(region_code="44010"), "region_code"),
    Case("REGION.UNKNOWN", "supervised_entity", setter(region_code="449999"), "region_code"),
    Case("REGION.NOT_IN_USE", "supervised_entity", setter(region_code="371200"), "region_code"),
    Case("ITEM.FORMAT", "supervision_item", setter(item_code="4444010601002"), "item_code"),
    Case(
        "IMPL.FORMAT", "inspection", setter(impl_list_code="11440106698654320H"), "impl_list_code"
    ),
    Case(
        "IMPL.AGENCY_USCC",
        "inspection",
        setter(impl_list_code="11440106698654320J100023"),
        "impl_list_code",
    ),
    Case(
        "IMPL.KIND",
        "inspection",
        setter(impl_list_code="11440106698654320H900023"),
        "impl_list_code",
    ),
    Case(
        "IMPL.AGENCY_MISMATCH",
        "inspection",
        setter(impl_list_code=AGENCY + "100023"),
        "impl_list_code",
    ),
    Case("DOCNO.FORMAT", "penalty", setter(penalty_doc_no="第12号处罚"), "penalty_doc_no"),
    Case(
        "EQUIP.FORMAT", "special_equipment", setter(equipment_code="8300-33108"), "equipment_code"
    ),
    Case(
        "EQUIP.LEGACY",
        "special_equipment",
        setter(equipment_code="83003310820190004201"),
        "equipment_code",
    ),
    Case(
        "EQUIP.YEAR_RANGE",
        "special_equipment",
        setter(equipment_code="830033108180000042"),
        "equipment_code",
    ),
    Case("EQUIP.CATEGORY", "special_equipment", setter(category_code="3000"), "equipment_code"),
    Case(
        "EQUIP.YEAR", "special_equipment", setter(manufacture_date="2018-09-20"), "equipment_code"
    ),
    Case("PHONE.FORMAT", "supervised_entity", setter(contact_phone="1380013"), "contact_phone"),
    Case("COUNTERPARTY.ID_TYPE", "inspection", setter(counterparty_id=VALID_ID), "counterparty_id"),
    Case("IDENTITY.MASKED", "supervised_entity", setter(uscc="9144010658*****723"), "uscc"),
    Case("DATE.ORDER", "penalty", setter(closing_date="2025-03-01"), "closing_date"),
    Case(
        "DATE.ORDER", "inspection", setter(submitted_at="2025-03-09T10:00:00+08:00"), "submitted_at"
    ),
    Case("RULE.REQUIRED_IF", "penalty", deleter("legal_review_date"), "legal_review_date"),
    Case(
        "RULE.REQUIRED_IF",
        "hazard",
        setter(hazard_level="major", rectification_deadline=None),
        "rectification_deadline",
    ),
    Case("PENALTY.FINE_AMOUNT", "penalty", deleter("fine_amount"), "fine_amount"),
    Case("PENALTY.MAJOR_COLLECTIVE", "penalty", setter(major_case=True), "collective_discussion"),
    Case(
        "INSPECTION.INSPECTORS",
        "inspection",
        setter(inspector_cert_nos=["44010623001587"]),
        "inspector_cert_nos",
    ),
    Case(
        "INSPECTION.MIN_INSPECTORS",
        "inspection",
        setter(inspectors=["李明"], inspector_cert_nos=["44010623001587"]),
        "inspectors",
    ),
    Case(
        "LIGHTNING.QUALIFICATION",
        "lightning_report",
        setter(agency_qualification="B"),
        "protection_class",
    ),
    Case(
        "LIGHTNING.QUALIFICATION_EXPIRED",
        "lightning_report",
        setter(qualification_expiry_date="2025-01-01"),
        "qualification_expiry_date",
    ),
    Case(
        "LIGHTNING.CONCLUSION",
        "lightning_report",
        setter(overall_conclusion="pass"),
        "overall_conclusion",
    ),
    Case("COMPLAINT.ANONYMOUS_PERSONAL", "complaint", setter(anonymous=True), "complainant_name"),
    Case(
        "INPUT.TOO_MANY_FIELDS",
        "inspection",
        setter(**{f"extra_{i}": i for i in range(2_100)}),
        None,
    ),
    Case("INPUT.TOO_DEEP", "inspection", setter(remarks=deep_json(300)), "remarks" + ".a" * 63),
    Case(
        "VERDICT.MORE",
        "inspection",
        setter(**{f"extra_{i}": i for i in range(5)}),
        None,
        ValidationPolicy(max_verdict_violations=2),
    ),
]


def _broken_avro() -> bytes:
    """An Avro container file of 3 blocks of 2 records, cut off inside the third block."""
    import io

    import fastavro

    schema = {"type": "record", "name": "R", "fields": [{"name": "name", "type": "string"}]}
    buffer = io.BytesIO()
    writer = fastavro.write.Writer(buffer, fastavro.parse_schema(schema), sync_interval=1)
    for i in range(6):
        writer.write({"name": f"企业{i}" * 20})
        if i % 2:
            writer.flush()
    writer.flush()
    return buffer.getvalue()[:-30]


FILE_CASES = {  # rules about unreadable input, driven through the file reader
    "INPUT.JSON": (b'{"a": 1}\n{not json}\n', "x.jsonl", 2),
    "INPUT.ENCODING": (b'{"a": 1}\n{"name": "\xff\xfe"}\n', "x.jsonl", 2),
    "INPUT.CSV_COLUMNS": (b"uscc,name,region_code\n1,2,3\n4,5\n", "x.csv", 3),
    "INPUT.TOO_LARGE": (b'{"a": 1}\n{"name": "' + b"x" * (1 << 20) + b'"}\n', "x.jsonl", 2),
    "INPUT.AVRO": (_broken_avro(), "x.avro", 6),
}


#: The hub's own rules, about sources and routing: their cases are in
#: hub/testing/contracts/runtime.py (test_least_privilege), since they need a source registry.
RUNTIME_CASES = {
    "INPUT.CD_OPERATION",  # tests/connectors/test_frontdb.py
    "INPUT.CD_TIME",  # tests/connectors/test_frontdb.py
    "INPUT.ROW",  # tests/connectors/test_frontdb.py
    "VALUE.FORM",  # cells read leniently: tests/test_bureau_files.py
    "INPUT.XLSX",  # a damaged workbook: tests/test_bureau_files.py
    "SOURCE.UNKNOWN",
    "SOURCE.TYPE_NOT_ALLOWED",
    "SOURCE.REGION",
    "SOURCE.NOT_OWNER",  # hub/testing/contracts/runtime.py (the ownership tests)
    "SOURCE.DISABLED",  # tests/runtime/test_embedded.py, tests/test_cli_runtime.py
    "SOURCE.TOPIC",  # tests/runtime/test_inbound_topic.py, tests/kafka_security
    "RECORD.TYPE_UNKNOWN",
}


def test_every_rule_has_a_case() -> None:
    covered = {case.rule for case in CASES} | set(FILE_CASES) | RUNTIME_CASES
    assert sorted(set(RULES) - covered) == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule}:{c.type_id}:{c.field}")
def test_rule(case: Case, standard: Standard, example: Callable[[str], dict[str, Any]]) -> None:
    validator = Validator(standard, case.policy)
    assert validator.validate(case.type_id, example(case.type_id)).verdict.valid  # baseline
    record = example(case.type_id)
    replaced = case.mutate(record)
    outcome = validator.validate(case.type_id, replaced if replaced is not None else record)
    hits = [v for v in outcome.verdict.violations if v.rule == case.rule]
    assert hits, f"{case.rule} not raised; got {outcome.verdict.rules()}"
    assert hits[0].field == case.field
    assert hits[0].message_zh and hits[0].message_en
    severity = case.policy.severity(case.rule)
    assert hits[0].severity is severity
    if severity is Severity.ERROR:
        assert not outcome.verdict.valid
        assert outcome.record is None


@pytest.mark.parametrize("rule", sorted(FILE_CASES))
def test_input_rule(rule: str, validator: Validator) -> None:
    import io

    data, name, line = FILE_CASES[rule]
    problems = [i for i in read_records(io.BytesIO(data), name) if not hasattr(i, "data")]
    assert [(p.rule, p.line) for p in problems] == [(rule, line)]
    verdict = validator.reject("supervised_entity", problems[0].rule, problems[0].params).verdict
    assert not verdict.valid and f"{line}" in verdict.violations[0].message_en


def test_severity_override_turns_a_rule_off(
    standard: Standard, example: Callable[[str], dict[str, Any]]
) -> None:
    record = example("penalty")
    record["penalty_doc_no"] = "第12号处罚"
    policy = ValidationPolicy(severity_overrides={"DOCNO.FORMAT": "off"})
    assert (
        "DOCNO.FORMAT"
        not in Validator(standard, policy).validate("penalty", record).verdict.rules()
    )
    policy = ValidationPolicy(severity_overrides={"DOCNO.FORMAT": "error"})
    assert not Validator(standard, policy).validate("penalty", record).verdict.valid


def test_pilot_failure_is_an_error_without_the_policy(
    validator: Validator, example: Callable[[str], dict[str, Any]]
) -> None:
    record = example("supervised_entity") | {"uscc": "91350100M000100Y44", "region_code": "350100"}
    verdict = validator.validate("supervised_entity", record).verdict
    assert "USCC.CHECK18" in verdict.rules() and not verdict.valid


def test_region_in_use_depends_on_the_record_date(
    validator: Validator, example: Callable[[str], dict[str, Any]]
) -> None:
    record = example("supervised_entity") | {"region_code": "371200"}  # 莱芜市, 1992-2018
    record["updated_at"] = "2017-06-01T10:00:00+08:00"
    record["establishment_date"] = "2010-01-01"
    assert validator.validate("supervised_entity", record).verdict.valid
    record["updated_at"] = "2019-06-01T10:00:00+08:00"
    assert "REGION.NOT_IN_USE" in validator.validate("supervised_entity", record).verdict.rules()


def test_same_day_summary_penalty_is_allowed(
    validator: Validator, example: Callable[[str], dict[str, Any]]
) -> None:
    record = example("penalty")
    record.update(
        filing_date="2025-04-28",
        legal_review_date="2025-04-28",
        decision_date="2025-04-28",
        closing_date="2025-04-28",
    )
    assert validator.validate("penalty", record).verdict.valid


def test_personal_values_never_appear_in_verdicts(
    validator: Validator, example: Callable[[str], dict[str, Any]]
) -> None:
    secret = wrong_check("440106198703150411")
    record = example("officer") | {"id_number": f" {secret.lower()} ", "phone": "1380013"}
    text = repr(validator.validate("officer", record).verdict.to_dict())
    assert secret[:17] not in text and "1380013" not in text
    cp = example("inspection") | {"counterparty_id_type": "111", "counterparty_id": f" {VALID_ID} "}
    cp_text = repr(validator.validate("inspection", cp).verdict.to_dict())
    assert VALID_ID[:17] not in cp_text
