"""The console's search box: classification (total on any text) and what each kind finds."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.api.v1.dossiers import visible_dossier
from hub.domain.accounts import Principal
from hub.query.dossier import Dossier, DossierEntry, normalize_uscc
from hub.query.search import Kind, classify, find
from hub.runtime.embedded import EmbeddedHub
from hub.testing.factories import make_uscc
from tests.query.api import served
from tests.query.hubs import ENTITY, EQUIPMENT, UNIT, Scenario
from tests.query.signin import headers


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


def _absent(code: str) -> str:
    """A code of ``code``'s kind and findings that the scenario holds nowhere: an equipment
    code with another sequence; a USCC of the same authority, kind and region with another body
    (check characters valid, or the 18th broken as in ``code``)."""
    if classify(code) is Kind.EQUIPMENT:
        return code[:-4] + ("0000" if code[-4:] != "0000" else "0001")
    other = make_uscc(code[2:8], random.Random(7), authority=code[0], kind=code[1])
    if normalize_uscc(code)[1]:
        other = other[:-1] + ("0" if other[-1] != "0" else "1")
    assert normalize_uscc(other)[1] == normalize_uscc(code)[1]
    return other


def _without(result: dict[str, object], code: str) -> str:
    return json.dumps(result, ensure_ascii=False, sort_keys=True).replace(code, "CODE")


@pytest.mark.parametrize("code", [UNIT, ENTITY, EQUIPMENT, "914401065812346724"])
def test_a_code_held_outside_the_area_is_answered_as_a_code_held_nowhere(
    loaded: tuple[EmbeddedHub, Scenario], code: str
) -> None:
    hub, _ = loaded
    nowhere = _absent(code)
    assert not find(hub.views, nowhere).found
    elsewhere = find(hub.views, code, covers=lambda region: False)
    absent = find(hub.views, nowhere, covers=lambda region: False)
    assert not elsewhere.found and elsewhere.kind is absent.kind
    assert _without(elsewhere.to_dict(), code) == _without(absent.to_dict(), nowhere)
    if elsewhere.dossier is not None:
        assert elsewhere.dossier.warnings == () and elsewhere.dossier.retracted_hidden == 0


def test_a_dossier_out_of_the_area_keeps_no_warning() -> None:
    """The warning of a held code whose check character fails (a pilot code: "the hub holds
    records") tells a viewer the code is held: with none of its entries shown, it goes."""
    entry = DossierEntry("inspection", "rec-1", 1, None, "440106", "检查")
    found = Dossier("entity", "914401065812346724", (entry,), (), 2, ("USCC.CHECK18",))
    viewer = Principal("v", "viewer", "330106")
    shown = visible_dossier(found, viewer)
    assert not shown.found and shown.warnings == () and shown.retracted_hidden == 0
    own = visible_dossier(found, Principal("v", "viewer", "440106"))
    assert own.found and own.warnings == ("USCC.CHECK18",)
    assert visible_dossier(found, Principal("op", "operator")) == found


def test_the_v1_search_gives_a_viewer_the_same_reply_for_elsewhere_and_nowhere(
    loaded: tuple[EmbeddedHub, Scenario],
) -> None:
    """Finding 5: an equipment code (or USCC) held in another region, asked by a viewer of a
    county (330783) that holds none of them, is answered exactly as a code held nowhere
    (before, "nothing found" for the one and "check character wrong and the hub holds no
    record" for the other told them apart)."""
    hub, _ = loaded
    outside = headers("viewer", "330783")
    with served(hub.settings) as client:
        for code in (EQUIPMENT, ENTITY, UNIT):
            assert client.get("/v1/search", params={"q": code}, headers=headers("operator")).json()[
                "found"
            ]
            nowhere = _absent(code)
            for path in ("/v1/search?q=", "/v1/equipment/" if len(code) == 18 and code[0] == "8"
                         else "/v1/entities/"):  # fmt: skip
                a = client.get(path + code, headers=outside)
                b = client.get(path + nowhere, headers=outside)
                assert a.status_code == b.status_code, (code, path)
                assert a.status_code == 404 or not a.json()["found"]
                assert _without(a.json(), code) == _without(b.json(), nowhere), (code, path)
