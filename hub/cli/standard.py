"""``hub standard``: what the standard pack holds (types, examples, rules, version)."""

from __future__ import annotations

import json
from typing import Any

import click

from hub.cli.report import lang_of, lang_option, type_id_of
from hub.settings import HubSettings
from hub.standard import RULES

__all__ = ["standard"]


@click.group()
def standard() -> None:
    """The national data standard the hub validates against."""


@standard.command("types")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def types_cmd(as_json: bool) -> None:
    """List the record types, with their identity rule."""
    std = HubSettings().standard()
    rows: list[dict[str, Any]] = [
        {
            "type": t.type_id,
            "title_zh": t.title_zh,
            "title_en": t.title_en,
            "schema": t.full_name,
            "identity": list(t.identity),
            "fields": len(t.fields),
        }
        for t in std.types.values()
    ]
    if as_json:
        click.echo(
            json.dumps(
                {"standard_version": std.version, "types": rows}, ensure_ascii=False, indent=2
            )
        )
        return
    click.echo(f"standard {std.version}")
    for row in rows:
        identity = " + ".join(row["identity"])
        click.echo(f"  {row['type']:<18} {row['title_zh']:<10} identity: {identity}")


@standard.command("example")
@click.option("--type", "type_id", required=True, help="Record type, e.g. inspection or 检查行为.")
def example_cmd(type_id: str) -> None:
    """Print one valid example record of TYPE as JSON."""
    std = HubSettings().standard()
    click.echo(json.dumps(std.example(type_id_of(std, type_id)), ensure_ascii=False, indent=2))


@standard.command("rules")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@lang_option
def rules_cmd(as_json: bool, lang: str | None) -> None:
    """List every rule code with its default severity and its message in Chinese and English
    (the --lang language first)."""
    rows = [
        {"rule": code, "severity": rule.severity.value, "zh": rule.zh, "en": rule.en}
        for code, rule in sorted(RULES.items())
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    first, second = ("zh", "en") if lang_of(lang, HubSettings()) == "zh" else ("en", "zh")
    for row in rows:
        click.echo(f"{row['rule']:<28} {row['severity']:<8} {row[first]}")
        click.echo(f"{'':<37} {row[second]}")


@standard.command("version")
def version_cmd() -> None:
    """Print the standard pack's version (manifest version + fingerprint)."""
    click.echo(HubSettings().standard().version)
