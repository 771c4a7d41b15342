"""Writing a report: ``.xlsx`` (sheet 1 the summary, sheet 2 every row beside its own columns),
``.csv`` (the rows, UTF-8 with a byte-order mark so Excel shows the Chinese) or ``.html`` (both
tables, every value escaped, no external asset). Chinese first in every header and message.

What a source sent is data, never markup or a formula: HTML escapes it, the workbook stores every
cell as text (a value ``=HYPERLINK(...)`` stays a string), CSV cells starting with ``= + - @`` get
a leading apostrophe (the usual guard against formula injection), and characters XML cannot hold
are dropped from workbook cells.
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Iterator
from pathlib import Path

from hub.errors import InputError
from hub.report.lang import Lang
from hub.report.model import Report, ReportRow, outcome_label

__all__ = [
    "FORMATS",
    "MAX_COLUMNS",
    "ReportFormatError",
    "row_cells",
    "summary_cells",
    "write_report",
]

FORMATS = (".xlsx", ".csv", ".html")
MAX_COLUMNS = 500  # of a record's own columns shown beside the verdict
_XLSX_MAX_CELL = 32_767
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

SUMMARY_HEADER = (
    "行数 rows",
    "规则 rule",
    "字段 field",
    "字段名称 label",
    "级别 severity",
    "问题 problem",
    "problem (English)",
)
ROW_HEADER = (
    "行号 line",
    "结论 verdict",
    "问题 problems",
    "problems (English)",
    "来源记录编号 source_record_id",
    "提交编号 submission_id",
)
_SEVERITY = {"error": "错误 error", "warning": "警告 warning"}


class ReportFormatError(InputError):
    """The report file's name asks for a format the hub does not write (exit 2)."""

    code = "REPORT.FORMAT"


def _problems(row: ReportRow, lang: Lang) -> str:
    if lang == "zh":
        return "；".join(f"[{f.rule}] {f.where(lang)}：{f.message_zh}" for f in row.findings)
    return "; ".join(f"[{f.rule}] {f.where(lang)}: {f.message_en}" for f in row.findings)


def _verdict(outcome: str) -> str:
    zh, en = outcome_label(outcome, "zh"), outcome_label(outcome, "en")
    return zh if zh == en else f"{zh} {en}"


def summary_cells(report: Report) -> Iterator[list[str]]:
    """Sheet 1: what the report is about, the counts per verdict, the table by rule and field."""
    yield ["对象 subject", report.subject]
    if report.batch_id:
        yield ["批次 batch", report.batch_id]
    yield ["记录类型 record type", report.record_type]
    yield ["标准版本 standard", report.standard_version]
    yield ["记录数 records", str(report.total)]
    for outcome, n in sorted(report.counts.items()):
        yield [_verdict(outcome), str(n)]
    if report.truncated:
        shown = len(report.rows)
        yield ["注意 note", f"逐行表只列出前 {shown} 行 / only the first {shown} rows are listed"]
    yield []
    yield list(SUMMARY_HEADER)
    for line in report.summary:
        yield [
            str(line.rows),
            line.rule,
            line.field or "",
            line.label,
            _SEVERITY.get(line.severity, line.severity),
            line.message_zh,
            line.message_en,
        ]


def _columns(report: Report) -> list[str]:
    """The records' own columns in first-seen order, at most MAX_COLUMNS: records whose keys
    differ row by row (hostile or broken JSON) must not make a sheet wider than a workbook."""
    seen: dict[str, None] = {}
    for row in report.rows:
        for name in row.columns:
            if len(seen) >= MAX_COLUMNS:
                return list(seen)
            seen.setdefault(name, None)
    return list(seen)


def row_cells(report: Report) -> Iterator[list[str]]:
    """Sheet 2: one line per record, the verdict first, then the record's own columns."""
    columns = _columns(report)
    yield [*ROW_HEADER, *columns]
    for row in report.rows:
        yield [
            "" if row.line is None else str(row.line),
            _verdict(row.outcome),
            _problems(row, "zh"),
            _problems(row, "en"),
            row.source_record_id or "",
            row.submission_id or "",
            *(row.columns.get(c, "") for c in columns),
        ]


def write_report(report: Report, path: Path) -> None:
    """Write ``report`` to ``path`` in the format its suffix names."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        _xlsx(report, path)
    elif suffix == ".csv":
        _csv(report, path)
    elif suffix in (".html", ".htm"):
        _html(report, path)
    else:
        raise ReportFormatError(
            f"报告文件须为 .xlsx、.csv 或 .html：{path.name} / "
            f"the report file must end in .xlsx, .csv or .html: {path.name}"
        )


def _xlsx_text(value: str) -> str:
    return _ILLEGAL_XML.sub("", value)[:_XLSX_MAX_CELL]


def _xlsx(report: Report, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheets = (
        (
            "汇总 summary",
            summary_cells(report),
            {"A": 40, "B": 24, "D": 24, "F": 60, "G": 60},
            None,
        ),
        ("逐行 rows", row_cells(report), {"B": 22, "C": 60, "D": 60, "E": 26}, "C2"),
    )
    for title, rows, widths, freeze in sheets:
        sheet = book.create_sheet(title)
        for column, width in widths.items():
            sheet.column_dimensions[column].width = width
        if freeze:
            sheet.freeze_panes = freeze  # the header and the line/verdict stay in view
        for values in rows:
            cells = []
            for value in values:
                cell = WriteOnlyCell(sheet, value=_xlsx_text(value))
                cell.data_type = "s"  # text, never a formula, whatever the source wrote
                cells.append(cell)
            sheet.append(cells)
    book.save(path)


def _csv_text(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _csv(report: Report, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        for values in row_cells(report):
            writer.writerow([_csv_text(v) for v in values])


def _table(rows: Iterator[list[str]], *, header_at: int = 0) -> str:
    out = ["<table>"]
    for i, values in enumerate(rows):
        tag = "th" if i == header_at else "td"
        cells = "".join(f"<{tag}>{html.escape(v)}</{tag}>" for v in values)
        out.append(f"<tr>{cells}</tr>")
    out.append("</table>")
    return "\n".join(out)


def _html(report: Report, path: Path) -> None:
    summary = list(summary_cells(report))
    split = summary.index([])
    title = html.escape(f"数据质量报告 {report.subject}")
    body = [
        "<!doctype html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{title}</title>",
        "<style>table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #999;padding:2px 6px;vertical-align:top}</style>",
        "</head><body>",
        f"<h1>{title}</h1>",
        _table(iter(summary[:split]), header_at=-1),
        "<h2>问题汇总 summary by rule and field</h2>",
        _table(iter(summary[split + 1 :])),
        "<h2>逐行 rows</h2>",
        _table(row_cells(report)),
        "</body></html>",
    ]
    path.write_text("\n".join(body) + "\n", encoding="utf-8")
