"""The standard pack is data: replacing a file changes verdicts and the version, not the code."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hub.errors import StandardError, UnknownRecordTypeError
from hub.standard import Standard, Validator, default_pack_dir, load_standard


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    target = tmp_path / "pack"
    shutil.copytree(default_pack_dir(), target)
    return target


def test_version_names_manifest_and_fingerprint(standard: Standard) -> None:
    version, _, fingerprint = standard.version.partition("+")
    assert version == json.loads((standard.root / "standard.json").read_text())["version"]
    assert len(fingerprint) == 12 and standard.fingerprint.startswith(fingerprint)


def test_replaced_code_list_changes_verdicts_and_version(
    pack: Path, standard: Standard, example: Callable[[str], dict[str, Any]]
) -> None:
    record = example("inspection") | {"object_type": "12"}
    assert "CODE.UNKNOWN" in Validator(standard).validate("inspection", record).verdict.rules()
    path = pack / "codelists" / "supervised_object_type.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["codes"].append({"code": "12", "zh": "网络交易平台", "en": "Online marketplace"})
    data["version"] = "2027.1"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    replaced = load_standard(pack)
    verdict = Validator(replaced).validate("inspection", record).verdict
    assert verdict.valid
    assert replaced.version != standard.version
    assert verdict.standard_version == replaced.version


def test_replaced_region_table_changes_the_version(pack: Path, standard: Standard) -> None:
    with (pack / "regions" / "gbt2260.csv").open("a", encoding="utf-8") as handle:
        handle.write("440199,测试区,2026,\n")
    replaced = load_standard(pack)
    assert replaced.version != standard.version and replaced.regions.in_use("440199", 2026)


def test_missing_code_list_is_a_standard_error(pack: Path) -> None:
    (pack / "codelists" / "penalty_kind.json").unlink()
    with pytest.raises(StandardError, match="penalty_kind"):
        load_standard(pack)


def test_unknown_type(standard: Standard) -> None:
    with pytest.raises(UnknownRecordTypeError, match="inspection"):
        standard.record_type("inspections")


def test_region_table_knows_when(standard: Standard) -> None:
    regions = standard.regions
    assert len(regions) > 6000
    assert regions.in_use("371200", 2018) and not regions.in_use("371200", 2019)  # 莱芜市
    assert regions.in_use("110228", 2010) and not regions.in_use("110228", 2016)  # 密云县
    assert regions.in_use("110118", 2016)  # 密云区
    assert regions.in_use("441900", 2025) and regions.in_use("429004", 2025)  # 东莞, 仙桃
    assert regions.name("120110", 1990) == "东郊区" and regions.name("120110", 2000) == "东丽区"
