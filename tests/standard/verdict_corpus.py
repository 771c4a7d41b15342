"""A frozen corpus of records and their verdicts, to catch any change of a verdict.

The validator is tuned for speed (memos, fast paths for clean values, plans compiled per record
type); a fast path that disagrees with the general one would change a verdict silently. This
module builds a corpus of real-shaped records (``hub.testing.generate``), garbled ones (wrong
types, sloppy formatting, masked ids, shapes from ``hub.testing.hostile``) and the examples of
every record type broken field by field, read strictly and leniently (CSV cells), under two
policies. ``python -m tests.standard.verdict_corpus`` writes the inputs and the outcomes to
``fixtures/verdicts.json.gz``; ``test_verdict_corpus.py`` replays the frozen inputs and compares.

Regenerate only for a deliberate change of verdicts (a new rule, a new message), and say so in
the commit: the fixture is the record of what the hub used to answer.
"""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import gzip
import json
import random
from pathlib import Path
from typing import Any

from hub.standard import Outcome, Standard, ValidationPolicy, Validator, load_standard
from hub.standard.schema import FieldSpec
from hub.testing.generate import inspections
from hub.testing.hostile import deep_json, many_keys

FIXTURE = Path(__file__).parent / "fixtures" / "verdicts.json.gz"
SEED = 20261202
INSPECTIONS = 3000

#: A policy that turns the knobs: rules off and downgraded, few listed violations per rule.
STRICT_POLICY = ValidationPolicy(
    uscc_pilot_prefixes=("9144",),
    severity_overrides={
        "SCHEMA.UNKNOWN_FIELD": "warning",
        "REGION.NOT_IN_USE": "off",
        "DATE.ORDER": "warning",
        "INSPECTION.MIN_INSPECTORS": "error",
    },
    max_verdict_violations=2,
    max_string_length=120,
)
#: Tight shape bounds: records at and over them, flat or not, take the long way.
BOUNDED_POLICY = ValidationPolicy(
    max_record_fields=28, max_record_depth=2, max_verdict_violations=1
)
#: Type and presence rules off: records with invalid or missing values pass, without them.
LAX_POLICY = ValidationPolicy(
    severity_overrides={
        "SCHEMA.TYPE": "off",
        "SCHEMA.REQUIRED": "off",
        "VALUE.FORM": "off",
        "SCHEMA.MAX_LENGTH": "warning",
        "CODE.UNKNOWN": "off",
    }
)
POLICIES = {
    "default": ValidationPolicy(),
    "turned": STRICT_POLICY,
    "bounded": BOUNDED_POLICY,
    "lax": LAX_POLICY,
}

_FULLWIDTH = {cp - 0xFEE0: cp for cp in range(0xFF01, 0xFF5F)}
_ODD_VALUES: tuple[Any, ...] = (
    "",
    " ",
    "\u3000",
    0,
    12,
    -3,
    1.5,
    True,
    False,
    [],
    ["x"],
    {},
    {"a": 1},
    "null",
    "是",
    "否",
    "N/A",
    "44010619900517123X",
    "4401********1234",
    "9144****UBUC66D57W",
    "x" * 130,
    "２０２５－０３－０１",
    "2025/3/1",
    "20250301",
    "2025年3月1日",
    "2025.6.1 9:30",
    "2025-06-01 09:30:00",
    "2025-06-01T09:30",
    "2025-02-30",
    "2025-06-01T09:30:00Z",
    "1,000.50元",
    "￥5,000",
    "5,00",
    "-12.5",
    "1e3",
    "NaN",
    "3.14159",
    "371202",
    "999999",
    "44011",
    "ＡＢＣ１２３",
    " abc 123 ",
    "O0O0",
    "-100",
    "440106900517123",
    "44010619900231123X",
    "B",
    "pass",
    "2016-01-01",
    "2035-12-31",
)


def _garble_text(value: str, rng: random.Random) -> str:
    """One of the ways sources mistype a string."""
    kind = rng.randrange(9)
    if kind == 0:
        return value.translate(_FULLWIDTH)
    if kind == 1:
        return value.lower()
    if kind == 2:
        return " " + value + "\u3000"
    if kind == 3:
        middle = len(value) // 2
        return value[:middle] + " " + value[middle:]
    if kind == 4:
        return value.replace("0", "O")
    if kind == 5:
        return value[:-1]
    if kind == 6 and len(value) > 8:
        return value[:4] + "*" * (len(value) - 8) + value[-4:]
    if kind == 7:
        return value + value
    return "\t" + value


def _garble_value(value: Any, rng: random.Random) -> Any:
    if isinstance(value, str) and value and rng.random() < 0.6:
        return _garble_text(value, rng)
    if isinstance(value, list) and value and rng.random() < 0.5:
        out = list(value)
        index = rng.randrange(len(out))
        out[index] = _garble_value(out[index], rng)
        if rng.random() < 0.3:
            out.append(rng.choice(_ODD_VALUES))
        if rng.random() < 0.2:
            out.pop(0)
        return out
    if isinstance(value, dict) and value and rng.random() < 0.5:
        out_dict = dict(value)
        key = rng.choice(list(out_dict))
        out_dict[key] = _garble_value(out_dict[key], rng)
        return out_dict
    return copy.deepcopy(rng.choice(_ODD_VALUES))


def garble(record: dict[str, Any], rng: random.Random) -> Any:
    """A record with one to four defects, sloppy formatting included."""
    out = dict(record)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(10)
        if op <= 5 and out:
            key = rng.choice(list(out))
            out[key] = _garble_value(out[key], rng)
        elif op == 6 and out:
            out.pop(rng.choice(list(out)))
        elif op == 7:
            out[rng.choice(("extra", "备注", "inspection_time2", "x" * 80))] = "?"
        elif op == 8 and out:
            out[rng.choice(list(out))] = None
        else:
            swap = {"001": "111", "111": "001"}
            if "counterparty_id_type" in out:
                out["counterparty_id_type"] = swap.get(out["counterparty_id_type"], "001")
    return out


def as_cells(value: Any, rng: random.Random) -> Any:
    """A record as a CSV reader hands it over: every value a string."""
    if isinstance(value, dict):
        return {key: as_cells(item, rng) for key, item in value.items()}
    if isinstance(value, bool):
        return rng.choice(("是", "否", "true", "false", "1", "0", "y", "no", "maybe"))
    if isinstance(value, int | float):
        return rng.choice((str(value), f"{value:,}元", f" {value} "))
    if isinstance(value, list):
        if value and all(isinstance(item, str) for item in value) and rng.random() < 0.5:
            return rng.choice((";", "；", "、")).join(value)
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and len(value) >= 10 and value[:4].isdigit() and value[4] == "-":
        return rng.choice((value, value[:10].replace("-", "/"), value.replace("T", " ")[:16]))
    return value


def _break_fields(record: dict[str, Any], fields: tuple[FieldSpec, ...], rng: random.Random) -> Any:
    out = dict(record)
    spec = rng.choice(fields)
    if spec.name in out and rng.random() < 0.7:
        out[spec.name] = _garble_value(out[spec.name], rng)
    else:
        out[spec.name] = copy.deepcopy(rng.choice(_ODD_VALUES))
    return out


def build_inputs(standard: Standard) -> list[dict[str, Any]]:
    """The corpus: ``{"type", "lenient", "raw"}`` entries (JSON values only)."""
    rng = random.Random(SEED)
    entries: list[dict[str, Any]] = []

    def add(type_id: str, raw: Any, lenient: bool = False) -> None:
        entries.append({"type": type_id, "lenient": lenient, "raw": raw})

    for record in inspections(INSPECTIONS, seed=SEED, invalid_rate=0.1):
        roll = rng.random()
        if roll < 0.55:
            add("inspection", record)
        elif roll < 0.85:
            add("inspection", garble(record, rng))
        else:
            add("inspection", as_cells(garble(record, rng) if roll < 0.92 else record, rng), True)
    for type_id in sorted(standard.types):
        example = standard.example(type_id)
        fields = standard.record_type(type_id).fields
        add(type_id, example)
        add(type_id, as_cells(example, rng), True)
        for _ in range(60):
            broken = _break_fields(example, fields, rng)
            if rng.random() < 0.4:
                broken = garble(broken, rng)
            lenient = rng.random() < 0.3
            add(type_id, as_cells(broken, rng) if lenient else broken, lenient)
    example = standard.example("inspection")
    for raw in (
        None,
        [],
        "record",
        42,
        [example],
        {},
        many_keys(example, 150),
        many_keys(example, 2_100),
        {**example, "inspectors": deep_json(70)},
        {**example, "inspectors": [deep_json(10)]},
        {**example, "extra": deep_json(70)},
        {**example, "inspectors": ["王" * 300, "李"]},
    ):
        add("inspection", raw)
        add("inspection", raw, True)
    return entries


def _value(value: Any) -> Any:
    """An Avro value as JSON, tagged so a type change shows."""
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, float):
        return {"$float": repr(value)}
    if isinstance(value, dict):
        return {key: _value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_value(item) for item in value]
    return value


def describe(outcome: Outcome) -> dict[str, Any]:
    """Everything an outcome says: the verdict (violations, warnings, changes) and the record."""
    return {
        "verdict": outcome.verdict.to_dict(),
        "record": _value(outcome.record) if outcome.record is not None else None,
        "identity": list(outcome.identity) if outcome.identity is not None else None,
    }


def judge(
    standard: Standard, entries: list[dict[str, Any]], policies: tuple[str, ...] = tuple(POLICIES)
) -> dict[str, list[dict[str, Any]]]:
    """The outcomes of the corpus under each policy, one validator per policy (memos included),
    as JSON values."""
    results: dict[str, list[dict[str, Any]]] = {}
    for name in policies:
        validator = Validator(standard, POLICIES[name])
        results[name] = [
            describe(
                validator.validate(
                    e["type"], copy.deepcopy(e["raw"]), lenient=e["lenient"], location={"n": i}
                )
            )
            for i, e in enumerate(entries)
        ]
    roundtrip: dict[str, list[dict[str, Any]]] = json.loads(json.dumps(results))
    return roundtrip


def load() -> dict[str, Any]:
    with gzip.open(FIXTURE, "rt", encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def main() -> None:
    standard = load_standard()
    # judged as the test will read them back: through JSON
    entries = json.loads(json.dumps(build_inputs(standard), ensure_ascii=False))
    data = {"inputs": entries, "outcomes": judge(standard, entries)}
    FIXTURE.parent.mkdir(exist_ok=True)
    text = json.dumps(data, ensure_ascii=False)
    with gzip.GzipFile(FIXTURE, "wb", mtime=0) as handle:
        handle.write(text.encode("utf-8"))
    print(f"{len(entries)} inputs, {FIXTURE.stat().st_size:,} bytes: {FIXTURE}")


if __name__ == "__main__":
    main()
