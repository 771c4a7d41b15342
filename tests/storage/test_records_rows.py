"""The records projection's content text is the canonical JSON of the record's JSON form, for
every record type of the standard (the text the round trip through avro_to_json gives)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import orjson
import pytest

from hub.processing.content import avro_to_json
from hub.projections.records import content_text, utc
from hub.standard import Standard, Validator


@pytest.mark.parametrize(
    "type_id",
    [
        "coercion",
        "complaint",
        "credit_record",
        "hazard",
        "inspection",
        "lightning_report",
        "officer",
        "penalty",
        "rectification",
        "risk_clue",
        "special_equipment",
        "supervised_entity",
        "supervision_item",
    ],
)
def test_content_text_is_the_canonical_json_of_the_json_form(
    standard: Standard, validator: Validator, type_id: str
) -> None:
    outcome = validator.validate(type_id, standard.example(type_id))
    assert outcome.record is not None, outcome
    typed = outcome.record
    expected = orjson.dumps(avro_to_json(typed), option=orjson.OPT_SORT_KEYS).decode()
    assert content_text(typed) == expected


def test_content_text_writes_decimals_dates_and_nested_values_like_the_json_form() -> None:
    typed = {
        "b": Decimal("12.50"),
        "a": dt.date(2025, 1, 2),
        "t": dt.datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC),
        "n": [{"z": 1, "y": None}],
    }
    expected = orjson.dumps(avro_to_json(typed), option=orjson.OPT_SORT_KEYS).decode()
    assert content_text(typed) == expected
    assert content_text(typed).startswith('{"a":"2025-01-02","b":"12.50"')


def test_utc_gives_the_same_text_for_a_datetime_and_its_iso_text() -> None:
    moment = dt.datetime(2025, 1, 2, 11, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert utc(moment) == utc(moment.isoformat()) == "2025-01-02T03:04:05+00:00"
    with pytest.raises(TypeError):
        utc(17)
