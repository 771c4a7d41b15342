"""The console's search box: classification (total on any text) and what each kind finds."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.query.search import Kind, classify, find
from hub.runtime.embedded import EmbeddedHub
from tests.query.hubs import ENTITY, EQUIPMENT, UNIT, Scenario


@given(st.text(max_size=400))
@settings(max_examples=400, deadline=None)
def test_classify_never_raises_on_any_text(text: str) -> None:
    assert isinstance(classify(text), Kind)


@given(st.binary(max_size=64))
@settings(max_examples=200, deadline=None)
def test_classify_never_raises_on_decoded_bytes(data: bytes) -> None:
    assert isinstance(classify(data.decode("utf-8", "replace")), Kind)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("rec-55bf07c280748f95175bc4ede3", Kind.RECORD),
        ("  sub-cc58ca44d04caadf2cfad7e7fd ", Kind.SUBMISSION),
        ("gz-440106:JCXW-20250310-0015", Kind.SOURCE_RECORD),
        (ENTITY, Kind.USCC),
        (ENTITY.lower().translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}), Kind.USCC),
        ("91330106756812340y", Kind.USCC),
        ("914401065812346724", Kind.USCC),  # a mistyped USCC: the answer names the check
        (EQUIPMENT, Kind.EQUIPMENT),
        ("21501089020150009812", Kind.EQUIPMENT),  # a legacy 20-character code
        ("", Kind.EMPTY),
        ("   ", Kind.EMPTY),
        ("广州市晨曦餐饮管理有限公司", Kind.UNKNOWN),
        ("rec-", Kind.UNKNOWN),
        (":nothing-before", Kind.UNKNOWN),
        ("x" * 301, Kind.UNKNOWN),
    ],
)
def test_classify(text: str, kind: Kind) -> None:
    assert classify(text) is kind


def test_a_uscc_finds_its_dossier(loaded: tuple[EmbeddedHub, Scenario]) -> None:
    hub, _ = loaded
    result = find(hub.views, f" {UNIT.lower()} ")
    assert result.kind is Kind.USCC and result.found
    assert result.dossier is not None and result.dossier.code == UNIT
    assert result.to_dict()["dossier"]["code"] == UNIT


def test_an_equipment_code_finds_its_life(loaded: tuple[EmbeddedHub, Scenario]) -> None:
    hub, _ = loaded
    result = find(hub.views, EQUIPMENT)
    assert result.kind is Kind.EQUIPMENT and result.found
    assert result.dossier is not None and len(result.dossier.life) == 1


def test_ids_find_the_chain_in_the_hubs_time_zone(loaded: tuple[EmbeddedHub, Scenario]) -> None:
    hub, scenario = loaded
    submission = scenario.ids["penalty"]
    by_submission = find(hub.views, submission)
    assert by_submission.kind is Kind.SUBMISSION and by_submission.found
    record_ids = by_submission.to_dict()["record_ids"]
    assert len(record_ids) == 1
    by_record = find(hub.views, record_ids[0])
    assert by_record.kind is Kind.RECORD
    assert {e.submission_id for e in by_record.chain} >= {
        submission,
        scenario.ids["penalty_change"],
    }
    for entry in by_record.chain:
        assert dt.datetime.fromisoformat(entry.recorded_at).utcoffset() == dt.timedelta(hours=8)
    by_source = find(hub.views, "t-gd:JCXW-PERSON-1")
    assert by_source.kind is Kind.SOURCE_RECORD and by_source.found
    assert scenario.ids["person"] in {e.submission_id for e in by_source.chain}


def test_nothing_and_nonsense_say_so(loaded: tuple[EmbeddedHub, Scenario]) -> None:
    hub, _ = loaded
    missing = find(hub.views, "rec-00000000000000000000000000")
    assert not missing.found and missing.message is not None and "未找到" in missing.message
    nonsense = find(hub.views, "什么都不是")
    assert nonsense.kind is Kind.UNKNOWN and nonsense.message is not None
    assert nonsense.message.startswith("无法识别")
    bad = find(hub.views, "914401065812346724")
    assert not bad.found and bad.message is not None and "校验位不符" in bad.message
