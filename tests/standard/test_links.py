"""The pack's links.json is checked when the pack loads: personal data can never become a link
or a title, and links stay outside the pack's fingerprint."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from hub.errors import StandardError
from hub.standard import Standard, default_pack_dir, load_standard


def _pack(tmp_path: Path, change: Any) -> Path:
    root = tmp_path / "pack"
    shutil.copytree(default_pack_dir(), root)
    path = root / "links.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data["types"])
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return root


def test_the_shipped_links(standard: Standard) -> None:
    inspection = standard.links["inspection"]
    [field] = inspection.entity
    assert field.value({"counterparty_id": "914401065812346723", "counterparty_id_type": "001"})
    assert (
        field.value({"counterparty_id": "11010519491231002X", "counterparty_id_type": "111"})
        is None
    )
    assert (
        field.value({"counterparty_id": "9144010658*****723", "counterparty_id_type": "001"})
        is None
    )
    assert [f.field for f in standard.links["special_equipment"].equipment] == ["equipment_code"]
    assert standard.links["rectification"].entity == ()


def test_links_are_not_in_the_fingerprint(tmp_path: Path, standard: Standard) -> None:
    root = _pack(tmp_path, lambda types: types.pop("risk_clue"))
    other = load_standard(root)
    assert other.version == standard.version and "risk_clue" not in other.links


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda t: t["complaint"].update(title=["complainant_name"]), "title field"),
        (lambda t: t["complaint"].update(title=["content"]), "title field"),
        (lambda t: t["supervised_entity"].update(entity=["legal_rep_id_number"]), "not 'uscc'"),
        (lambda t: t["inspection"].update(entity=["counterparty_id"]), "id type"),
        (lambda t: t["hazard"].update(equipment=["unit_uscc"]), "not 'equipment_code'"),
        (lambda t: t.update(nonsense={"entity": ["uscc"]}), "not a record type"),
        (lambda t: t["hazard"].update(entity=["no_such_field"]), "not a field"),
        (
            lambda t: t["penalty"].update(
                entity=[{"field": "counterparty_id", "when": {"counterparty_id_type": ["999"]}}]
            ),
            "not in code list id_type",
        ),
    ],
)
def test_a_link_that_could_carry_personal_data_is_refused(
    tmp_path: Path, change: Any, words: str
) -> None:
    with pytest.raises(StandardError) as caught:
        load_standard(_pack(tmp_path, change))
    assert words in str(caught.value) and "links.json" in str(caught.value)
