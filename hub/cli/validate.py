"""``hub validate``: the bureaus' self-check before they submit, one verdict per record."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import click

from hub.bounds import InputLimits
from hub.cli.report import (
    check_report_path,
    emit_report,
    lang_of,
    lang_option,
    report_option,
    type_id_of,
)
from hub.files import Problem, read_records
from hub.inputs import open_input
from hub.report import Lang, ReportBuilder, pick
from hub.report.collect import verdict_row
from hub.settings import HubSettings
from hub.standard import Validator, Verdict

__all__ = ["validate", "validate_stream"]


def validate_stream(
    validator: Validator,
    type_id: str,
    stream: BinaryIO,
    name: str,
    *,
    encoding: str | None = None,
    fmt: str | None = None,
    on_record: Callable[[Verdict, Any], None] | None = None,
    limits: InputLimits | None = None,
) -> Iterator[Verdict]:
    """Verdicts for every record of a file, in order; unreadable lines get a verdict too.
    ``on_record`` sees each verdict with the record as read (None for an unreadable line)."""
    validator.standard.record_type(type_id)  # fail before reading on an unknown type
    items = read_records(stream, name, encoding=encoding, fmt=fmt, limits=limits)  # type: ignore[arg-type]
    for item in items:
        location = {"line": item.line}
        if isinstance(item, Problem):
            verdict = validator.reject(type_id, item.rule, item.params, location=location).verdict
            data = None
        else:
            verdict = validator.validate(
                type_id, item.data, lenient=item.lenient, location=location
            ).verdict
            data = item.data
        if on_record is not None:
            on_record(verdict, data)
        yield verdict


def _human(verdict: Verdict, lang: Lang = "en") -> str:
    """One record's verdict for a reader: Chinese messages in Chinese, English in English."""
    zh = lang == "zh"
    state = ("通过" if zh else "VALID") if verdict.valid else ("不通过" if zh else "INVALID")
    warnings = len(verdict.warnings)
    if warnings:
        state += (
            f"（{warnings} 个警告）"
            if zh
            else f" ({warnings} warning{'s' if warnings > 1 else ''})"
        )
    sid = verdict.source_record_id or "-"
    line = verdict.location.get("line", "?")
    lines = [pick(lang, f"第 {line} 行  {sid}  {state}", f"line {line}  {sid}  {state}")]
    severity = {"error": "错误", "warning": "警告"}
    for v in verdict.violations:
        if zh:
            lines.append(
                f"  {severity.get(v.severity.value, v.severity.value)} {v.rule:<24} "
                f"{v.field or '（整条记录）'}：{v.message_zh}"
            )
        else:
            lines.append(
                f"  {v.severity.value:<7} {v.rule:<24} {v.field or '(record)'}: {v.message_en}"
            )
    for c in verdict.changes:
        shown = f" ({c.before!r} -> {c.after!r})" if c.before is not None else ""
        kinds = ", ".join(c.kinds)
        lines.append(
            pick(
                lang, f"  已规范 {c.field}：{kinds}{shown}", f"  changed {c.field}: {kinds}{shown}"
            )
        )
    return "\n".join(lines)


@click.command()
@click.option("--type", "type_id", required=True, help="Record type (see `hub standard types`).")
@click.option("--json", "as_json", is_flag=True, help="One JSON verdict per line (JSON Lines).")
@click.option(
    "--encoding",
    type=click.Choice(["utf-8", "gb18030"]),
    default=None,
    help="Input encoding; detected when omitted.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "json", "csv"]),
    default=None,
    help="Input format; from the file name when omitted (.csv, .json, else JSON Lines).",
)
@click.option("--quiet", is_flag=True, help="Print only invalid records and the summary.")
@report_option
@lang_option
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
def validate(
    type_id: str,
    as_json: bool,
    encoding: str | None,
    fmt: str | None,
    quiet: bool,
    report_path: Path | None,
    lang: str | None,
    file: Path,
) -> None:
    """Validate the records of FILE (JSON Lines, JSON or CSV; UTF-8 or GB18030; - for stdin).
    Ends with a summary by rule and field; --report FILE also writes every row's problems.

    Exit code 0 when every record is valid, 1 when any is invalid, 2 for unusable input.
    """
    check_report_path(report_path)
    settings = HubSettings()
    language = lang_of(lang, settings)
    validator = Validator(settings.standard(), settings.policy())
    type_id = type_id_of(validator.standard, type_id)
    record_type = validator.standard.record_type(type_id)
    builder = ReportBuilder(record_type, max_rows=settings.report_max_rows if report_path else 0)
    counts = {"records": 0, "valid": 0, "invalid": 0, "warnings": 0}
    stdin = str(file) == "-"
    # a FIFO, a device, a directory or a symlink loop is refused with what it is (no hang)
    stream: BinaryIO = sys.stdin.buffer if stdin else open_input(file)
    try:
        for verdict in validate_stream(
            validator,
            type_id,
            stream,
            "stdin" if stdin else file.name,
            encoding=encoding,
            fmt=fmt,
            on_record=lambda v, data: builder.add(
                verdict_row(v, data if report_path else None, record_type)
            ),
            limits=settings.input_limits(),
        ):
            counts["records"] += 1
            counts["valid" if verdict.valid else "invalid"] += 1
            counts["warnings"] += len(verdict.warnings)
            if quiet and verdict.valid:
                continue
            if as_json:
                click.echo(json.dumps(verdict.to_dict(), ensure_ascii=False))
            else:
                click.echo(_human(verdict, language))
    finally:
        if not stdin:
            stream.close()
    emit_report(
        builder.build("stdin" if stdin else str(file), validator.standard.version),
        report_path,
        language,
    )
    sys.exit(1 if counts["invalid"] else 0)
