"""``hub scorecards`` as an operator runs it: the ranking as text and JSON, the exports, an
empty hub that says what to do, usage errors with their exit codes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from hub.cli import cli
from hub.domain.values import Source
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["scorecards", *args], env={"HUB_DATABASE_URL": None})
    return result.exit_code, result.stdout, result.stderr


def test_the_ranking_as_json_text_and_files(demo_sqlite: HubSettings, tmp_path: Path) -> None:
    d = str(demo_sqlite.data_dir)
    code, out, _ = _run("--data-dir", d, "--json", "--days", "7")
    assert code == 0
    report = json.loads(out)
    cards = report["scorecards"]
    assert report["days"] == 7 and report["by"] == "source" and "退回率" in report["ranking"]
    assert len(cards) == 28 and all(len(c["trend"]) == 7 for c in cards)
    rates = [c["rejection_rate"] for c in cards]
    assert rates == sorted(rates, reverse=True)  # every demo source submitted today
    assert sum(c["submissions"] for c in cards) == 400
    assert "legal_rep_id_number" not in out and "contact_phone" not in out

    code, text, _ = _run("--data-dir", d, "--days", "7")
    assert code == 0
    lines = text.splitlines()
    assert lines[0].startswith("评分卡 scorecards: 7 天") and lines[1].startswith("排序")
    assert lines[2].split()[:3] == ["#", "来源", "source"]
    assert [line.split()[1] for line in lines[3:]] == [c["source_id"] for c in cards]
    assert any("市场监督管理局" in line for line in lines[3:])

    code, grouped, _ = _run("--data-dir", d, "--json", "--by", "level")
    assert code == 0
    levels = json.loads(grouped)["scorecards"]
    assert {c["source_id"] for c in levels} == {"province", "city", "county"}
    assert sum(len(c["sources"]) for c in levels) == 28

    xlsx, sheet = tmp_path / "out.xlsx", tmp_path / "out.csv"
    code, said, _ = _run("--data-dir", d, "--out", str(xlsx))
    assert code == 0 and "28 行 rows" in said
    rows = list(load_workbook(xlsx, read_only=True)["评分卡 Scorecards"].values)
    assert [r[1] for r in rows[1:]] == [c["source_id"] for c in cards]
    code, _, _ = _run("--data-dir", d, "--out", str(sheet), "--by", "department")
    assert code == 0
    with sheet.open(encoding="utf-8-sig", newline="") as f:
        read = list(csv.reader(f))
    assert read[0][1] == "报送来源 source_id" and len(read) == 29
    assert all(r[1].endswith(("市场监督管理局", "气象局")) for r in read[1:])


def test_an_empty_hub_says_what_to_do(tmp_path: Path) -> None:
    code, _, err = _run("--data-dir", str(tmp_path / "none"))
    assert code == 2 and "没有 hub" in err and "hub demo" in err
    EmbeddedHub(HubSettings(data_dir=tmp_path / "empty")).close()
    code, out, err = _run("--data-dir", str(tmp_path / "empty"))
    assert code == 0 and out == "" and "hub sources add" in err and "hub demo" in err
    code, out, err = _run("--data-dir", str(tmp_path / "empty"), "--json")
    assert code == 0 and json.loads(out)["scorecards"] == [] and "hub sources add" in err
    csv_out = tmp_path / "empty.csv"
    code, _, err = _run("--data-dir", str(tmp_path / "empty"), "--out", str(csv_out))
    assert (
        code == 0
        and "headers only" in err
        and len(csv_out.read_text("utf-8-sig").splitlines()) == 1
    )
    with EmbeddedHub(HubSettings(data_dir=tmp_path / "empty")) as hub:
        hub.register_sources([Source("zj-330784-scjg", "county", "330784", "永康市市场监督管理局")])
    code, out, err = _run("--data-dir", str(tmp_path / "empty"))
    assert code == 0 and "nothing received in the last 30 days" in err
    assert "zj-330784-scjg" in out and "从未 never" in out


def test_usage_errors(demo_sqlite: HubSettings, tmp_path: Path) -> None:
    d = str(demo_sqlite.data_dir)
    code, _, err = _run("--data-dir", d, "--out", str(tmp_path / "x.pdf"))
    assert code == 2 and ".xlsx" in err
    code, _, err = _run("--data-dir", d, "--out", str(tmp_path / "no" / "x.csv"))
    assert code == 2 and "目录不存在" in err
    code, _, _ = _run("--data-dir", d, "--days", "0")
    assert code == 2
    code, _, _ = _run("--data-dir", d, "--by", "city")
    assert code == 2
