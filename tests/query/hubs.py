"""Hubs for the dossier tests: a small province through the loop, plus hand-made records whose
links the tests know (an entity with every kind of record, a hazard and its rectification, a
retraction, a penalty whose counterparty changes, a natural person, an equipment unit)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import groupby
from pathlib import Path
from typing import Any

from hub.connectors.submissions import record_submissions
from hub.domain.values import Source
from hub.events import derive_id
from hub.events.streams import RECORDS
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.standard import Standard
from hub.testing.province import generate_province

__all__ = [
    "CHANGED_TO",
    "ENTITY",
    "EQUIPMENT",
    "PERSON_ID",
    "UNIT",
    "Scenario",
    "independent_links",
    "loaded_hub",
]

ENTITY = "914401065812346723"  # the examples' entity (inspection, penalty, credit record)
UNIT = "91330106756812340Y"  # the hazard's and the lightning report's unit
EQUIPMENT = "830033108201900042"
CHANGED_TO = "91350100M000100Y43"  # the penalty's counterparty after its correction
PERSON_ID = "11010519491231002X"  # a natural person inspected: never a link

GD = Source("t-gd", "province", "440000", "广东省测试平台")
ZJ = Source("t-zj", "province", "330000", "浙江省测试平台")

#: Which fields name an entity's USCC, written out here apart from the pack's links.json, so
#: the tests compute the links without the code under test.
_ENTITY_FIELDS: dict[str, tuple[str, ...]] = {
    "supervised_entity": ("uscc",),
    "inspection": ("counterparty_id",),
    "penalty": ("counterparty_id",),
    "coercion": ("counterparty_id",),
    "hazard": ("unit_uscc",),
    "lightning_report": ("inspected_unit_uscc",),
    "credit_record": ("subject_uscc",),
    "complaint": ("respondent_uscc",),
    "risk_clue": ("subject_uscc",),
    "special_equipment": ("user_unit_uscc",),
}


class Scenario:
    """The submission ids of the hand-made records, by name."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}


def _submit(
    hub: EmbeddedHub,
    source: Source,
    record_type: str,
    records: list[dict[str, Any]],
    name: str,
    operation: str = "upsert",
) -> list[str]:
    events = list(
        record_submissions(
            source.source_id,
            record_type,
            records,
            batch_id=derive_id("dossier-test", name),
            received_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            operation=operation,
        )
    )
    hub.ingest(events)
    hub.run_until_idle(settle_deliveries=False, timeout_s=120)
    return [e.event_id for e in events]


def _scenario(hub: EmbeddedHub, example: Callable[[str], dict[str, Any]]) -> Scenario:
    s = Scenario()
    one = s.ids
    [one["entity"]] = _submit(hub, GD, "supervised_entity", [example("supervised_entity")], "e")
    [one["inspection"]] = _submit(hub, GD, "inspection", [example("inspection")], "i")
    penalty = example("penalty")
    [one["penalty"]] = _submit(hub, GD, "penalty", [penalty], "p")
    [one["credit"]] = _submit(hub, GD, "credit_record", [example("credit_record")], "c")
    [one["complaint"]] = _submit(hub, GD, "complaint", [example("complaint")], "q")
    [one["hazard"]] = _submit(hub, ZJ, "hazard", [example("hazard")], "h")
    [one["rectification"]] = _submit(hub, ZJ, "rectification", [example("rectification")], "r")
    [one["report"]] = _submit(hub, ZJ, "lightning_report", [example("lightning_report")], "l")
    [one["equipment"]] = _submit(hub, ZJ, "special_equipment", [example("special_equipment")], "s")
    person = example("inspection") | {
        "object_type": "2",
        "supervised_object": "张三",
        "counterparty_name": "张三",
        "counterparty_nature": "2",
        "counterparty_id_type": "111",
        "counterparty_id": PERSON_ID,
        "source_record_id": "JCXW-PERSON-1",
    }
    person.pop("registered_address", None)
    [one["person"]] = _submit(hub, GD, "inspection", [person], "person")
    # the credit record is retracted; the penalty's counterparty is corrected to another USCC
    [one["credit_retraction"]] = _submit(
        hub, GD, "credit_record", [example("credit_record")], "c-del", operation="delete"
    )
    corrected = copy.deepcopy(penalty) | {
        "counterparty_id": CHANGED_TO,
        "updated_at": "2025-06-01T10:00:00+08:00",
    }
    [one["penalty_change"]] = _submit(hub, GD, "penalty", [corrected], "p2")
    return s


@contextmanager
def loaded_hub(
    data_dir: Path,
    example: Callable[[str], dict[str, Any]],
    database_url: str | None = None,
    records: int = 400,
) -> Iterator[tuple[EmbeddedHub, Scenario]]:
    """A hub holding a small province and the scenario, its read models current."""
    settings = HubSettings(data_dir=data_dir, database_url=database_url)
    with EmbeddedHub(settings) as hub:
        province = generate_province(records, seed=5)
        hub.register_sources(
            [
                Source(p.source_id, p.level, p.region_code, p.department, p.record_types)
                for p in province.sources
            ]
            + [GD, ZJ]
        )
        groups = groupby(province.submissions, key=lambda s: (s.source_id, s.record_type))
        for index, ((source_id, record_type), group) in enumerate(groups):
            hub.ingest(
                record_submissions(
                    source_id,
                    record_type,
                    [s.record for s in group],
                    batch_id=derive_id("dossier-test", index),
                    received_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                )
            )
        hub.run_until_idle(settle_deliveries=False, timeout_s=300)
        scenario = _scenario(hub, example)
        hub.projector.run_until_current()
        yield hub, scenario


def _uscc_of(record_type: str, content: dict[str, Any]) -> set[str]:
    out = set()
    for name in _ENTITY_FIELDS.get(record_type, ()):
        if name == "counterparty_id" and content.get("counterparty_id_type") != "001":
            continue
        value = content.get(name)
        if isinstance(value, str) and value and "*" not in value:
            out.add(value)
    return out


def independent_links(hub: EmbeddedHub, standard: Standard) -> dict[str, set[tuple[Any, ...]]]:
    """The links the dossier model must hold, from the store's records events alone: per code,
    the latest version of each record that named it (entity: USCC; equipment: its code;
    child: rectification under its hazard's record id, found by the hazard's identity)."""
    codec = hub.codec
    entity: dict[tuple[str, str, str], int] = {}
    equipment: dict[tuple[str, str, str], int] = {}
    child: dict[tuple[str, str, str], int] = {}
    hazards: dict[tuple[str, str], str] = {}
    rectifications: list[tuple[tuple[str, str], str, int]] = []
    for stored in hub.store.scan(RECORDS):
        p = codec.decode_event(RECORDS, stored.position, stored.body).payload
        _, content = codec.decode(p["content"])
        kind, rid, version = p["record_type"], p["record_id"], p["version"]
        for code in _uscc_of(kind, content):
            key = (code, kind, rid)
            entity[key] = max(entity.get(key, 0), version)
        if kind == "special_equipment":
            key = (content["equipment_code"], kind, rid)
            equipment[key] = max(equipment.get(key, 0), version)
        if kind == "hazard":
            hazards[(content["hazard_no"], content["agency_code"])] = rid
        if kind == "rectification":
            rectifications.append(((content["hazard_no"], content["agency_code"]), rid, version))
    for parent, rid, version in rectifications:
        # a rectification whose hazard the hub never saw still has its parent's id; here the
        # test knows only the hazards it saw, which the scenario always sends first
        key = (hazards[parent], "rectification", rid)
        child[key] = max(child.get(key, 0), version)
    return {
        "entity_links": {(*k, v) for k, v in entity.items()},
        "equipment_links": {(*k, v) for k, v in equipment.items()},
        "child_links": {(*k, v) for k, v in child.items()},
    }


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
