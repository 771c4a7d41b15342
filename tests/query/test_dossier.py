"""The dossier read model and queries (一企一档 / 一码追溯), on both view backends: links exact
against the store's records events, retraction, a counterparty that changed, a rectification
under its hazard, normalisation and refusal of the code asked for, no personal data."""

from __future__ import annotations

import json

import pytest

from hub.projections.dossier import CHILD_LINKS, ENTITY_LINKS, EQUIPMENT_LINKS
from hub.query.dossier import BadCodeError, dossier, equipment
from hub.runtime.embedded import EmbeddedHub
from hub.standard import Standard
from hub.standard.checks.uscc import gb11714_check_char, uscc_check_char
from tests.query.hubs import (
    CHANGED_TO,
    ENTITY,
    EQUIPMENT,
    PERSON_ID,
    UNIT,
    Scenario,
    independent_links,
)


def test_links_are_exactly_what_the_records_events_name(
    loaded: tuple[EmbeddedHub, Scenario], standard: Standard
) -> None:
    hub, _ = loaded
    want = independent_links(hub, standard)
    assert len(want["entity_links"]) > 200  # the province's traffic, not only the scenario
    for table in (ENTITY_LINKS, EQUIPMENT_LINKS, CHILD_LINKS):
        got = {r[:4] for r in hub.views.rows(table)}
        assert got == want[table.name], table.name
    everything = json.dumps(
        [hub.views.rows(t) for t in (ENTITY_LINKS, EQUIPMENT_LINKS, CHILD_LINKS)],
        ensure_ascii=False,
    )
    assert PERSON_ID not in everything and "张三" not in everything  # no personal data


def test_an_entity_dossier_by_business_time_and_type(
    loaded: tuple[EmbeddedHub, Scenario],
) -> None:
    hub, scenario = loaded
    verdicts = {
        e.payload["submission_id"]: e.payload
        for e in (
            hub.codec.decode_event("verdicts", s.position, s.body)
            for s in hub.store.scan("verdicts")
        )
    }
    assert {verdicts[i]["outcome"] for i in scenario.ids.values()} <= {
        "accepted_new",
        "accepted_update",
    }, {k: verdicts[i]["outcome"] for k, i in scenario.ids.items()}
    found = dossier(hub.views, ENTITY)
    kinds = [e.record_type for e in found.entries]
    # the credit record is retracted and the penalty now names another USCC
    assert sorted(kinds) == ["inspection", "supervised_entity"]
    assert found.retracted_hidden == 1
    times = [e.business_time or "" for e in found.entries]
    assert times == sorted(times)
    assert all(t.endswith("+08:00") for t in times)  # in the hub's time zone
    inspection = next(e for e in found.entries if e.record_type == "inspection")
    assert inspection.title.startswith("检查行为 · ")
    assert inspection.version == 1 and inspection.record_id.startswith("rec-")
    assert [g.record_type for g in found.groups] == ["supervised_entity", "inspection"]
    moved = dossier(hub.views, CHANGED_TO)
    assert [(e.record_type, e.version) for e in moved.entries] == [("penalty", 2)]
    assert "罚款" in moved.entries[0].title


def test_a_retraction_is_hidden_or_marked(loaded: tuple[EmbeddedHub, Scenario]) -> None:
    hub, _ = loaded
    shown = dossier(hub.views, ENTITY, include_retracted=True)
    credit = [e for e in shown.entries if e.record_type == "credit_record"]
    assert len(credit) == 1 and credit[0].retracted and credit[0].version == 2
    assert credit[0].title.endswith("已撤回")
    assert shown.to_dict()["entries"][0]["trace"] == shown.entries[0].record_id


def test_a_rectification_is_grouped_under_its_hazard(loaded: tuple[EmbeddedHub, Scenario]) -> None:
    hub, _ = loaded
    found = dossier(hub.views, UNIT)
    [hazard_group] = [g for g in found.groups if g.record_type == "hazard"]
    [hazard] = hazard_group.entries
    [rectification] = hazard.rectifications
    assert rectification.record_type == "rectification"
    assert rectification.title.startswith("整改 · YH-ALJC-2025-0031")
    assert "rectification" not in {g.record_type for g in found.groups}
    assert {e.record_type for e in found.entries} == {"hazard", "rectification", "lightning_report"}
    as_dict = found.to_dict()
    hazards = next(g for g in as_dict["groups"] if g["record_type"] == "hazard")
    assert hazards["entries"][0]["rectifications"][0]["record_id"] == rectification.record_id


def test_a_full_width_lower_case_uscc_is_normalised(loaded: tuple[EmbeddedHub, Scenario]) -> None:
    hub, _ = loaded
    typed = " " + UNIT.lower().translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}) + "　"
    found = dossier(hub.views, typed)
    assert found.code == UNIT and found.found


@pytest.mark.parametrize(
    ("text", "rule", "words"),
    [
        ("9144010658123467", "USCC.LENGTH", "应为 18 位"),
        ("91440106581234672I", "USCC.ALPHABET", "第 18 位"),
        ("9144010658*****723", "USCC.MASKED", "遮蔽"),
        ("914401065812346724", "USCC.CHECK18", "校验位不符"),
        ("9" * 65, "CODE.LENGTH", "代码过长"),
    ],
)
def test_a_code_that_cannot_be_a_uscc_is_refused(
    loaded: tuple[EmbeddedHub, Scenario], text: str, rule: str, words: str
) -> None:
    hub, _ = loaded
    with pytest.raises(BadCodeError) as caught:
        dossier(hub.views, text)
    assert caught.value.rule == rule
    message = str(caught.value)
    assert words in message and " / " in message  # Chinese first, then English
    assert message.index(words) < message.index(" / ")


def test_an_equipment_units_life(loaded: tuple[EmbeddedHub, Scenario]) -> None:
    hub, _ = loaded
    found = equipment(hub.views, EQUIPMENT)
    assert [e.record_type for e in found.entries] == ["special_equipment"]
    assert [v.version for v in found.life] == [1]
    assert found.life[0].status == "1 在用" and found.life[0].recorded_at.endswith("+08:00")
    assert found.user_units == ("12330106470039129W",)
    assert dossier(hub.views, "12330106470039129W").entries[0].record_type == "special_equipment"
    with pytest.raises(BadCodeError) as caught:
        equipment(hub.views, "12345")
    assert caught.value.rule == "EQUIP.FORMAT"
    assert not equipment(hub.views, "830033108201900043").found


def test_nothing_found_is_an_empty_dossier(loaded: tuple[EmbeddedHub, Scenario]) -> None:
    hub, _ = loaded
    body = "91110000" + "MA01AB23"
    body += gb11714_check_char(body[8:16])
    valid = body + uscc_check_char(body)
    none = dossier(hub.views, valid)
    assert not none.found and none.to_dict()["found"] is False and none.warnings == ()
