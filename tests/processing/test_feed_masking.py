"""The feed rule (one per sharing class and field kind) and the per-feed schema, over every record
type of the standard with generated content, for every sharing class with and without personal
data."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import fastavro
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.domain.subscribers import NATIONAL, SHARING_LEVELS, Subscriber
from hub.events.codec import load_codec, schema_fingerprint
from hub.processing.feeds import FEED_ATTRIBUTE, feed_schema, feed_schemas, mask, shape
from hub.standard import Standard, load_standard
from hub.standard.pack import default_pack_dir
from hub.standard.schema import FieldSpec, RecordType

STANDARD = load_standard(default_pack_dir())
CLASSES = [(sharing, personal) for sharing in SHARING_LEVELS for personal in (False, True)]
TEXT = st.text(
    alphabet="张王李赵刘陈杨黄周吴三丰伟芳娜敏静强磊军洋杭州市西湖区监督检查0123456789ABX-",
    max_size=24,
)


def _value(spec: FieldSpec, nested: bool = False) -> st.SearchStrategy[Any]:
    """Avro values of a field, as the codec decodes them (dates, aware timestamps, decimals)."""
    kind = spec.kind
    base: st.SearchStrategy[Any]
    if kind == "string":
        base = TEXT
    elif kind == "boolean":
        base = st.booleans()
    elif kind == "int":
        base = st.integers(-(2**31), 2**31 - 1)
    elif kind == "long":
        base = st.integers(-(2**53), 2**53)
    elif kind == "double":
        base = st.floats(allow_nan=False, allow_infinity=False)
    elif kind == "date":
        base = st.dates(dt.date(1950, 1, 1), dt.date(2040, 12, 31))
    elif kind == "timestamp":
        base = st.integers(0, 2_200_000_000_000).map(
            lambda ms: dt.datetime.fromtimestamp(ms / 1000, dt.UTC).replace(
                microsecond=(ms % 1000) * 1000
            )
        )
    elif kind == "decimal":
        base = st.integers(-(10**10), 10**10).map(lambda i: Decimal(i).scaleb(-spec.scale))
    elif kind == "array":
        assert spec.item is not None
        base = st.lists(_value(spec.item, nested=True), max_size=3)
    else:
        base = st.fixed_dictionaries({f.name: _value(f) for f in spec.fields})
    if not spec.required and not nested:
        return st.none() | base
    return base


def _content(record_type: RecordType) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({f.name: _value(f) for f in record_type.fields})


def _check(
    stored: Any,
    shaped: Any,
    spec: FieldSpec,
    subscriber: Subscriber,
    where: str,
    person: bool = False,
    secrets: tuple[str, ...] = (),
) -> None:
    """The rule stated independently of shape(): what ``shaped`` must be given ``stored``
    (``person``: the field is personal in this record by persons.json; ``secrets``: the
    natural-person subject's name and id, masked in the record's free text)."""
    levels = SHARING_LEVELS[subscriber.sharing]
    if stored is None:
        assert shaped is None, where
        return
    if spec.sharing not in levels:
        assert shaped is None, f"{where}: withheld ({spec.sharing}) but {shaped!r}"
        return
    if (spec.personal or person) and not subscriber.personal:
        if isinstance(stored, str):
            assert isinstance(shaped, str) and len(shaped) == len(stored), where
            if len(stored) > 2:
                assert shaped[0] == stored[0] and shaped[-1] == stored[-1], where
                assert set(shaped[1:-1]) <= {"*"}, where
            else:
                assert set(shaped) <= {"*"}, where
        elif isinstance(stored, list) and spec.item is not None and spec.item.kind == "string":
            assert shaped == [mask(v) for v in stored], where
        else:
            assert shaped is None, f"{where}: a personal non-string is withheld"
        return
    if spec.kind == "record":
        assert set(shaped) == set(stored), where
        for inner in spec.fields:
            _check(
                stored[inner.name],
                shaped[inner.name],
                inner,
                subscriber,
                f"{where}.{inner.name}",
                secrets=secrets,
            )
    elif spec.kind == "array":
        assert spec.item is not None and len(shaped) == len(stored), where
        for i, (a, b) in enumerate(zip(stored, shaped, strict=True)):
            _check(a, b, spec.item, subscriber, f"{where}[{i}]", secrets=secrets)
    elif spec.kind == "string" and spec.check is None and spec.normalize == "text" and secrets:
        expected = stored
        for secret in secrets:
            expected = expected.replace(secret, mask(secret))
        assert shaped == expected and len(shaped) == len(stored), where
        assert not any(secret in shaped for secret in secrets), where
    else:
        assert shaped == stored, where


def _subject(record_type: RecordType, stored: dict[str, Any], subscriber: Subscriber) -> Any:
    """The persons.json rule of the type when it makes ``stored`` a natural person's record for
    this subscriber (stated from the pack file's fields, not from shape())."""
    rule = record_type.person
    if rule is None or subscriber.personal:
        return None
    return rule if any(stored.get(f) in codes for f, codes in rule.when) else None


def _roundtrip(schema: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    """Write with the feed schema, read back with that schema alone (what a subscriber does)."""
    parsed = fastavro.parse_schema(schema, named_schemas={})
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, parsed, value, strict_allow_default=True)
    again = fastavro.parse_schema(json.loads(json.dumps(schema)), named_schemas={})
    out = fastavro.schemaless_reader(io.BytesIO(buffer.getvalue()), again, None)
    assert isinstance(out, dict)
    return out


@pytest.mark.parametrize("type_id", sorted(STANDARD.types))
@pytest.mark.parametrize(("sharing", "personal"), CLASSES)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_field_is_as_stored_masked_or_withheld_and_fits_the_feed_schema(
    type_id: str, sharing: Any, personal: bool, data: st.DataObject
) -> None:
    record_type = STANDARD.record_type(type_id)
    subscriber = Subscriber("dept-a", sharing=sharing, personal=personal)
    stored = data.draw(_content(record_type))
    shaped = shape(stored, record_type, subscriber)
    assert set(shaped) == set(stored)
    rule = _subject(record_type, stored, subscriber)
    secrets: tuple[str, ...] = ()
    if rule is not None:
        found = {stored.get(rule.name), stored.get(rule.id)}
        secrets = tuple(
            sorted((v for v in found if isinstance(v, str) and len(v) >= 2), key=len, reverse=True)
        )
    for spec in record_type.fields:
        person = rule is not None and spec.name in rule.fields
        _check(
            stored[spec.name],
            shaped[spec.name],
            spec,
            subscriber,
            f"{type_id}.{spec.name}",
            person,
            () if person else secrets,
        )
    assert _roundtrip(feed_schema(record_type, subscriber), shaped) == shaped


@pytest.mark.parametrize(("sharing", "personal"), CLASSES)
def test_the_schema_marks_each_changed_field_and_only_those(sharing: Any, personal: bool) -> None:
    subscriber = Subscriber("dept-a", sharing=sharing, personal=personal)
    schemas = feed_schemas(STANDARD, subscriber)
    assert sorted(schemas) == sorted(STANDARD.types)
    for type_id, schema in schemas.items():
        record_type = STANDARD.record_type(type_id)
        maybe = record_type.person.fields if record_type.person else frozenset()
        for raw, spec in zip(schema["fields"], record_type.fields, strict=True):
            mark = raw.get(FEED_ATTRIBUTE)
            if spec.sharing not in subscriber.levels or (
                spec.personal and not personal and spec.kind != "string"
            ):
                assert mark == "withheld" and raw["type"][0] == "null" and raw["default"] is None
            elif (spec.personal or spec.name in maybe) and not personal:
                assert mark == "masked" and "hub.check" not in raw
            else:
                assert (
                    mark is None
                    and raw["type"]
                    == record_type.avro["fields"][record_type.fields.index(spec)]["type"]
                )


def test_an_officer_on_each_feed() -> None:
    """Required personal strings: masked on a conditional feed, withheld (null, the schema
    nullable) on an unconditional one, as stored on the national platform's."""
    officer = STANDARD.record_type("officer")
    stored = {f.name: None for f in officer.fields}
    stored |= {"id_number": "33010619850312002X", "name": "张三丰", "phone": "13812345678"}
    conditional = Subscriber("dept-a", sharing="all", personal=False)
    seen = shape(stored, officer, conditional)
    assert seen["id_number"] == "3****************X"
    assert seen["phone"] == "1*********8"
    assert shape(stored, officer, Subscriber("dept-b"))["id_number"] is None
    [field] = [
        f for f in feed_schema(officer, Subscriber("dept-b"))["fields"] if f["name"] == "id_number"
    ]
    assert field["type"] == ["null", "string"] and field[FEED_ATTRIBUTE] == "withheld"
    assert shape(stored, officer, NATIONAL) == stored
    assert mask("张三丰") == "张*丰" and mask("张三") == "**"


def test_the_national_feed_keeps_the_record_schema_and_its_bytes(standard: Standard) -> None:
    codec = load_codec(default_pack_dir())
    for type_id, schema in feed_schemas(standard, NATIONAL).items():
        record_type = standard.record_type(type_id)
        assert schema == record_type.avro
        text = json.dumps(schema, ensure_ascii=False, separators=(",", ":"))
        assert schema_fingerprint(text) == codec.fingerprint(record_type.full_name)
        assert codec.schema_text(codec.fingerprint(record_type.full_name)) == text


def test_a_withheld_required_field_changes_the_fingerprint() -> None:
    officer = STANDARD.record_type("officer")
    mine = json.dumps(feed_schema(officer, Subscriber("dept-b")))
    theirs = json.dumps(officer.avro)
    assert schema_fingerprint(mine) != schema_fingerprint(theirs)
