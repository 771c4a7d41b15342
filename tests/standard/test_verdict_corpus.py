"""Every verdict of the frozen corpus is what it was (see ``verdict_corpus.py``).

A failure names the first input whose outcome changed and shows both outcomes: either a speed-up
changed a verdict (fix the code) or the change is deliberate (regenerate the fixture, and say so).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from hub.standard import Standard
from tests.standard import verdict_corpus


@pytest.fixture(scope="module")
def frozen() -> dict[str, Any]:
    return verdict_corpus.load()


def test_the_corpus_covers_what_it_should(frozen: dict[str, Any]) -> None:
    outcomes = frozen["outcomes"]["default"]
    rules = {v["rule"] for o in outcomes for v in o["verdict"]["violations"]}
    assert len(frozen["inputs"]) > 3_000
    assert sum(o["verdict"]["valid"] for o in outcomes) > 1_000
    assert sum(not o["verdict"]["valid"] for o in outcomes) > 1_000
    assert sum(bool(o["verdict"]["changes"]) for o in outcomes) > 500
    assert {"INPUT.TOO_DEEP", "INPUT.TOO_MANY_FIELDS", "VERDICT.MORE", "SCHEMA.TYPE"} <= rules
    assert len(rules) > 40


@pytest.mark.parametrize("policy", sorted(verdict_corpus.POLICIES))
def test_verdicts_are_unchanged(standard: Standard, frozen: dict[str, Any], policy: str) -> None:
    inputs = frozen["inputs"]
    expected = frozen["outcomes"][policy]
    actual = verdict_corpus.judge(standard, inputs, policies=(policy,))[policy]
    assert len(actual) == len(expected)
    for index, (got, want) in enumerate(zip(actual, expected, strict=True)):
        if got != want:
            shown = json.dumps(inputs[index], ensure_ascii=False)[:2000]
            assert got == want, f"input {index} ({policy}): {shown}"
