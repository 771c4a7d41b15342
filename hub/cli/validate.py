"""``hub validate``: the bureaus' self-check before they submit, one verdict per record."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import click

from hub.bounds import InputLimits, input_limits
from hub.files import Problem, read_records
from hub.inputs import open_input
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
    limits: InputLimits | None = None,
) -> Iterator[Verdict]:
    """Verdicts for every record of a file, in order; unreadable lines get a verdict too."""
    validator.standard.record_type(type_id)  # fail before reading on an unknown type
    items = read_records(stream, name, encoding=encoding, fmt=fmt, limits=limits)  # type: ignore[arg-type]
    for item in items:
        location = {"line": item.line}
        if isinstance(item, Problem):
            yield validator.reject(type_id, item.rule, item.params, location=location).verdict
        else:
            yield validator.validate(
                type_id, item.data, lenient=item.lenient, location=location
            ).verdict


def _human(verdict: Verdict) -> str:
    state = "VALID" if verdict.valid else "INVALID"
    warnings = len(verdict.warnings)
    if warnings:
        state += f" ({warnings} warning{'s' if warnings > 1 else ''})"
    sid = verdict.source_record_id or "-"
    lines = [f"line {verdict.location.get('line', '?')}  {sid}  {state}"]
    for v in verdict.violations:
        lines.append(
            f"  {v.severity.value:<7} {v.rule:<24} {v.field or '(record)'}: "
            f"{v.message_en} | {v.message_zh}"
        )
    for c in verdict.changes:
        shown = f" ({c.before!r} -> {c.after!r})" if c.before is not None else ""
        lines.append(f"  changed {c.field}: {', '.join(c.kinds)}{shown}")
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
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
def validate(
    type_id: str, as_json: bool, encoding: str | None, fmt: str | None, quiet: bool, file: Path
) -> None:
    """Validate the records of FILE (JSON Lines, JSON or CSV; UTF-8 or GB18030; - for stdin).

    Exit code 0 when every record is valid, 1 when any is invalid, 2 for unusable input.
    """
    settings = HubSettings()
    validator = Validator(settings.standard(), settings.policy())
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
            limits=input_limits(settings),
        ):
            counts["records"] += 1
            counts["valid" if verdict.valid else "invalid"] += 1
            counts["warnings"] += len(verdict.warnings)
            if quiet and verdict.valid:
                continue
            if as_json:
                click.echo(json.dumps(verdict.to_dict(), ensure_ascii=False))
            else:
                click.echo(_human(verdict))
    finally:
        if not stdin:
            stream.close()
    click.echo(
        f"{counts['records']} records: {counts['valid']} valid, {counts['invalid']} invalid, "
        f"{counts['warnings']} warnings (standard {validator.standard.version})",
        err=True,
    )
    sys.exit(1 if counts["invalid"] else 0)
