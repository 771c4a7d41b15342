"""``hub subscribers``: the registry of feed readers, validated hard (errors Chinese first, exit 2),
every change saying whether it changed anything; on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.cli import cli


@pytest.fixture(params=["sqlite", "postgres"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> list[str]:
    """The options that open the store: an embedded data dir, or a fresh PostgreSQL database."""
    if request.param == "postgres":
        url = request.getfixturevalue("pg_url")
        request.getfixturevalue("monkeypatch").setenv("HUB_DATABASE_URL", url)
    return ["--data-dir", str(tmp_path / "hub")]


def run(where: list[str], *args: str) -> Any:
    return CliRunner().invoke(cli, ["subscribers", *args, *where])


def listed(where: list[str]) -> dict[str, dict[str, Any]]:
    result = run(where, "list", "--json")
    assert result.exit_code == 0, result.output
    return {s["name"]: s for s in json.loads(result.stdout)}


def test_add_show_update_and_list_round_trip(where: list[str]) -> None:
    added = run(
        where, "add", "dept-hz", "--types", "inspection,hazard", "--regions", "330100,330106",
        "--sharing", "有条件", "--principal", "User:dept-hz", "--description", "杭州市市场监管局",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    entry = listed(where)["dept-hz"]
    assert entry["record_types"] == ["inspection", "hazard"]
    assert entry["regions"] == ["330100", "330106"]
    assert (entry["sharing"], entry["personal"]) == ("conditional", False)
    assert entry["description"] == "杭州市市场监管局" and entry["epoch"] > 0
    assert set(listed(where)) == {"dept-hz", "national"}

    same = run(where, "update", "dept-hz", "--json")
    assert same.exit_code == 0 and json.loads(same.stdout)["changed"] is False
    assert "nothing changed" in run(where, "update", "dept-hz").output

    changed = run(where, "update", "dept-hz", "--personal", "--sharing", "all", "--json")
    assert json.loads(changed.stdout)["changed"] is True
    after = listed(where)["dept-hz"]
    assert (after["sharing"], after["personal"]) == ("all", True)
    assert after["regions"] == ["330100", "330106"]  # kept
    assert after["epoch"] == entry["epoch"]
    backfilled = run(where, "update", "dept-hz", "--backfill")
    assert backfilled.exit_code == 0
    assert listed(where)["dept-hz"]["epoch"] > entry["epoch"]
    shown = run(where, "show", "dept-hz")
    assert "杭州市市场监管局" in shown.output and "330106" in shown.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["add", "Dept_A"], "订阅方名称"),
        (["add", "dept-a", "--types", "inspection,no_such_type"], "no_such_type"),
        (["add", "dept-a", "--regions", "339999"], "339999"),
        (["add", "dept-a", "--sharing", "secret"], "共享类别"),
        (["add", "dept-a", "--principal", "dept-a"], "User:"),
        (["add", "national"], "update"),
        (["remove", "national"], "--yes"),
        (["show", "dept-x"], "没有订阅方"),
    ],
)
def test_bad_input_is_refused_with_exit_2(where: list[str], args: list[str], needle: str) -> None:
    result = run(where, *args)
    assert result.exit_code == 2, result.output
    assert needle in result.output
    assert set(listed(where)) == {"national"}  # nothing written


def test_disable_enable_remove_say_when_nothing_changed(where: list[str]) -> None:
    assert run(where, "add", "dept-a", "--sharing", "unconditional").exit_code == 0
    assert "已停用" in run(where, "disable", "dept-a").output
    assert listed(where)["dept-a"]["disabled"] is True
    assert "nothing changed" in run(where, "disable", "dept-a").output
    assert "已启用" in run(where, "enable", "dept-a").output
    assert "removed" in run(where, "remove", "dept-a").output
    assert "nothing changed" in run(where, "remove", "dept-a").output
    assert run(where, "remove", "national", "--yes").exit_code == 0
    assert listed(where) == {}


def test_schema_writes_the_feed_schemas_a_subscriber_decodes_with(tmp_path: Path) -> None:
    """A 无条件 subscriber's officer schema has the withheld ID number nullable; the national
    platform's is the record type's schema."""
    runner = CliRunner()
    data = str(tmp_path / "hub-data")
    added = runner.invoke(
        cli,
        [
            "subscribers",
            "add",
            "dept-a",
            "--types",
            "officer,penalty",
            "--sharing",
            "无条件",
            "--data-dir",
            data,
        ],
    )
    assert added.exit_code == 0, added.output
    out = tmp_path / "schemas"
    done = runner.invoke(
        cli, ["subscribers", "schema", "dept-a", "--out", str(out), "--data-dir", data, "--json"]
    )
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in out.iterdir()) == ["officer.avsc", "penalty.avsc"]
    officer = json.loads((out / "officer.avsc").read_text(encoding="utf-8"))
    id_number = next(f for f in officer["fields"] if f["name"] == "id_number")
    assert id_number["type"][0] == "null" and id_number["hub.feed"] == "withheld"
    national = runner.invoke(
        cli, ["subscribers", "schema", "national", "--out", str(tmp_path / "n"), "--data-dir", data]
    )
    assert national.exit_code == 0, national.output
    plain = json.loads(Path("schemas/records/officer.avsc").read_text(encoding="utf-8"))
    mine = json.loads((tmp_path / "n" / "officer.avsc").read_text(encoding="utf-8"))
    assert [f["type"] for f in mine["fields"]] == [f["type"] for f in plain["fields"]]
