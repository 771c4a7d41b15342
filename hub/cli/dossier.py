"""``hub dossier USCC`` (一企一档) and ``hub dossier --equipment CODE`` (一码追溯).

Exit codes: 0 something found, 1 nothing names the code, 2 a value that cannot be a USCC or an
equipment code (the message says which check failed, Chinese first).
"""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli.options import as_json_option, data_dir_option, echo_json, settings_for
from hub.errors import InputError
from hub.query.dossier import Dossier, DossierEntry, dossier, equipment
from hub.runtime.embedded import EmbeddedHub, has_hub

__all__ = ["dossier_command"]


def _line(entry: DossierEntry, indent: str = "  ") -> str:
    when = (entry.business_time or "")[:16].replace("T", " ")
    mark = " [已撤回 retracted]" if entry.retracted else ""
    return (
        f"{indent}{when:<16}  {entry.record_id}  v{entry.version:<3} {entry.region_code or '':<6}"
        f"  {entry.title}{mark}"
    )


def _text(found: Dossier) -> None:
    what = "统一社会信用代码 USCC" if found.kind == "entity" else "设备代码 equipment code"
    click.echo(f"{what} {found.code}: {len(found.entries)} 条记录 / records")
    for warning in found.warnings:
        click.echo(f"  注意 / warning: {warning}")
    if found.retracted_hidden:
        click.echo(
            f"  另有 {found.retracted_hidden} 条已撤回，未列出 (--all) / retracted, not shown"
        )
    for group in found.groups:
        click.echo(f"\n{group.title_zh} / {group.title_en} ({len(group.entries)})")
        for entry in group.entries:
            click.echo(_line(entry))
            for child in entry.rectifications:
                click.echo(_line(child, "    └ "))
    if found.life:
        click.echo("\n设备履历 / life of the registration")
        for v in found.life:
            mark = " [已撤回 retracted]" if v.retracted else ""
            click.echo(
                f"  {v.recorded_at[:16].replace('T', ' ')}  {v.record_id} v{v.version:<3}"
                f" status={v.status or '-'} last={v.last_inspection_date or '-'}"
                f" next={v.next_inspection_date or '-'}{mark}"
            )
    if found.user_units:
        click.echo(f"\n使用单位 / user units: {', '.join(found.user_units)} (hub dossier USCC)")
    click.echo("\n溯源 / trace: hub trace RECORD_ID")


@click.command("dossier")
@click.argument("uscc", required=False)
@click.option("--equipment", "equipment_code", metavar="CODE", help="A special-equipment code.")
@click.option("--all", "include_retracted", is_flag=True, help="Also list retracted records.")
@data_dir_option
@as_json_option
def dossier_command(
    uscc: str | None,
    equipment_code: str | None,
    include_retracted: bool,
    data_dir: Path | None,
    as_json: bool,
) -> None:
    """Every record naming USCC (一企一档), or with --equipment every record naming CODE
    (一码追溯), by business time and type, each with the record id to trace."""
    if (uscc is None) == (equipment_code is None):
        raise click.UsageError("give a USCC or --equipment CODE (one of them)")
    settings = settings_for(data_dir)
    if not has_hub(settings):
        raise InputError(f"此目录没有数据中心 / no hub in {settings.data_dir}")
    tz = settings.policy().timezone
    with EmbeddedHub(settings) as hub:
        hub.projector.run_until_current()
        if equipment_code is not None:
            found = equipment(
                hub.views,
                equipment_code,
                standard=hub.standard,
                tz=tz,
                include_retracted=include_retracted,
            )
        else:
            assert uscc is not None
            found = dossier(
                hub.views, uscc, standard=hub.standard, tz=tz, include_retracted=include_retracted
            )
    if as_json:
        echo_json(found.to_dict())
    elif found.found:
        _text(found)
    else:
        what = "统一社会信用代码" if found.kind == "entity" else "设备代码"
        click.echo(
            f"中心没有任何记录涉及{what} {found.code} / no record names {found.code}"
            + (
                f"（另有 {found.retracted_hidden} 条已撤回 / retracted）"
                if found.retracted_hidden
                else ""
            )
        )
    if not found.found:
        raise SystemExit(1)
