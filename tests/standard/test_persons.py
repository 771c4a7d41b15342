"""The pack's persons.json is checked when the pack loads (fields exist and are strings, codes
are in their code lists), decides which records are a natural person's, and stays outside the
pack's fingerprint."""

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
    path = root / "persons.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data["types"])
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return root


def test_the_shipped_rules(standard: Standard) -> None:
    for type_id in ("inspection", "penalty", "coercion"):
        rule = standard.record_type(type_id).person
        assert rule is not None and {"counterparty_name", "counterparty_id"} <= rule.fields
        assert rule.applies({"counterparty_nature": "2", "counterparty_id_type": "001"})
        assert rule.applies({"counterparty_nature": "3", "counterparty_id_type": "111"})
        assert not rule.applies({"counterparty_nature": "1", "counterparty_id_type": "001"})
        assert not rule.applies({"counterparty_nature": "3", "counterparty_id_type": "001"})
        assert rule.secrets({"counterparty_name": "周超", "counterparty_id": "X"}) == ("周超",)
    inspection = standard.record_type("inspection").person
    assert inspection is not None and "supervised_object" in inspection.fields
    assert inspection.applies({"object_type": "2"})
    assert standard.record_type("supervised_entity").person is None


def test_persons_are_not_in_the_fingerprint(tmp_path: Path, standard: Standard) -> None:
    root = _pack(tmp_path, lambda types: types.pop("coercion"))
    other = load_standard(root)
    assert other.version == standard.version
    assert other.record_type("coercion").person is None
    assert other.record_type("penalty").person is not None


def test_a_pack_without_persons_loads(tmp_path: Path) -> None:
    root = _pack(tmp_path, lambda types: None)
    (root / "persons.json").unlink()
    assert all(t.person is None for t in load_standard(root).types.values())


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda t: t.update(nonsense=t["penalty"]), "not a record type"),
        (lambda t: t["penalty"]["fields"].append("no_such_field"), "not a field"),
        (lambda t: t["penalty"]["fields"].append("fine_amount"), "not a string"),
        (lambda t: t["penalty"]["when"].update(counterparty_nature=["9"]), "not in code list"),
        (lambda t: t["penalty"]["when"].update(case_name=["2"]), "not a code-list field"),
        (lambda t: t["penalty"]["when"].update(counterparty_nature="2"), "a list of codes"),
        (lambda t: t["penalty"].update(when={}), "an object of field"),
        (lambda t: t["penalty"].update(fields=[]), "a list of field names"),
        (lambda t: t["penalty"].update(name="case_name"), "must be in 'fields'"),
        (lambda t: t["penalty"]["fields"].append("counterparty_nature"), "cannot be masked"),
    ],
)
def test_the_loader_refuses_a_bad_rule(tmp_path: Path, change: Any, words: str) -> None:
    root = _pack(tmp_path, change)
    with pytest.raises(StandardError, match=words):
        load_standard(root)


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    root = _pack(tmp_path, lambda types: None)
    (root / "persons.json").write_text("{", encoding="utf-8")
    with pytest.raises(StandardError, match="unreadable"):
        load_standard(root)
