"""``hub report BATCH_ID`` and the pieces ``hub validate`` and ``hub ingest`` share to end with
a report: ``--lang``, ``--report FILE``, record types by their Chinese name.

A batch's report is made again from what the hub stored (its submissions and their verdicts), so
it can be produced any time later, by anyone with the data directory, and says the same thing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from hub.backends import backend_for
from hub.cli.options import as_json_option, data_dir_option, echo_json, settings_for
from hub.errors import InputError
from hub.events import load_codec
from hub.report import Lang, Report, ReportBuilder, pick, resolve_lang, summary_lines
from hub.report.collect import batch_rows, find_batch
from hub.report.writers import FORMATS, write_report
from hub.runtime.embedded import has_hub
from hub.settings import HubSettings
from hub.standard.pack import Standard

__all__ = [
    "emit_report",
    "lang_of",
    "lang_option",
    "report",
    "report_json",
    "report_option",
    "type_id_of",
]

F = TypeVar("F", bound=Callable[..., Any])


def lang_option(func: F) -> F:
    return click.option(
        "--lang",
        type=click.Choice(["zh", "en"]),
        default=None,
        help="Language of human output (default: $HUB_LANG, else en for an en_* locale, else zh).",
    )(func)


def report_option(func: F) -> F:
    return click.option(
        "--report",
        "report_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Also write the report (summary and every row) to FILE: .xlsx, .csv or .html.",
    )(func)


def lang_of(option: str | None, settings: HubSettings) -> Lang:
    return resolve_lang(option, settings.lang, os.environ)


def check_report_path(path: Path | None) -> None:
    """Refuse a report name the hub cannot write before any work is done (exit 2)."""
    if path is not None and path.suffix.lower() not in (*FORMATS, ".htm"):
        raise click.BadParameter(
            f"报告文件须为 .xlsx、.csv 或 .html / must end in .xlsx, .csv or .html: {path}",
            param_hint="--report",
        )


def type_id_of(standard: Standard, value: str) -> str:
    """A record type by its id (``inspection``) or its Chinese name (``检查行为``)."""
    wanted = value.strip()
    if wanted in standard.types:
        return wanted
    for record_type in standard.types.values():
        if wanted in (record_type.title_zh, record_type.title_en):
            return record_type.type_id
    standard.record_type(wanted)  # raises, naming the known types
    return wanted


def emit_report(report: Report, path: Path | None, lang: Lang) -> None:
    """The summary on stderr, and the report file when one was asked for."""
    for line in summary_lines(report, lang):
        click.echo(line, err=True)
    if path is not None:
        write_report(report, path)
        click.echo(pick(lang, f"报告已写入 {path}", f"report written to {path}"), err=True)


def report_json(report: Report) -> dict[str, Any]:
    """This report as ``--json`` shows it (the counts of this file or batch only)."""
    return {
        "records": report.total,
        "outcomes": dict(report.counts),
        "summary": [
            {
                "rows": s.rows,
                "rule": s.rule,
                "field": s.field,
                "label": s.label,
                "severity": s.severity,
                "message": {"zh": s.message_zh, "en": s.message_en},
            }
            for s in report.summary
        ],
    }


def batch_report(settings: HubSettings, batch_id: str, source_id: str | None) -> Report | None:
    """The report of a stored batch, or None when the hub holds no such batch."""
    standard = settings.standard()
    codec = load_codec(standard.root)
    store = backend_for(settings).store()
    try:
        submissions = find_batch(store, codec, batch_id, source_id)
        if not submissions:
            return None
        record_type = standard.record_type(submissions[0]["record_type"])
        builder = ReportBuilder(record_type, max_rows=settings.report_max_rows)
        batch_rows(store, codec, submissions, record_type, builder)
    finally:
        store.close()
    return builder.build(
        f"{submissions[0]['source_id']} {batch_id}", standard.version, batch_id=batch_id
    )


@click.command("report")
@click.argument("batch_id")
@click.option("--source", "source_id", default=None, help="The batch's source (reads less).")
@report_option
@lang_option
@data_dir_option
@as_json_option
def report(
    batch_id: str,
    source_id: str | None,
    report_path: Path | None,
    lang: str | None,
    data_dir: Path | None,
    as_json: bool,
) -> None:
    """The report of an earlier batch again, from its stored submissions and verdicts.

    Exit code 0 when no record of the batch was rejected, 1 when some were, 2 when the hub
    holds no such batch.
    """
    check_report_path(report_path)
    settings = settings_for(data_dir)
    language = lang_of(lang, settings)
    if not has_hub(settings):
        raise InputError(
            f"{settings.data_dir} 中没有数据中心（先运行 hub demo 或 hub up） / "
            f"no hub in {settings.data_dir} (run hub demo or hub up first)"
        )
    found = batch_report(settings, batch_id, source_id)
    if found is None:
        raise InputError(
            f"没有批次 {batch_id}（批次号见 hub ingest 的输出） / "
            f"no batch {batch_id} (hub ingest prints the batch id)"
        )
    if as_json:
        echo_json({"batch_id": batch_id, "type": found.record_type, **report_json(found)})
        if report_path is not None:
            write_report(found, report_path)
    else:
        emit_report(found, report_path, language)
    if found.counts.get("rejected"):
        raise SystemExit(1)
