"""``hub validate --report``: the report files opened and read cell by cell, Chinese first,
personal data masked, what the source wrote kept as data (no formula, no markup)."""

from __future__ import annotations

import csv
import html
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from hub.cli import cli
from hub.report.lang import resolve_lang
from hub.report.model import Finding, ReportRow, masked_columns, summarize
from hub.standard import Standard

BAD_CHECK = "914401065812346724"  # the example's USCC with a wrong check character
HOSTILE = '=HYPERLINK("http://127.0.0.1/x","点我")'
MARKUP = "<script>alert('x')</script>&"
ROWS = 3000  # a GB18030 file well over 64 KiB


def _entity_csv(path: Path, entity: dict[str, Any]) -> list[str]:
    """A GB18030 CSV of ROWS entities: row 2 has a bad check character, row 3 no name, row 4 a
    formula and markup for text, every 100th row a bad check character too."""
    header = list(entity)
    lines = [",".join(header)]
    for i in range(1, ROWS + 1):
        row = dict(entity, source_record_id=f"GZ-{i:06d}")
        if i == 2 or i % 100 == 0:
            row["uscc"] = BAD_CHECK
        if i == 3:
            row["name"] = ""
        if i == 4:
            row["business_scope"] = HOSTILE
            row["registered_address"] = MARKUP
        lines.append(",".join('"' + str(row[k]).replace('"', '""') + '"' for k in header))
    path.write_bytes(("\n".join(lines) + "\n").encode("gb18030"))
    return header


@pytest.fixture
def entity_file(tmp_path: Path, example: Any) -> tuple[Path, list[str]]:
    path = tmp_path / "市场主体.csv"
    return path, _entity_csv(path, example("supervised_entity"))


def _validate(path: Path, report: Path, *extra: str) -> Any:
    env: dict[str, str | None] = {
        "LC_ALL": "",
        "LC_MESSAGES": "",
        "HUB_LANG": None,
        "LANG": "zh_CN.UTF-8",
    }
    return CliRunner().invoke(
        cli,
        ["validate", "--type", "监管对象", "--quiet", "--report", str(report), *extra, str(path)],
        env=env,
    )


def test_xlsx_report_summary_and_rows_cell_by_cell(
    entity_file: tuple[Path, list[str]], tmp_path: Path
) -> None:
    path, header = entity_file
    report = tmp_path / "报告.xlsx"
    result = _validate(path, report)
    assert result.exit_code == 1, result.output
    bad_check = 1 + ROWS // 100  # row 2 and every 100th
    # the end-of-run summary by rule and field, Chinese first
    assert f"{ROWS} 条记录：通过 {ROWS - bad_check - 1}，不通过 {bad_check + 1}" in result.output
    assert f"{bad_check} 行：「统一社会信用代码」第18位校验码错误" in result.output
    assert "1 行：缺少必填字段「名称」（SCHEMA.REQUIRED）" in result.output

    book = openpyxl.load_workbook(report)
    assert book.sheetnames == ["汇总 summary", "逐行 rows"]
    summary = [[c.value for c in row] for row in book["汇总 summary"].iter_rows()]
    facts = {row[0]: row[1] for row in summary if row and row[0] and row[1] is not None}
    assert facts["对象 subject"] == str(path)
    assert facts["记录类型 record type"] == "supervised_entity"
    assert facts["记录数 records"] == str(ROWS)
    assert facts["通过 valid"] == str(ROWS - bad_check - 1)
    assert facts["不通过 invalid"] == str(bad_check + 1)
    table_at = next(i for i, row in enumerate(summary) if row[0] == "行数 rows")
    assert summary[table_at][:6] == [
        "行数 rows", "规则 rule", "字段 field", "字段名称 label", "级别 severity", "问题 problem"
    ]  # fmt: skip
    by_rule = {row[1]: row for row in summary[table_at + 1 :]}
    assert set(by_rule) == {"USCC.CHECK18", "SCHEMA.REQUIRED"}
    check = by_rule["USCC.CHECK18"]
    assert check[:5] == [str(bad_check), "USCC.CHECK18", "uscc", "统一社会信用代码", "错误 error"]
    assert check[5].startswith("「统一社会信用代码」第18位校验码错误")
    assert check[6].startswith("position 18 (check character)")
    assert summary[table_at + 1][1] == "USCC.CHECK18"  # the most frequent problem first

    assert book["逐行 rows"].freeze_panes == "C2"  # header and line/verdict stay in view
    rows = [[c.value for c in row] for row in book["逐行 rows"].iter_rows()]
    assert rows[0][:6] == [
        "行号 line", "结论 verdict", "问题 problems", "problems (English)",
        "来源记录编号 source_record_id", "提交编号 submission_id",
    ]  # fmt: skip
    assert rows[0][6:] == header  # the file's own columns, in the file's order
    assert len(rows) == ROWS + 1
    col = {name: i for i, name in enumerate(rows[0])}
    first, second, third, fourth = rows[1:5]
    assert first[col["结论 verdict"]] == "通过 valid" and not first[col["问题 problems"]]
    assert second[col["结论 verdict"]] == "不通过 invalid"
    assert second[col["问题 problems"]] == (
        "[USCC.CHECK18] 统一社会信用代码（uscc）：第18位校验码错误：应为 3，实为 4"
    )
    assert second[col["uscc"]] == BAD_CHECK  # a USCC is shown: it is what to correct
    assert second[col["来源记录编号 source_record_id"]] == "GZ-000002"
    assert "SCHEMA.REQUIRED" in third[col["问题 problems"]]
    # personal data (marked hub.personal in the standard) is masked
    assert first[col["legal_rep_id_number"]] == "4****************7"
    assert first[col["contact_phone"]] == "1*********0"
    assert first[col["legal_representative"]] == "陈*强"
    # what the source wrote is text, not a formula
    cell = book["逐行 rows"].cell(row=5, column=col["business_scope"] + 1)
    assert (cell.value, cell.data_type) == (HOSTILE, "s")
    assert fourth[col["registered_address"]] == MARKUP


def test_csv_and_html_reports(entity_file: tuple[Path, list[str]], tmp_path: Path) -> None:
    path, header = entity_file
    as_csv, as_html = tmp_path / "r.csv", tmp_path / "r.html"
    assert _validate(path, as_csv).exit_code == 1
    raw = as_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads the Chinese as UTF-8
    with as_csv.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:2] == ["行号 line", "结论 verdict"] and rows[0][6:] == header
    col = {name: i for i, name in enumerate(rows[0])}
    assert (
        rows[2][col["问题 problems"]]
        == "[USCC.CHECK18] 统一社会信用代码（uscc）：第18位校验码错误：应为 3，实为 4"
    )
    assert rows[4][col["business_scope"]] == "'" + HOSTILE  # no formula when Excel opens it
    assert rows[1][col["legal_rep_id_number"]] == "4****************7"

    assert _validate(path, as_html).exit_code == 1
    page = as_html.read_text("utf-8")
    assert "<script>" not in page and html.escape(MARKUP) in page
    assert "440106198602091037" not in page and "13800138000" not in page
    assert "<th>行数 rows</th>" in page and "统一社会信用代码" in page


def test_a_report_name_the_hub_cannot_write_is_refused_before_any_work(
    entity_file: tuple[Path, list[str]], tmp_path: Path
) -> None:
    path, _ = entity_file
    result = _validate(path, tmp_path / "report.pdf")
    assert result.exit_code == 2 and ".xlsx" in result.output
    assert not (tmp_path / "report.pdf").exists()


def test_summary_counts_a_row_once_per_rule_and_field(standard: Standard) -> None:
    entity = standard.record_type("supervised_entity")
    twice = Finding("error", "SCHEMA.TYPE", "uscc", "甲", "a")
    rows = [
        ReportRow(1, "invalid", (twice, twice)),
        ReportRow(2, "invalid", (twice, Finding("warning", "X.Y", None, "乙", "b"))),
        ReportRow(3, "valid"),
    ]
    lines = summarize(rows, entity)
    assert [(s.rule, s.field, s.rows) for s in lines] == [
        ("SCHEMA.TYPE", "uscc", 2),
        ("X.Y", None, 1),
    ]
    assert lines[1].label == "（整条记录）" and lines[1].message_zh == "乙"


def test_masking_of_unmarked_columns_and_unreadable_lines(standard: Standard) -> None:
    entity = standard.record_type("supervised_entity")
    shown = masked_columns(
        {"法人代表": "王五", "备注": "身份证 11010519491231002X 电话 13912345678", "uscc": "x"},
        entity,
    )
    assert shown["备注"] == "身份证 1****************X 电话 1*********8"
    assert shown["法人代表"] == "王五"  # a column the standard does not know is not guessed at
    assert masked_columns("{bad 440524188001010014", entity) == {
        "（原始内容）": "{bad 4****************4"
    }


@pytest.mark.parametrize(
    ("option", "setting", "environ", "expected"),
    [
        ("en", "zh", {"LANG": "zh_CN.UTF-8"}, "en"),
        (None, "en", {"LANG": "zh_CN.UTF-8"}, "en"),
        (None, None, {"LANG": "en_US.UTF-8"}, "en"),
        (None, None, {"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        (None, None, {"LANG": "C.UTF-8"}, "zh"),
        (None, None, {}, "zh"),
    ],
)
def test_language(
    option: str | None, setting: str | None, environ: dict[str, str], expected: str
) -> None:
    assert resolve_lang(option, setting, environ) == expected


def test_rows_with_ever_new_keys_do_not_widen_the_sheet_without_bound(
    tmp_path: Path, example: Any
) -> None:
    from hub.report.writers import MAX_COLUMNS

    records = [
        dict(example("inspection"), **{f"k{i}_{j}": "v" for j in range(50)}) for i in range(40)
    ]
    path = tmp_path / "wide.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    report = tmp_path / "wide.xlsx"
    result = CliRunner().invoke(
        cli, ["validate", "--type", "inspection", "--quiet", "--report", str(report), str(path)]
    )
    assert result.exit_code == 1  # every record has unknown fields
    sheet = openpyxl.load_workbook(report, read_only=True)["逐行 rows"]
    header = next(sheet.iter_rows(values_only=True))
    assert len(header) == 6 + MAX_COLUMNS
