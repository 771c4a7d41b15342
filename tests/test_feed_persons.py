"""A natural person's record on the feed of a subscriber without ``personal``: the counterparty's
name and ID number are masked (persons.json), and the name is masked in the record's free text
too (a case name, an action name); a legal person's record is as stored; the values are written
with the feed schema and decoded with it alone, as the relay and a subscriber do."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from hub.domain.subscribers import NATIONAL, Subscriber
from hub.events.codec import Codec
from hub.processing.feeds import FEED_ATTRIBUTE, feed_schemas, mask, shape
from hub.standard import Standard
from hub.standard.validator import Validator

NAME = "周超"
ID_NUMBER = "330383199103211025"
LONGER = "欧阳建华"
#: the free-text field of each type that names the counterparty, and the field with its name
TEXT = {"inspection": "action_name", "penalty": "case_name", "coercion": "reason"}
DEPARTMENT = Subscriber("dept-a", sharing="conditional", personal=False)
ENTITLED = Subscriber("dept-b", sharing="conditional", personal=True)


def _person(
    validator: Validator, example: Callable[[str], dict[str, Any]], type_id: str, name: str
) -> dict[str, Any]:
    """The type's example with a natural person as its counterparty, as the hub stores it."""
    record = example(type_id)
    record |= {
        "counterparty_name": name,
        "counterparty_nature": "2",
        "counterparty_id_type": "111",
        "counterparty_id": ID_NUMBER,
        TEXT[type_id]: f"{name}投诉举报核查（当事人{name}，证号{ID_NUMBER}）",
    }
    if type_id == "inspection":
        record |= {"object_type": "2", "supervised_object": name}
    outcome = validator.validate(type_id, record)
    assert outcome.record is not None, outcome.verdict
    return outcome.record


def _stored(
    validator: Validator, example: Callable[[str], dict[str, Any]], type_id: str
) -> dict[str, Any]:
    outcome = validator.validate(type_id, example(type_id))
    assert outcome.record is not None, outcome.verdict
    return outcome.record


@pytest.mark.parametrize("type_id", sorted(TEXT))
@pytest.mark.parametrize("name", [NAME, LONGER])
def test_a_natural_persons_name_and_id_never_reach_a_feed_without_personal(
    standard: Standard,
    validator: Validator,
    example: Callable[[str], dict[str, Any]],
    type_id: str,
    name: str,
) -> None:
    record_type = standard.record_type(type_id)
    stored = _person(validator, example, type_id, name)
    shaped = shape(stored, record_type, DEPARTMENT)
    feed = Codec(feed_schemas(standard, DEPARTMENT).values())
    decoded = feed.decode(feed.encode(record_type.full_name, shaped))[1]
    assert decoded == shaped
    text = json.dumps(decoded, ensure_ascii=False, default=str)
    assert name not in text and ID_NUMBER not in text
    assert decoded["counterparty_name"] == mask(name)
    assert decoded["counterparty_id"] == ID_NUMBER[0] + "*" * 16 + ID_NUMBER[-1]
    assert decoded[TEXT[type_id]].startswith(mask(name) + "投诉举报核查")
    assert decoded["counterparty_nature"] == "2"  # the codes saying why stay as stored
    if type_id == "inspection":
        assert decoded["supervised_object"] == mask(name)
    # entitled readers get the stored values
    assert shape(stored, record_type, ENTITLED) == stored
    assert shape(stored, record_type, NATIONAL) == stored


@pytest.mark.parametrize("type_id", sorted(TEXT))
def test_a_legal_persons_record_is_as_stored_and_the_schema_marks_what_may_be_masked(
    standard: Standard,
    validator: Validator,
    example: Callable[[str], dict[str, Any]],
    type_id: str,
) -> None:
    record_type = standard.record_type(type_id)
    stored = _stored(validator, example, type_id)
    assert stored["counterparty_nature"] == "1"
    shaped = shape(stored, record_type, DEPARTMENT)
    for name in ("counterparty_name", "counterparty_id", TEXT[type_id]):
        assert shaped[name] == stored[name], name
    feed = Codec(feed_schemas(standard, DEPARTMENT).values())
    assert feed.decode(feed.encode(record_type.full_name, shaped))[1] == shaped
    schema = feed_schemas(standard, DEPARTMENT)[type_id]
    marks = {f["name"]: f.get(FEED_ATTRIBUTE) for f in schema["fields"]}
    assert marks["counterparty_name"] == marks["counterparty_id"] == "masked"
    counterparty_id = next(f for f in schema["fields"] if f["name"] == "counterparty_id")
    assert "hub.check" not in counterparty_id and "hub.check_with" not in counterparty_id
    assert FEED_ATTRIBUTE not in json.dumps(feed_schemas(standard, ENTITLED)[type_id])
