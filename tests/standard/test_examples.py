"""Every example record is valid, encodes as Avro against its schema, and has an identity."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import fastavro
import pytest

from hub.standard import Standard, Validator, identity_hash, load_standard
from hub.standard.schema import FieldSpec

TYPES = sorted(load_standard().types)


def test_the_pack_holds_the_thirteen_record_types(standard: Standard) -> None:
    assert set(TYPES) >= {
        "supervised_entity",
        "officer",
        "supervision_item",
        "inspection",
        "penalty",
        "coercion",
        "lightning_report",
        "hazard",
        "rectification",
        "complaint",
        "risk_clue",
        "credit_record",
        "special_equipment",
    }


@pytest.mark.parametrize("type_id", TYPES)
def test_example_is_valid_and_round_trips_through_avro(
    type_id: str,
    standard: Standard,
    validator: Validator,
    example: Callable[[str], dict[str, Any]],
) -> None:
    outcome = validator.validate(type_id, example(type_id))
    assert outcome.verdict.valid, [v.message_en for v in outcome.verdict.violations]
    assert outcome.verdict.violations == ()
    assert outcome.record is not None and outcome.identity is not None
    buffer = io.BytesIO()
    schema = standard.avro_schema(type_id)
    fastavro.schemaless_writer(buffer, schema, outcome.record)
    buffer.seek(0)
    decoded = fastavro.schemaless_reader(buffer, schema, schema)
    for name, value in outcome.record.items():
        assert decoded[name] == value, name
    assert len(identity_hash(outcome.identity)) == 64


def _walk(specs: tuple[FieldSpec, ...]) -> list[FieldSpec]:
    out: list[FieldSpec] = []
    for spec in specs:
        out.append(spec)
        out.extend(_walk(spec.fields))
        if spec.item is not None:
            out.extend(_walk(spec.item.fields))
    return out


@pytest.mark.parametrize("type_id", TYPES)
def test_schema_documents_every_field(type_id: str, standard: Standard) -> None:
    record_type = standard.record_type(type_id)
    assert record_type.full_name.startswith("cn.gov.supervision.standard.v1.")
    assert record_type.identity and record_type.identity_doc
    names = {f.name for f in record_type.fields}
    assert {"source_record_id", "updated_at"} <= names
    for spec in _walk(record_type.fields):
        assert any("\u4e00" <= c <= "\u9fff" for c in spec.label), f"{spec.name}: no Chinese name"
        if spec.personal:
            assert spec.sharing != "unconditional", spec.name


def test_fixed_names_other_parts_rely_on(standard: Standard) -> None:
    assert {"uscc", "name", "region_code"} <= standard.record_type("supervised_entity").field_names
    assert {"id_number", "name", "cert_no", "department"} <= standard.record_type(
        "officer"
    ).field_names
    officer_id = standard.record_type("officer").field("id_number")
    assert officer_id.personal and officer_id.sharing == "none"


def test_cross_level_submissions_share_one_identity(
    validator: Validator, example: Callable[[str], dict[str, Any]]
) -> None:
    county = example("inspection")
    city = example("inspection") | {
        "source_record_id": "CITY-0001",
        "item_code": " 44440106010023 ",
        "counterparty_id": "９１４４０１０６５８１２３４６７２３",  # full-width, as typed
        "implementing_agency_code": "11440106698654320h",
        "inspection_time": "2025-03-10 15:00:00",  # same day, other time, no offset
    }
    a, b = validator.validate("inspection", county), validator.validate("inspection", city)
    assert a.verdict.valid and b.verdict.valid
    assert a.identity == b.identity
    assert {c.field for c in b.verdict.changes} >= {
        "item_code",
        "counterparty_id",
        "implementing_agency_code",
        "inspection_time",
    }
    other_day = validator.validate(
        "inspection",
        county
        | {
            "inspection_time": "2025-03-11T09:30:00+08:00",
            "submitted_at": "2025-03-12T09:30:00+08:00",
        },
    )
    assert other_day.identity != a.identity
