"""The CLI as a user runs it: exit codes, JSON verdicts, clear errors without tracebacks."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.cli import cli


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write_jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


def test_all_valid_exits_0(
    runner: CliRunner, tmp_path: Path, example: Callable[[str], dict[str, Any]]
) -> None:
    path = write_jsonl(tmp_path / "ok.jsonl", [example("inspection")] * 3)
    result = runner.invoke(cli, ["validate", "--type", "inspection", "--lang", "en", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.count("VALID") == 3
    # Chinese first: a Chinese (or bare server) locale reads Chinese, the type by its Chinese name
    bare: dict[str, str | None] = {"LC_ALL": "", "LC_MESSAGES": "", "HUB_LANG": None}
    for env in (bare | {"LANG": "zh_CN.UTF-8"}, bare | {"LANG": "C.UTF-8"}):
        zh = runner.invoke(cli, ["validate", "--type", "检查行为", str(path)], env=env)
        assert zh.exit_code == 0, zh.output
        assert zh.output.count("通过") == 4 and "VALID" not in zh.output  # 3 rows + the summary
        assert "3 条记录：通过 3" in zh.output
    en = runner.invoke(
        cli, ["validate", "--type", "inspection", str(path)], env=bare | {"LANG": "en_US"}
    )
    assert "3 records: valid 3" in en.output and "通过" not in en.output
    setting = runner.invoke(
        cli,
        ["validate", "--type", "inspection", str(path)],
        env=bare | {"HUB_LANG": "en", "LANG": "zh"},
    )
    assert setting.output.count("VALID") == 3


def test_any_invalid_exits_1_with_one_json_verdict_per_record(
    runner: CliRunner, tmp_path: Path, example: Callable[[str], dict[str, Any]]
) -> None:
    bad = example("inspection") | {"item_code": "123"}
    path = tmp_path / "mixed.jsonl"
    write_jsonl(path, [example("inspection"), bad])
    with path.open("a", encoding="utf-8") as handle:
        handle.write("{oops\n")
    result = runner.invoke(cli, ["validate", "--type", "inspection", "--json", str(path)])
    assert result.exit_code == 1
    verdicts = [json.loads(line) for line in result.stdout.splitlines()]
    assert [v["valid"] for v in verdicts] == [True, False, False]
    assert [v["line"] for v in verdicts] == [1, 2, 3]
    assert verdicts[1]["violations"][0] | {"message": None} == {
        "rule": "ITEM.FORMAT",
        "severity": "error",
        "field": "item_code",
        "message": None,
    }
    assert verdicts[1]["standard_version"].startswith("1.0.0+")
    assert verdicts[2]["violations"][0]["rule"] == "INPUT.JSON"


def test_csv_in_gb18030(
    runner: CliRunner, tmp_path: Path, example: Callable[[str], dict[str, Any]]
) -> None:
    record = example("supervised_entity")
    header = list(record)
    rows = [
        ",".join(header),
        ",".join(f'"{record[k]}"' for k in header),
        ",".join(f'"{record[k]}"' for k in header[:3]),
    ]  # truncated line
    path = tmp_path / "entities.csv"
    path.write_bytes(("\n".join(rows) + "\n").encode("gb18030"))
    result = runner.invoke(cli, ["validate", "--type", "supervised_entity", "--json", str(path)])
    verdicts = [json.loads(line) for line in result.stdout.splitlines()]
    assert [v["valid"] for v in verdicts] == [True, False]
    assert verdicts[1]["violations"][0]["rule"] == "INPUT.CSV_COLUMNS"
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("args", "content", "message"),
    [
        (["--type", "inspection"], b"", "empty"),
        (["--type", "nonsense"], b"{}\n", "unknown record type"),
        (["--type", "inspection"], None, "does not exist"),
    ],
)
def test_unusable_input_exits_2_without_traceback(
    runner: CliRunner, tmp_path: Path, args: list[str], content: bytes | None, message: str
) -> None:
    path = tmp_path / "in.jsonl"
    if content is not None:
        path.write_bytes(content)
    result = runner.invoke(cli, ["validate", *args, str(path)])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_stdin(runner: CliRunner, example: Callable[[str], dict[str, Any]]) -> None:
    data = json.dumps(example("hazard"), ensure_ascii=False) + "\n"
    result = runner.invoke(cli, ["validate", "--type", "hazard", "-"], input=data.encode())
    assert result.exit_code == 0, result.output


def test_standard_types_and_example_round_trip(runner: CliRunner, tmp_path: Path) -> None:
    listed = json.loads(runner.invoke(cli, ["standard", "types", "--json"]).stdout)
    types = [t["type"] for t in listed["types"]]
    assert "lightning_report" in types and len(types) == 13
    for type_id in types:
        out = runner.invoke(cli, ["standard", "example", "--type", type_id])
        assert out.exit_code == 0
        path = tmp_path / f"{type_id}.json"
        path.write_text(out.stdout, encoding="utf-8")
        assert runner.invoke(cli, ["validate", "--type", type_id, str(path)]).exit_code == 0


def test_rules_are_listed(runner: CliRunner) -> None:
    rules = json.loads(runner.invoke(cli, ["standard", "rules", "--json"]).stdout)
    assert {"USCC.CHECK18", "ID.CHECK", "REGION.NOT_IN_USE"} <= {r["rule"] for r in rules}


def test_pilot_prefixes_from_the_environment(
    runner: CliRunner, tmp_path: Path, example: Callable[[str], dict[str, Any]]
) -> None:
    record = example("supervised_entity") | {"uscc": "91350100M000100Y44", "region_code": "350100"}
    path = write_jsonl(tmp_path / "fj.jsonl", [record])
    args = ["validate", "--type", "supervised_entity", "--json", str(path)]
    assert runner.invoke(cli, args).exit_code == 1
    result = runner.invoke(cli, args, env={"HUB_USCC_PILOT_PREFIXES": '["9135"]'})
    assert result.exit_code == 0
    assert json.loads(result.stdout)["violations"][0]["rule"] == "USCC.CHECK18_PILOT"


def test_bad_severity_override_is_a_config_error(runner: CliRunner, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", [{}])
    result = runner.invoke(
        cli,
        ["validate", "--type", "hazard", str(path)],
        env={"HUB_SEVERITY_OVERRIDES": '{"NO.SUCH": "off"}'},
    )
    assert result.exit_code == 2 and "NO.SUCH" in result.output
