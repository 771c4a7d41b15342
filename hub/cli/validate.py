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
from hub.connectors.formats.files import Problem
from hub.connectors.formats.inputs import open_input
from hub.connectors.intake import file_items, profile_path, reading_for
from hub.report import Lang, ReportBuilder, pick
from hub.report.collect import verdict_row
from hub.settings import HubSettings
from hub.standard import Validator, Verdict
from hub.standard.reading import HeaderDiagnosis, Reading

__all__ = ["print_header", "profile_options", "validate", "validate_stream"]


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
    reading: Reading | None = None,
    delimiter: str | None = None,
    on_header: Callable[[HeaderDiagnosis], None] | None = None,
) -> Iterator[Verdict]:
    """Verdicts for every record of a file, in order; unreadable lines get a verdict too.
    Table rows are read with ``reading`` (default: the standard's column names, no profile).
    ``on_record`` sees each verdict with the record as the file had it (a table row's own
    cells; None for an unreadable line)."""
    if reading is None:  # fails before reading on an unknown type
        reading = Reading.of(validator.standard, type_id)
    _, items = file_items(
        stream,
        name,
        reading,
        encoding=encoding,
        fmt=fmt,  # type: ignore[arg-type]
        delimiter=delimiter,
        on_header=on_header,
        limits=limits,
    )
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


def profile_options(command: Callable[..., None]) -> Callable[..., None]:
    """``--profile``, ``--source`` (its profile from ``HUB_PROFILES_DIR``) and ``--delimiter``."""
    command = click.option(
        "--delimiter",
        default=None,
        help="Column separator of a table file (one character; detected when omitted).",
    )(command)
    command = click.option(
        "--profile",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help="Mapping profile (TOML): renames, constants, value maps, derived fields.",
    )(command)
    return command


def print_header(diagnosis: HeaderDiagnosis) -> None:
    """The header-level diagnosis, once per file, on stderr."""
    click.echo(diagnosis.message(), err=True)


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
@click.option("--source", "source_id", default=None, help="Read with this source's profile.")
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
    type=click.Choice(["jsonl", "json", "csv", "xlsx"]),
    default=None,
    help="Input format; from the file name when omitted (.csv/.tsv/.txt, .xlsx, .json, else "
    "JSON Lines).",
)
@click.option("--quiet", is_flag=True, help="Print only invalid records and the summary.")
@report_option
@lang_option
@profile_options
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
def validate(
    type_id: str,
    as_json: bool,
    encoding: str | None,
    fmt: str | None,
    quiet: bool,
    report_path: Path | None,
    lang: str | None,
    profile: Path | None,
    source_id: str | None,
    delimiter: str | None,
    file: Path,
) -> None:
    """Validate the records of FILE (JSON Lines, JSON, CSV/TSV or .xlsx; UTF-8 or GB18030; -
    for stdin). Table columns are mapped by field name, data-element name (统一社会信用代码)
    and alias, under the source's profile when one is given.
    Ends with a summary by rule and field; --report FILE also writes every row's problems.

    Exit code 0 when every record is valid, 1 when any is invalid, 2 for unusable input.
    """
    check_report_path(report_path)
    settings = HubSettings()
    language = lang_of(lang, settings)
    standard = settings.standard()
    validator = Validator(standard, settings.policy())
    type_id = type_id_of(validator.standard, type_id)
    record_type = validator.standard.record_type(type_id)
    builder = ReportBuilder(record_type, max_rows=settings.report_max_rows if report_path else 0)
    reading = reading_for(
        standard, type_id, profile_path(settings.profiles_dir, source_id, profile)
    )
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
            reading=reading,
            delimiter=delimiter,
            on_header=print_header,
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
