"""``hub ingest`` says what happened to THIS batch: stored (and how to get the verdicts), or with
``--wait`` its verdicts by rule and field and exit 1 when any was rejected; ``hub report
BATCH_ID`` says the same again later; Ctrl-C says how many are stored and exits 130."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from hub.cli import cli
from tests.processes import COUNTY_ADD, ROOT, hub_env, run_hub

ZH: dict[str, str | None] = {"LC_ALL": "", "LC_MESSAGES": "", "HUB_LANG": None, "LANG": "zh_CN"}


def _jsonl(path: Path, records: list[dict[str, Any]], tail: str = "") -> Path:
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    path.write_text(text + tail, "utf-8")
    return path


@pytest.fixture
def hub(tmp_path: Path) -> Any:
    data = str(tmp_path / "hub")
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(cli, [*args, "--data-dir", data], env=ZH)

    assert run(*COUNTY_ADD).exit_code == 0
    return run


def test_wait_reports_this_batch_and_exit_1_when_all_rejected(
    hub: Any, tmp_path: Path, example: Any
) -> None:
    inspection = example("inspection")
    good = _jsonl(tmp_path / "good.jsonl", [inspection])
    ok = hub(
        "ingest", "--source", "gz-440106", "--type", "inspection", "--wait", "--json", str(good)
    )
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["outcomes"] == {"accepted_new": 1}

    bad = _jsonl(
        tmp_path / "bad.jsonl",
        [dict(inspection, item_code="1", action_no=f"X{i}") for i in range(2)],
        tail="{broken\n",
    )
    ingest = ("ingest", "--source", "gz-440106", "--type", "检查行为", str(bad))
    stored = hub(*ingest, "--json")
    assert stored.exit_code == 0  # storing was asked, and done: it says the verdicts are to come
    first = json.loads(stored.stdout)
    assert (first["received"], first["already"], first["judged"]) == (3, 0, False)
    assert "outcomes" not in first and "status" not in first
    text = hub(*ingest)  # the same file again: received before, and it says where to look
    assert text.exit_code == 0
    assert f"没有新的记录：结果用 hub report {first['batch_id']} 查看" in text.output
    fresh = hub(
        "ingest", "--source", "gz-440106", "--type", "inspection", "--batch-id", "b2", str(bad)
    )
    assert "尚未判定：加 --wait 等待本批结果" in fresh.output and "hub report b2" in fresh.output

    waited = hub(*ingest, "--wait", "--json")
    assert waited.exit_code == 1, waited.output  # invalid data
    result = json.loads(waited.stdout)
    # this batch only: the hub also holds the accepted record of good.jsonl
    assert result["batch_id"] == first["batch_id"] and result["records"] == 3
    assert result["outcomes"] == {"rejected": 3}
    assert [(s["rows"], s["rule"], s["field"]) for s in result["summary"]] == [
        (2, "ITEM.FORMAT", "item_code"),
        (1, "INPUT.JSON", None),
    ]
    human = hub(*ingest, "--wait")
    assert human.exit_code == 1
    assert "2 行：监管事项目录编码应为14位数字（ITEM.FORMAT）" in human.output
    assert "本批全部 3 条被退回" in human.output and "--report" in human.output

    # the report of the batch, again, later
    xlsx = tmp_path / "again.xlsx"
    again = hub("report", first["batch_id"], "--report", str(xlsx), "--json")
    assert again.exit_code == 1
    assert json.loads(again.stdout)["outcomes"] == {"rejected": 3}
    rows = list(openpyxl.load_workbook(xlsx)["逐行 rows"].iter_rows(values_only=True))
    assert [r[:2] for r in rows[1:]] == [(str(i), "退回 rejected") for i in (1, 2, 3)]
    assert rows[1][2] == "[ITEM.FORMAT] 监管事项目录编码（item_code）：监管事项目录编码应为14位数字"
    assert hub("report", first["batch_id"], "--source", "gz-440106").exit_code == 1
    missing = hub("report", "no-such-batch")
    assert missing.exit_code == 2 and "没有批次 no-such-batch" in missing.output
    english = CliRunner().invoke(
        cli,
        ["report", first["batch_id"], "--lang", "en", "--data-dir", str(tmp_path / "hub")],
        env=ZH,
    )
    assert "3 records: rejected 3" in english.output
    assert "2 rows: a supervision item code is exactly 14 digits (ITEM.FORMAT)" in english.output


def test_report_without_wait_is_a_usage_error(hub: Any, tmp_path: Path, example: Any) -> None:
    path = _jsonl(tmp_path / "a.jsonl", [example("inspection")])
    result = hub(
        "ingest", "--source", "gz-440106", "--type", "inspection", "--report", "r.xlsx", str(path)
    )
    assert result.exit_code == 2 and "--wait" in result.output


def test_sigint_during_ingest_says_what_is_stored_and_exits_130(
    tmp_path: Path, example: Any
) -> None:
    n = 40_000
    inspection = example("inspection")
    line = json.dumps(inspection, ensure_ascii=False)
    marker = inspection["action_no"]
    path = tmp_path / "big.jsonl"
    path.write_text(
        "".join(line.replace(marker, f"JC440106202503{i:07d}") + "\n" for i in range(n)), "utf-8"
    )
    data_dir = tmp_path / "hub"
    env = hub_env(data_dir, LANG="zh_CN.UTF-8", LC_ALL="")
    run_hub(env, *COUNTY_ADD)
    args = ["ingest", "--source", "gz-440106", "--type", "inspection", str(path)]
    ingest = subprocess.Popen(
        [sys.executable, "-m", "hub", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def stored() -> int:
        with sqlite3.connect(data_dir / "log.db", timeout=30) as conn:
            try:
                return int(conn.execute("SELECT count(*) FROM submissions").fetchone()[0])
            except sqlite3.OperationalError:  # the table is not made yet
                return 0

    deadline = time.monotonic() + 120
    while stored() < 2000:
        assert ingest.poll() is None, "the ingest finished before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    ingest.send_signal(signal.SIGINT)
    _, err = ingest.communicate(timeout=60)
    assert ingest.returncode == 130, err
    before = stored()
    assert 0 < before < n
    assert f"已中断：已保存 {before:,} 条；再次运行同一命令即可从中断处继续" in err
    assert "Aborted!" not in err and "Traceback" not in err
    again = json.loads(run_hub(env, *args, "--json").stdout)
    assert (again["received"], again["already"]) == (n - before, before)


def test_wait_beside_a_running_hub_up_waits_for_its_verdicts(tmp_path: Path, example: Any) -> None:
    data_dir = tmp_path / "hub"
    env = hub_env(data_dir, LANG="en_US.UTF-8", LC_ALL="", HUB_API_ENABLED="false")
    run_hub(env, *COUNTY_ADD)
    up = subprocess.Popen(
        [sys.executable, "-m", "hub", "up"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lock, deadline = data_dir / "hub.lock", time.monotonic() + 60
        while not (lock.exists() and lock.read_text().strip() == f"pid {up.pid}"):
            assert up.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        path = _jsonl(
            tmp_path / "a.jsonl",
            [example("inspection"), dict(example("inspection"), item_code="1")],
        )
        result = run_hub(
            env, "ingest", "--source", "gz-440106", "--type", "inspection", "--wait", "--json",
            str(path), check=False,
        )  # fmt: skip
        assert result.returncode == 1, result.stderr
        assert json.loads(result.stdout)["outcomes"] == {"accepted_new": 1, "rejected": 1}
    finally:
        up.send_signal(signal.SIGTERM)
        up.wait(60)


def test_a_table_files_report_masks_personal_fields_whatever_the_header(
    hub: Any, tmp_path: Path, entity: dict[str, Any]
) -> None:
    """A table row is stored with the record as read and the row as it came: the report shows
    the record's fields, so a personal one is masked even under a header the standard does not
    use (法人代表 for 法定代表人)."""
    path = tmp_path / "企业.csv"
    header = "统一社会信用代码,单位名称,住所所在地行政区划代码,法人代表,源系统记录标识,更新时间"
    row = f"{entity['uscc']},{entity['name']},{entity['region_code']},欧阳秀英,E-1,2025-06-01"
    path.write_bytes((header + "\n" + row + "\n").encode("gb18030"))
    out = tmp_path / "r.xlsx"
    result = hub(
        "ingest", "--source", "gz-440106", "--type", "supervised_entity", "--wait",
        "--report", str(out), str(path),
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    book = openpyxl.load_workbook(out, read_only=True)
    cells = [str(c) for sheet in book.worksheets for r in sheet.iter_rows(values_only=True)
             for c in r if c is not None]  # fmt: skip
    assert any(entity["uscc"] in c for c in cells)  # the row is there
    assert not any("欧阳秀英" in c for c in cells)  # the legal representative is not


def test_a_report_of_a_record_nested_too_deep_is_written(hub: Any, tmp_path: Path) -> None:
    deep: Any = "x"
    for _ in range(300):
        deep = {"a": deep}
    path = _jsonl(tmp_path / "deep.jsonl", [{"source_record_id": "D", "extra": deep}])
    out = tmp_path / "deep.xlsx"
    validate = CliRunner().invoke(
        cli, ["validate", "--type", "penalty", "--report", str(out), str(path)], env=ZH
    )
    ingest = hub(
        "ingest", "--source", "gz-440106", "--type", "penalty", "--wait", "--report",
        str(tmp_path / "deep2.xlsx"), str(path),
    )  # fmt: skip
    for result, written in ((validate, out), (ingest, tmp_path / "deep2.xlsx")):
        assert result.exit_code == 1, result.output  # invalid data, not a crash
        assert written.exists()
